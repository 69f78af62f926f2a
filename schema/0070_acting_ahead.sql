-- Acting before people ask (issue 17): consent to future contact, the
-- notices sent to consenting residents of recurring sites, and the indexes
-- the outlook, the recurring sites and the past-case search read by.

-- A caller may agree at intake to be told about the same matter in future
-- seasons. The words read out and the moment are kept with the person's
-- data (personal data stays in callers); no consent: never listed.
ALTER TABLE callers
    ADD COLUMN IF NOT EXISTS consent_text text
        CHECK (consent_text IS NULL OR length(consent_text) BETWEEN 1 AND 1000),
    ADD COLUMN IF NOT EXISTS consent_at timestamptz,
    ADD CONSTRAINT callers_consent_pair
        CHECK ((consent_text IS NULL) = (consent_at IS NULL));

-- One row per notice sent: to whom (a caller), about which site (a
-- request of the site) and season; sending twice in a season is refused.
CREATE TABLE notice_sends (
    id         bigserial PRIMARY KEY,
    caller_id  bigint NOT NULL REFERENCES callers,
    request_id bigint NOT NULL REFERENCES requests,
    category   text NOT NULL REFERENCES categories,
    season     int NOT NULL CHECK (season BETWEEN 2000 AND 2100),
    method     text NOT NULL CHECK (method IN ('letter', 'email', 'phone')),
    sent_by    text NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (caller_id, category, season)
);

-- The outlook and the recurring sites read a category's whole history.
CREATE INDEX IF NOT EXISTS requests_category_created
    ON requests (category, created_at);
