-- The live feed's safe id without waiting for writers (issue 19).
--
-- 0090 made a reader (request_events_safe_id) wait until every transaction
-- holding an xid had ended before it trusted the sequence's last value. Every
-- handheld sync asks for the safe id first, and the other syncs in flight
-- hold xids, so under load each sync waited for the others, polling every
-- millisecond: 4.4 ms of a sync's 7 ms (auto_explain, 16 agents on a pool of
-- four), and syncs ran at a third of pgbench -N.
--
-- Now a writer publishes a floor of the ids it may take, and a reader takes
-- the floors instead of waiting:
--
-- 1. A writer, before its first event id in a transaction
--    (request_event_append), reads the sequence (last_value + 1 once called:
--    the next id it can get, F) and takes a transaction-level shared
--    advisory lock whose key encodes F (key = F + 2^61; the keys of 2^61 to
--    2^62 are this protocol's). Every id it takes afterwards is >= F: the
--    sequence only rises, and it hands out ids one by one (CACHE 1, checked
--    below: with a cache a backend could hand out ids below F).
-- 2. A reader first reads the sequence's last value L, then the floors F of
--    the advisory locks held now by other sessions (pg_locks), and answers
--    min(L, min(F) - 1).
--
-- Proof. Take an id t <= the answer, of a transaction T. t <= L, so T took t
-- before the reader read L, and T's lock (floor F <= t) was taken before
-- that, so before the reader listed the locks. Had T not ended by then, the
-- reader would have seen F and answered at most F - 1 < t. So T had ended.
-- A transaction's locks are released after its commit is visible to every
-- snapshot, so any snapshot the reader takes later sees T's events, or T
-- rolled back and they never exist. Delivering ids in order up to the answer
-- never skips an id that commits later: the client's position stays one
-- number, as in 0090. Nobody waits, and a reader that is itself a writer is
-- fine: its own floor is left out (its own events are visible to it, and
-- commit or roll back with its answer).
--
-- request_event_append(): schema/functions/request_event_append.sql
-- request_events_safe_id(): schema/functions/request_events_safe_id.sql
DO $$
BEGIN
    IF (SELECT seqcache FROM pg_sequence
        WHERE seqrelid = 'request_events_id_seq'::regclass) <> 1 THEN
        RAISE EXCEPTION 'request_events_id_seq must have CACHE 1 (0420)';
    END IF;
END $$;
