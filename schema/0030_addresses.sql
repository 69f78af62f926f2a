-- Addresses for place search (issue 13): towns (大字・町丁目) and blocks
-- (街区 or 地番) with their representative points, written only by
-- 'patrolctl import addresses', which replaces one municipality's rows at
-- a time and notifies 'addresses_changed' so every patrold reloads them.
-- pg_trgm finds near spellings of the other named places (offices,
-- patrol network names, past requests' addresses).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE addr_towns (
    id          bigserial PRIMARY KEY,
    pref        text NOT NULL,
    city        text NOT NULL,      -- e.g. 川崎市多摩区
    city_code   text,               -- JIS code when the source gives it
    town        text NOT NULL,      -- e.g. 中野島四丁目, 大字三条町
    koaza       text NOT NULL DEFAULT '',
    town_key    text NOT NULL,      -- normal form (server/addr_norm.c)
    lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon         double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    source      text NOT NULL,      -- geolonia | mlit_oaza | mlit_gaiku
    imported_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pref, city, town, koaza)
);
CREATE INDEX addr_towns_place ON addr_towns (lat, lon);

CREATE TABLE addr_blocks (
    id          bigserial PRIMARY KEY,
    pref        text NOT NULL,
    city        text NOT NULL,
    town        text NOT NULL,
    block       text NOT NULL,      -- 街区符号 or 地番, as given
    jukyo       boolean NOT NULL,   -- 住居表示 area (…番) or not (…番地)
    lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon         double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    imported_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pref, city, town, block)
);
CREATE INDEX addr_blocks_place ON addr_blocks (lat, lon);

CREATE TABLE addr_imports (
    id            bigserial PRIMARY KEY,
    source        text NOT NULL,    -- file name
    format        text NOT NULL,
    municipalities text[] NOT NULL,
    rows_read     int NOT NULL,
    towns         int NOT NULL,
    blocks        int NOT NULL,
    skipped       int NOT NULL,
    replaced      int NOT NULL,     -- rows of those municipalities removed
    imported_by   text NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now()
);

-- What the call-taker typed and how exact the chosen point is.
ALTER TABLE requests
    ADD COLUMN location_text text CHECK (length(location_text) <= 500),
    ADD COLUMN location_level text
        CHECK (location_level IN ('block', 'town', 'place', 'case', 'pin'));

CREATE INDEX offices_name_trgm ON offices USING gin (name_ja gin_trgm_ops);
CREATE INDEX network_pieces_name_trgm ON network_pieces
    USING gin (name gin_trgm_ops) WHERE name IS NOT NULL;
CREATE INDEX requests_address_trgm ON requests
    USING gin (address gin_trgm_ops) WHERE address IS NOT NULL;

-- The town (and block within 100 m) nearest a point, as a short label
-- (川崎市多摩区登戸2100番地), or NULL where no town is within ~5 km. Used by
-- the queue and the request detail so nobody reads raw coordinates.
CREATE FUNCTION addr_town_near(p_lat double precision, p_lon double precision)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT b.city || b.town || b.block || CASE WHEN b.jukyo THEN '番' ELSE '番地' END
           FROM addr_blocks b
          WHERE b.lat BETWEEN p_lat - 0.001 AND p_lat + 0.001
            AND b.lon BETWEEN p_lon - 0.0012 AND p_lon + 0.0012
          ORDER BY (b.lat - p_lat) ^ 2 + ((b.lon - p_lon) * 0.81) ^ 2 LIMIT 1),
        (SELECT t.city || t.town || CASE WHEN t.koaza <> '' THEN ' ' || t.koaza ELSE '' END
           FROM addr_towns t
          WHERE t.lat BETWEEN p_lat - 0.045 AND p_lat + 0.045
            AND t.lon BETWEEN p_lon - 0.055 AND p_lon + 0.055
          ORDER BY (t.lat - p_lat) ^ 2 + ((t.lon - p_lon) * 0.81) ^ 2 LIMIT 1))
$$;

-- One import, in one transaction: the file's municipalities lose their
-- towns (a town file) or blocks (a block file) and get the file's rows.
-- Blocks of a town that has no town row bring one, at their centroid.
-- p_towns: [{pref, city, city_code, town, koaza, key, lat, lon}];
-- p_blocks: [{pref, city, town, key, block, jukyo, lat, lon}].
CREATE FUNCTION addr_import(p_source text, p_format text, p_towns jsonb,
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
