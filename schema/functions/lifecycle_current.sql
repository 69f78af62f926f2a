-- true if the installed table is p_doc (patrold's start-up check).
CREATE OR REPLACE FUNCTION lifecycle_current(p_doc jsonb) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT doc = p_doc FROM lifecycle), false)
$$;
