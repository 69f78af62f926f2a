-- The life cycle in one place (issue 12, item 1): retention_closed_states()
-- listed the closed states a second time, beside request_state_closed(),
-- whose body lifecycle_install() writes from lifecycle.c. Its callers
-- (retention_purge, retention_status, metrics_business) now ask
-- request_state_closed() or request_state_open(), so it goes. IF EXISTS: in
-- a new database its file no longer creates it.
DROP FUNCTION IF EXISTS retention_closed_states();
