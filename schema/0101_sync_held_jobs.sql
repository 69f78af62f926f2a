-- A device writes only on jobs it held (issue 10 finding 8). Before, a
-- device of crew B could send a step or a result for crew A's job and a
-- sync_conflict event, with B's note, was written on A's job. A step on a
-- job the device once held and lost (reassigned while it was offline) is
-- still kept as a conflict: the crew's work is never lost.
--
-- "Held": the job is its crew's now, or was sent to this device. device_jobs
-- forgets a job once the device has seen it go, so the sending is also
-- remembered here, for good (a trigger, so sync_outbound stays 0031's).
CREATE TABLE device_held_jobs (
    device_id  bigint NOT NULL REFERENCES devices ON DELETE CASCADE,
    request_id bigint NOT NULL REFERENCES requests ON DELETE CASCADE,
    first_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, request_id)
);

INSERT INTO device_held_jobs (device_id, request_id)
SELECT device_id, request_id FROM device_jobs
UNION SELECT device_id, request_id FROM sync_status_changes
UNION SELECT device_id, request_id FROM job_results
ON CONFLICT DO NOTHING;

CREATE FUNCTION device_jobs_remember() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO device_held_jobs (device_id, request_id)
    VALUES (NEW.device_id, NEW.request_id) ON CONFLICT DO NOTHING;
    RETURN NEW;
END $$;
CREATE TRIGGER device_jobs_held AFTER INSERT ON device_jobs
    FOR EACH ROW EXECUTE FUNCTION device_jobs_remember();

-- sync_never_held(): schema/functions/sync_never_held.sql

-- 0090's sync_apply with the check above before each status and result.
-- sync_apply(): its body now is schema/functions/sync_apply.sql
