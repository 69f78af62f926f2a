-- The live feed without a global lock (issue 19, item 1).
--
-- Until now every event took pg_advisory_xact_lock(727302), held through
-- the commit's WAL flush, so that event ids committed in id order and a
-- reader that had seen id N had seen everything below N. That made every
-- write that records an event commit one at a time.
--
-- Now events commit concurrently and readers stop at a safe id instead:
--
-- 1. A writer gets its transaction id (pg_current_xact_id()) BEFORE it
--    takes an event id from the sequence (request_event_append below).
-- 2. A reader (request_events_safe_id) first reads the sequence's last
--    value L, then lists the transactions holding an xid at that moment
--    (pg_stat_activity.backend_xid), then waits until each has ended.
--
-- Every id <= L was taken before L was read, by a transaction whose xid
-- was assigned before that (1), hence before the list was read: it had
-- either ended by then (then every later snapshot sees its committed
-- events) or it was in the list, and the reader waited for it. So once
-- the wait is over, every event with id <= L that will ever exist is
-- committed and visible to any later snapshot: delivering ids in order up
-- to L never skips an id that commits later, and the client's position
-- stays one number. Ids may still have gaps (rolled-back transactions);
-- they are never filled.
--
-- The wait only covers transactions that hold an xid (writers), and is
-- bounded: after p_wait the function returns NULL ("not yet"), and
-- callers keep their old position and try again. A caller must not hold
-- an xid itself (it would be waited for by others; sync_apply asks first).

-- Ids are still unique, ordered and shown to clients: only the lock goes.
-- request_event_append(): its body now is schema/functions/request_event_append.sql

-- request_events_safe_id(): schema/functions/request_events_safe_id.sql

-- request_events_after(): schema/functions/request_events_after.sql

-- Handheld syncs hand out the same kind of cursor: the safe id, taken
-- before the sync writes (0009's sync_apply otherwise unchanged).
-- sync_apply(): its body now is schema/functions/sync_apply.sql
