-- Open311 GeoReport v2 (server/open311*.c): the client applications that may
-- post reports, and what a report from one of them carries beyond a phone
-- call. Keys are random and shown once; only their SHA-256 is kept, as for
-- API tokens.
CREATE TABLE open311_keys (
    id           bigserial PRIMARY KEY,
    -- Plain, so a client's name can go into log lines and event actors.
    name         text UNIQUE NOT NULL CHECK (name ~ '^[a-z0-9_.-]{1,63}$'),
    key_sha256   text UNIQUE NOT NULL CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- One row per request that came in through Open311. No personal data here:
-- names, phone and e-mail go to callers like a phone call's.
CREATE TABLE open311_requests (
    request_id bigint PRIMARY KEY REFERENCES requests,
    key_id     bigint NOT NULL REFERENCES open311_keys,
    media_url  text CHECK (length(media_url) <= 2000),  -- stored, never fetched
    client_ref text CHECK (length(client_ref) <= 100)   -- e.g. FixMyStreet's report id
);

-- Open311 clients send an e-mail address; it is a caller's personal data.
ALTER TABLE callers ADD COLUMN email text;

-- GET requests and servicerequestupdates select by date.
CREATE INDEX open311_requests_created ON requests (created_at);
CREATE INDEX open311_requests_changed ON requests (state_changed_at);
CREATE INDEX open311_events_at ON request_events (at);
