-- The personal columns of callers: all but its bookkeeping, so that a
-- personal column added later is emptied too.
CREATE OR REPLACE FUNCTION retention_caller_fields() RETURNS text[]
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(column_name::text ORDER BY ordinal_position),
                    '{}')
      FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'callers'
       AND column_name NOT IN ('id', 'request_id', 'created_at', 'purged_at')
$$;
