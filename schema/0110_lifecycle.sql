-- The request life cycle in one place (issue 12, item 1).
--
-- The states and transitions are listed once, in server/lifecycle.c. After
-- every migration, patrolctl migrate (migrate.c) hands that table to
-- lifecycle_install() as JSON (lifecycle_json()); patrold refuses to start
-- while the installed table differs from its own. From then on:
--
-- * request_transition() is the only writer of requests.state: the JSON
--   API, the agent's sync, escalation, hand-overs and merges all call it.
--   It reads the action's rule from the installed table, so SQL holds no
--   list of states or transitions of its own.
-- * request_state_open(), request_state_active() and
--   request_state_closed() are IMMUTABLE (partial indexes use them). Their
--   bodies are written by lifecycle_install() from the table's sets, and
--   the indexes are rebuilt when a set changes.

CREATE TABLE lifecycle (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    doc          jsonb NOT NULL,          -- lifecycle_json() of lifecycle.c
    installed_at timestamptz NOT NULL DEFAULT now()
);

-- Until lifecycle_install() runs (right after this file, in the same
-- patrolctl migrate), no state is in any set.
CREATE FUNCTION request_state_open(p_state text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT false $$;
CREATE FUNCTION request_state_active(p_state text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT false $$;
CREATE FUNCTION request_state_closed(p_state text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT false $$;

-- The partial indexes, by set rather than by a copied list (the old lists
-- had missed handing_over).
DROP INDEX requests_open;
DROP INDEX requests_crew;
DROP INDEX requests_open_place;
CREATE INDEX requests_open ON requests (category, created_at)
    WHERE request_state_open(state);
CREATE INDEX requests_crew ON requests (crew_id)
    WHERE request_state_active(state);
CREATE INDEX requests_open_place ON requests (category, easting, northing)
    WHERE request_state_open(state);

-- lifecycle_install(): schema/functions/lifecycle_install.sql

-- lifecycle_current(): schema/functions/lifecycle_current.sql

-- lifecycle_allows(): schema/functions/lifecycle_allows.sql

-- request_transition(): schema/functions/request_transition.sql

-- A crew's step from the handheld (copied from 0009, the latest): the job
-- must still be this crew's, then request_transition() decides.
-- p_rules is no longer read (the table is installed); kept so that
-- sync_apply (0090) calls this unchanged.
-- sync_apply_status(): its body now is schema/functions/sync_apply_status.sql

-- A crew's result (copied from 0009, the latest): as above, action done.
-- sync_apply_result(): its body now is schema/functions/sync_apply_result.sql
