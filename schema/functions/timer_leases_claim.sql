-- Takes or renews each named lease for p_holder; returns the names p_holder
-- holds now. A lease held by another instance and not lapsed is left alone
-- (ON CONFLICT ... WHERE: a concurrent claimer waits on the row lock and
-- re-checks, so two instances never both win).
CREATE OR REPLACE FUNCTION timer_leases_claim(p_holder text, p_names text[], p_ttl_ms int)
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
