-- Merges keep everything in front of the crew too: a job's callers
-- include those of the requests merged into it, and its description
-- carries what each merged call said (description, answers, notes), e.g.
-- "near a school path" from the second caller. A merge (an event on the
-- merged request) sends the parent again. Otherwise as in 0031 (the
-- latest before this; 0031 added the nearest town for a job with no address).
CREATE OR REPLACE FUNCTION sync_merged_text(p_request bigint)
    RETURNS text LANGUAGE sql STABLE AS $$
    SELECT string_agg(E'\n【統合 #' || m.id || '】' || concat_ws(' ',
        nullif(m.description, ''),
        (SELECT string_agg((q->>'name_ja') || '：' || coalesce((SELECT v->>'name_ja'
            FROM jsonb_array_elements(q->'values') v
            WHERE v->>'key' = m.answers->>(q->>'code')), m.answers->>(q->>'code')), '、')
         FROM categories c, jsonb_array_elements(c.questions) q
         WHERE c.code = m.category AND m.answers ? (q->>'code')),
        (SELECT string_agg(e.detail->>'note', ' / ' ORDER BY e.id)
         FROM request_events e WHERE e.request_id = m.id AND e.detail ? 'note'
           AND e.kind NOT LIKE 'callback%')), '' ORDER BY m.id)
    FROM requests m WHERE m.parent_id = p_request
$$;
