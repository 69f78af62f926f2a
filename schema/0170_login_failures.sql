-- Failed log-ins, shared by every patrold on the database (issue 10).
--
-- The growing log-in delays (server/core/ratelimit.c) were counted in each
-- process's memory: behind a load balancer with N instances a guesser got N
-- times the tries, and a restart forgot them. Here one row per key holds
-- the count and the time of the last failure; the delay a key still has to
-- wait follows from those two (ratelimit_wait), using the database's clock,
-- so all instances agree.
--
-- key_sha256 is the SHA-256 (hex) of 'u:NAME' for a user name typed or
-- 'a:ADDRESS' for a client address: a password typed into the name field
-- by mistake is not kept here. One row per key, counted up in one
-- statement (INSERT ... ON CONFLICT); a key quiet for login_forget_s counts
-- afresh, and rows that no policy can still hold are swept after each
-- failure, so a flood of bad log-ins cannot grow the table without bound.
CREATE TABLE login_failures (
    key_sha256 text PRIMARY KEY CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
    failures   integer NOT NULL CHECK (failures > 0),
    last_at    timestamptz NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_at);
