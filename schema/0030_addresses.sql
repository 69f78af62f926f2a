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

-- addr_town_near(): schema/functions/addr_town_near.sql

-- addr_import(): schema/functions/addr_import.sql
