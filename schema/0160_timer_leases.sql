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

-- Takes or renews each named lease for p_holder; returns the names p_holder
-- holds now. A lease held by another instance and not lapsed is left alone
-- (ON CONFLICT ... WHERE: a concurrent claimer waits on the row lock and
-- re-checks, so two instances never both win).
CREATE FUNCTION timer_leases_claim(p_holder text, p_names text[], p_ttl_ms int)
    RETURNS SETOF text LANGUAGE sql AS $$
    INSERT INTO timer_leases AS l (name, holder, until, taken_at)
    SELECT n, p_holder, clock_timestamp() + make_interval(secs => p_ttl_ms / 1000.0),
           clock_timestamp()
      FROM unnest(p_names) n
    ON CONFLICT (name) DO UPDATE
       SET until = excluded.until,
           renewals = l.renewals + 1,
           takeovers = l.takeovers + (l.holder <> excluded.holder)::int,
           taken_at = CASE WHEN l.holder = excluded.holder THEN l.taken_at
                           ELSE excluded.taken_at END,
           holder = excluded.holder
     WHERE l.holder = excluded.holder OR l.until < clock_timestamp()
    RETURNING name
$$;

-- A holder that stops cleanly lets its leases lapse at once.
CREATE FUNCTION timer_leases_release(p_holder text) RETURNS int
    LANGUAGE sql AS $$
    WITH r AS (
        UPDATE timer_leases SET until = clock_timestamp() - interval '1 ms'
         WHERE holder = p_holder RETURNING 1)
    SELECT count(*)::int FROM r
$$;
