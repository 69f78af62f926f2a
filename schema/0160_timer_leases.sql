-- Timers run once across patrold instances (issue 19 item 2).
--
-- Several patrold behind a load balancer share one database. Each timer
-- (escalation and hand-over return, the weekly archive, retention, the
-- planner's passes) is run by the ONE instance holding its lease; the
-- others skip their rounds. A lease is renewed by its holder's heartbeat
-- and lapses `ttl` after the last renewal, so when the holder dies another
-- instance takes the timer over within one lease time. The jobs themselves
-- stay safe to run twice (SKIP LOCKED, NOT EXISTS guards); the lease makes
-- them run once, not once per instance.
CREATE TABLE timer_leases (
    name      text PRIMARY KEY,
    holder    text NOT NULL,          -- host:pid:nonce of one patrold
    until     timestamptz NOT NULL,   -- lapses then unless renewed
    taken_at  timestamptz NOT NULL,   -- when this holder took it
    renewals  bigint NOT NULL DEFAULT 0,
    takeovers bigint NOT NULL DEFAULT 0
);

-- timer_leases_claim(): schema/functions/timer_leases_claim.sql

-- timer_leases_release(): schema/functions/timer_leases_release.sql
