-- The patrol network, patrols with their GPS tracks, and the inspections
-- computed from them (see server/coverage.c).

-- How often each class must be inspected. class '*' is the kind's default.
CREATE TABLE patrol_intervals (
    kind  text NOT NULL CHECK (kind IN ('road', 'river', 'park')),
    class text NOT NULL,
    days  int NOT NULL CHECK (days > 0),
    PRIMARY KEY (kind, class)
);
INSERT INTO patrol_intervals (kind, class, days) VALUES
    ('road', '*', 30),
    ('road', 'motorway', 7), ('road', 'trunk', 7), ('road', 'primary', 7),
    ('road', 'secondary', 7), ('road', '都道府県道', 7),
    ('road', 'tertiary', 30), ('road', 'residential', 30),
    ('road', 'unclassified', 30), ('road', '市区町村道等', 30),
    ('road', 'service', 90), ('road', 'footway', 90), ('road', 'path', 90),
    ('river', '*', 30),
    ('park', '*', 30);

CREATE TABLE network_pieces (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('road', 'river', 'park')),
    source        text NOT NULL,     -- file it came from
    ref           text NOT NULL,     -- way or feature within the source
    seq           int NOT NULL,      -- piece along that line
    class         text NOT NULL,
    name          text,
    ward_code     text,
    interval_days int NOT NULL CHECK (interval_days > 0),
    length_m      double precision NOT NULL CHECK (length_m > 0),
    lonlat        jsonb NOT NULL,             -- [[lon, lat], ...] WGS84
    plane         double precision[] NOT NULL, -- e0, n0, e1, n1, ... in crs
    crs           text NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, source, ref, seq)
);
CREATE INDEX network_pieces_ward ON network_pieces (ward_code);

CREATE TABLE network_imports (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL,
    source        text NOT NULL,
    features      int NOT NULL,
    used          int NOT NULL,
    skipped       int NOT NULL,
    partial       int NOT NULL,
    missing_nodes int NOT NULL,
    outside_area  int NOT NULL,
    pieces        int NOT NULL,
    km            double precision NOT NULL,
    imported_by   text NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now()
);

-- A patrol, or a drive to or from a job (its track counts too).
CREATE TABLE patrols (
    id         bigserial PRIMARY KEY,
    crew_id    bigint NOT NULL REFERENCES crews,
    kind       text NOT NULL DEFAULT 'patrol' CHECK (kind IN ('patrol', 'drive')),
    request_id bigint REFERENCES requests,
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at   timestamptz,
    started_by text NOT NULL
);
CREATE INDEX patrols_crew ON patrols (crew_id, started_at);

CREATE TABLE track_points (
    patrol_id bigint NOT NULL REFERENCES patrols,
    at        timestamptz NOT NULL,
    lon       double precision NOT NULL,
    lat       double precision NOT NULL,
    easting   double precision NOT NULL,
    northing  double precision NOT NULL,
    PRIMARY KEY (patrol_id, at)
);
CREATE INDEX track_points_at ON track_points (at);

-- One row per piece and track that inspected it. track: a patrols.id
-- (recorded here), -1000000000 - patrol_sessions.id (a handheld's patrol),
-- or -crews.id (a crew's drives outside patrols).
CREATE TABLE piece_inspections (
    piece_id     bigint NOT NULL REFERENCES network_pieces ON DELETE CASCADE,
    track        bigint NOT NULL,
    inspected_at timestamptz NOT NULL,
    share        double precision NOT NULL,
    PRIMARY KEY (piece_id, track)
);
CREATE INDEX piece_inspections_at ON piece_inspections (piece_id, inspected_at);

-- The Monday exports, kept so that past weeks can still be downloaded as
-- they were produced.
CREATE TABLE coverage_exports (
    week       text NOT NULL,
    ward_code  text NOT NULL DEFAULT '',
    format     text NOT NULL,
    body       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (week, ward_code, format)
);
