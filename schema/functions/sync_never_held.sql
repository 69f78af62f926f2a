-- true when a status or result item names an existing job that is not the
-- device's crew's and was never sent to the device. An unknown request is
-- left to sync_apply_status/result ("no such request"); an item already
-- applied (its client_id recorded) to their duplicate answer.
CREATE OR REPLACE FUNCTION sync_never_held(p_dev devices, p_item jsonb)
    RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM requests r
                   WHERE r.id = (p_item->>'request_id')::bigint
                     AND r.crew_id IS DISTINCT FROM p_dev.crew_id)
       AND NOT EXISTS (SELECT 1 FROM device_held_jobs j
                       WHERE j.device_id = p_dev.id
                         AND j.request_id = (p_item->>'request_id')::bigint)
       AND NOT EXISTS (SELECT 1 FROM sync_status_changes s
                       WHERE s.client_id = p_item->>'client_id'
                         AND s.device_id = p_dev.id)
       AND NOT EXISTS (SELECT 1 FROM job_results s
                       WHERE s.client_id = p_item->>'client_id'
                         AND s.device_id = p_dev.id)
$$;
