-- A handheld's sync costs less (issue 19): the two rows every sync writes
-- besides its fixes, the batch (sync_batches) and the track piece
-- (track_pieces), no longer check their device_id against devices.
--
-- Each check was a query of its own, queued as a trigger and run at the end
-- of the statement (SELECT 1 FROM devices ... FOR KEY SHARE), twice per sync:
-- 5% of PostgreSQL's time per sync under tests/bench/sync_load. It checked
-- nothing sync_apply() does not hold already: both rows are written only by
-- sync_apply(), after it has found the device and locked its row (FOR NO KEY
-- UPDATE, which a DELETE would wait for), and no code deletes a device (a
-- revoked one keeps its row, revoked_at). track_fixes, written in the same
-- sync, never had this key, for the same reason.
ALTER TABLE sync_batches DROP CONSTRAINT sync_batches_device_id_fkey;
ALTER TABLE track_pieces DROP CONSTRAINT track_pieces_device_id_fkey;
