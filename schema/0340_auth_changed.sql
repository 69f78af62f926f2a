-- Every change that can alter what a token or session look-up finds is
-- announced with the user's id (issue 19): each patrold keeps those
-- look-ups' verdicts (server/auth_cache.c) and forgets the user's when
-- told, so a revoked token, an ended session or a disabled user is refused
-- by every instance. Row triggers, inside the changing transaction: heard
-- once the change is committed, once per user (NOTIFY folds equal
-- payloads). Only the columns a look-up reads: the per-minute last_seen
-- and last_used_at touches announce nothing. A TRUNCATE announces '':
-- forget everyone.
-- migration-time function: the triggers below are made with it.
CREATE FUNCTION auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('auth_changed', '');
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('auth_changed', OLD.id::text);
    ELSE
        PERFORM pg_notify('auth_changed', OLD.user_id::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER users_auth_changed
    AFTER UPDATE OF name, role, active, crew_id ON users FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name
       OR OLD.role IS DISTINCT FROM NEW.role
       OR OLD.active IS DISTINCT FROM NEW.active
       OR OLD.crew_id IS DISTINCT FROM NEW.crew_id)
    EXECUTE FUNCTION auth_changed();
CREATE TRIGGER users_auth_deleted AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION auth_changed();
CREATE TRIGGER users_auth_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION auth_changed();

CREATE TRIGGER api_tokens_auth_changed
    AFTER UPDATE OF token_sha256, user_id, revoked_at ON api_tokens
    FOR EACH ROW
    WHEN (OLD.token_sha256 IS DISTINCT FROM NEW.token_sha256
       OR OLD.user_id IS DISTINCT FROM NEW.user_id
       OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
    EXECUTE FUNCTION auth_changed();
CREATE TRIGGER api_tokens_auth_deleted AFTER DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION auth_changed();
CREATE TRIGGER api_tokens_auth_truncated AFTER TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION auth_changed();

CREATE TRIGGER sessions_auth_changed
    AFTER UPDATE OF id_sha256, user_id, csrf, expires_at ON sessions
    FOR EACH ROW
    WHEN (OLD.id_sha256 IS DISTINCT FROM NEW.id_sha256
       OR OLD.user_id IS DISTINCT FROM NEW.user_id
       OR OLD.csrf IS DISTINCT FROM NEW.csrf
       OR OLD.expires_at IS DISTINCT FROM NEW.expires_at)
    EXECUTE FUNCTION auth_changed();
CREATE TRIGGER sessions_auth_deleted AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION auth_changed();
CREATE TRIGGER sessions_auth_truncated AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION auth_changed();
