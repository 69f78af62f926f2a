-- Retention (issue 18): personal data is kept only as long as allowed.
--
-- A caller's personal fields (every column of callers but its bookkeeping)
-- are emptied N days after the request closed; the request, its history
-- (request_events) and everything counted from them stay, and audit_log
-- says whose data went, when and why. Finished sync batches, unfinished
-- photo uploads and expired console sessions are deleted after their own
-- periods; GPS fixes go by whole monthly partitions (0081).
--
-- retention_purge runs under a transaction-scoped advisory lock, so with
-- several patrold (and the timer's patrolctl) one purge runs at a time;
-- without p_force it does nothing when a purge finished in the last 20
-- hours, so the daily purge happens once a day however many servers ask.
-- Running it again removes nothing more: it is idempotent.

ALTER TABLE callers ADD COLUMN purged_at timestamptz;

CREATE TABLE retention_runs (
    id          bigserial PRIMARY KEY,
    finished_at timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    settings    jsonb NOT NULL,
    removed     jsonb NOT NULL
);

-- The functions of retention: schema/functions/ (retention_closed_states,
-- retention_caller_fields, retention_fix_partition_list, retention_purge,
-- retention_status). retention_fix_partitions() is 0082's: its backfill
-- calls it.
