-- Administrative areas (wards) for point-in-polygon lookups. Written only
-- by 'patrolctl import wards', which replaces the whole set and notifies
-- 'wards_changed' so every patrold reloads it.
CREATE TABLE wards (
    code        text PRIMARY KEY,       -- e.g. JIS code '14135'
    name        text NOT NULL,          -- e.g. '神奈川県川崎市多摩区'
    geometry    jsonb NOT NULL,         -- GeoJSON MultiPolygon, WGS84
    -- The bounding box, for SQL that wants a cheap prefilter.
    lon_min     double precision NOT NULL,
    lat_min     double precision NOT NULL,
    lon_max     double precision NOT NULL,
    lat_max     double precision NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    CHECK (geometry->>'type' = 'MultiPolygon'),
    CHECK (lon_min <= lon_max AND lat_min <= lat_max)
);
