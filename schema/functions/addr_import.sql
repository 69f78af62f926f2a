-- One import, in one transaction: the file's municipalities lose their
-- towns (a town file) or blocks (a block file) and get the file's rows.
-- Blocks of a town that has no town row bring one, at their centroid.
-- p_towns: [{pref, city, city_code, town, koaza, key, lat, lon}];
-- p_blocks: [{pref, city, town, key, block, jukyo, lat, lon}].
CREATE OR REPLACE FUNCTION addr_import(p_source text, p_format text, p_towns jsonb,
        p_blocks jsonb, p_actor text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_munis text[];
    v_replaced int := 0;
    v_towns int := 0;
    v_blocks int := 0;
    v_added int := 0;
    v_dups int := 0;
    v_n int;
BEGIN
    IF jsonb_array_length(p_towns) > 0 THEN
        SELECT array_agg(DISTINCT (r->>'pref') || (r->>'city')) INTO v_munis
          FROM jsonb_array_elements(p_towns) r;
        DELETE FROM addr_towns WHERE pref || city = ANY (v_munis);
        GET DIAGNOSTICS v_replaced = ROW_COUNT;
        INSERT INTO addr_towns (pref, city, city_code, town, koaza, town_key,
                                lat, lon, source)
        SELECT DISTINCT ON (r.pref, r.city, r.town, coalesce(r.koaza, ''))
               r.pref, r.city, nullif(r.city_code, ''), r.town,
               coalesce(r.koaza, ''), r.key, r.lat, r.lon, p_format
          FROM jsonb_to_recordset(p_towns) AS r(pref text, city text,
               city_code text, town text, koaza text, key text,
               lat double precision, lon double precision);
        GET DIAGNOSTICS v_towns = ROW_COUNT;
        v_dups := jsonb_array_length(p_towns) - v_towns;
    END IF;
    IF jsonb_array_length(p_blocks) > 0 THEN
        SELECT array_agg(DISTINCT (r->>'pref') || (r->>'city')) INTO v_munis
          FROM jsonb_array_elements(p_blocks) r;
        DELETE FROM addr_blocks WHERE pref || city = ANY (v_munis);
        GET DIAGNOSTICS v_replaced = ROW_COUNT;
        INSERT INTO addr_blocks (pref, city, town, block, jukyo, lat, lon)
        SELECT DISTINCT ON (r.pref, r.city, r.town, r.block)
               r.pref, r.city, r.town, r.block, r.jukyo, r.lat, r.lon
          FROM jsonb_to_recordset(p_blocks) AS r(pref text, city text,
               town text, key text, block text, jukyo boolean,
               lat double precision, lon double precision);
        GET DIAGNOSTICS v_blocks = ROW_COUNT;
        v_dups := jsonb_array_length(p_blocks) - v_blocks;
        INSERT INTO addr_towns (pref, city, town, town_key, lat, lon, source)
        SELECT r.pref, r.city, r.town, min(r.key), avg(r.lat), avg(r.lon),
               p_format
          FROM jsonb_to_recordset(p_blocks) AS r(pref text, city text,
               town text, key text, lat double precision,
               lon double precision)
         WHERE NOT EXISTS (SELECT 1 FROM addr_towns t
                            WHERE t.pref = r.pref AND t.city = r.city
                              AND t.town_key = r.key)
         GROUP BY r.pref, r.city, r.town;
        GET DIAGNOSTICS v_added = ROW_COUNT;
    END IF;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    INSERT INTO addr_imports (source, format, municipalities, rows_read,
                              towns, blocks, skipped, replaced, imported_by)
    VALUES (p_source, p_format, coalesce(v_munis, '{}'),
            jsonb_array_length(p_towns) + jsonb_array_length(p_blocks),
            v_towns + v_added, v_blocks, v_dups, v_replaced, p_actor);
    PERFORM pg_notify('addresses_changed', '');
    RETURN jsonb_build_object('municipalities', coalesce(v_munis, '{}'),
        'towns', v_towns, 'towns_added_for_blocks', v_added,
        'blocks', v_blocks, 'duplicates', v_dups, 'replaced', v_replaced);
END $$;
