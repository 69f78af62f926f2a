-- The states in which a request is closed (lifecycle.c's terminal states).
CREATE OR REPLACE FUNCTION retention_closed_states() RETURNS text[]
    LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['done', 'unable', 'cancelled', 'merged']
$$;
