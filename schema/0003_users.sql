-- Who may call the API: people with a role, and the bearer tokens their
-- scripts and integrations present. Tokens are stored only as SHA-256 (they
-- are random and long, so a fast hash suffices); passwords as argon2id.
CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    -- Plain, so names can go into log lines and audit_log.actor unquoted.
    name          text UNIQUE NOT NULL CHECK (name ~ '^[a-z0-9_.-]{1,63}$'),
    display_name  text NOT NULL,
    role          text NOT NULL
                  CHECK (role IN ('admin', 'supervisor', 'dispatcher',
                                  'viewer', 'crew')),
    password_hash text,                 -- argon2id; NULL = no password log-in
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users,
    token_sha256  text UNIQUE NOT NULL CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    label         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
-- Revoking walks a user's tokens.
CREATE INDEX api_tokens_user ON api_tokens (user_id);
