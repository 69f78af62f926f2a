-- Idempotency-Key on POST /api/v1/requests and Open311 POST requests
-- (issue 10 finding 10): a client that lost the reply retries with the same
-- key and gets the first answer, nothing new is created. In the database,
-- not in one patrold's memory, so a retry that lands on another instance
-- behind the load balancer is answered the same.
--
-- scope is who sent it ('user:ID' or 'open311:KEY_ID'): one client's keys
-- never answer another's. status is NULL while the first request is being
-- handled. Rows past expires_at are dead (a new request may take the key)
-- and are swept by later claims.
CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    route        text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    body_sha256  text NOT NULL CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
    status       int,
    content_type text,
    response     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (scope, route, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
