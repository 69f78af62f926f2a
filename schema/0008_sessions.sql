-- Browser log-in sessions for the console. The cookie holds a random id;
-- only its SHA-256 is stored (like api_tokens). csrf is the token the page
-- must echo in X-CSRF-Token on every state-changing request: it is useless
-- without the cookie, which scripts on other sites cannot read or send.
CREATE TABLE sessions (
    id_sha256  text PRIMARY KEY CHECK (id_sha256 ~ '^[0-9a-f]{64}$'),
    user_id    bigint NOT NULL REFERENCES users,
    csrf       text NOT NULL CHECK (csrf ~ '^[A-Za-z0-9_-]{43}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
-- Log-ins sweep expired rows.
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Disabling a user or changing their password ends their sessions, so that
-- enabling them again later does not bring an old browser back in.
CREATE FUNCTION sessions_end_for_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.active IS DISTINCT FROM OLD.active
       OR NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
        DELETE FROM sessions WHERE user_id = NEW.id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER users_end_sessions AFTER UPDATE OF active, password_hash
    ON users FOR EACH ROW EXECUTE FUNCTION sessions_end_for_user();
