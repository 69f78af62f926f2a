-- A crew-role user works in one crew and may act only on that crew's jobs
-- and that crew's status (issue 10 finding 3), as a device token is bound
-- to its crew (devices.crew_id). NULL for every other role; a crew-role
-- user with no crew may record nothing for any crew.
ALTER TABLE users ADD COLUMN crew_id bigint REFERENCES crews;
ALTER TABLE users ADD CONSTRAINT users_crew_only_for_crew_role
    CHECK (crew_id IS NULL OR role = 'crew');
CREATE INDEX users_crew ON users (crew_id) WHERE crew_id IS NOT NULL;
