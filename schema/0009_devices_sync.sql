-- Crews' handhelds (patrol-agent) and what they send. A device is enrolled
-- with a one-time code and then presents a random token, stored only as
-- its SHA-256 like the API tokens. Everything a crew records arrives in
-- client-made batches and items, each with its own id: the ids are the
-- idempotency keys that make a retried sync harmless.

CREATE TABLE devices (
    id            bigserial PRIMARY KEY,
    crew_id       bigint NOT NULL REFERENCES crews,
    token_sha256  text UNIQUE NOT NULL CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    label         text,
    agent_version text,
    enrolled_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_sync_at  timestamptz
);
CREATE INDEX devices_crew ON devices (crew_id);

-- One-time enrollment codes, hashed; a code is spent by the first device
-- that presents it before it expires.
CREATE TABLE device_enrollments (
    id          bigserial PRIMARY KEY,
    crew_id     bigint NOT NULL REFERENCES crews,
    code_sha256 text UNIQUE NOT NULL CHECK (code_sha256 ~ '^[0-9a-f]{64}$'),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    device_id   bigint REFERENCES devices
);

-- Every applied batch and the acknowledgement it got: the same batch id
-- with the same content is answered with this ack and not applied again.
CREATE TABLE sync_batches (
    device_id      bigint NOT NULL REFERENCES devices,
    batch_id       text NOT NULL,
    content_sha256 text NOT NULL,
    items          int NOT NULL,
    ack            jsonb NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, batch_id)
);

-- The jobs each device has been sent, so that a job it no longer holds is
-- announced as a cancellation until the device's cursor shows it saw it.
CREATE TABLE device_jobs (
    device_id   bigint NOT NULL REFERENCES devices,
    request_id  bigint NOT NULL REFERENCES requests,
    sent_cursor bigint NOT NULL,
    gone_cursor bigint,
    PRIMARY KEY (device_id, request_id)
);

-- Status changes from crews, applied or kept as a conflict (never lost).
CREATE TABLE sync_status_changes (
    client_id   text PRIMARY KEY,
    device_id   bigint NOT NULL REFERENCES devices,
    request_id  bigint NOT NULL REFERENCES requests,
    action      text NOT NULL,
    device_at   timestamptz,
    received_at timestamptz NOT NULL DEFAULT now(),
    lon         double precision,
    lat         double precision,
    reason      text,
    note        text,
    result      text NOT NULL CHECK (result IN ('applied', 'conflict')),
    conflict    text,
    event_id    bigint
);

-- Job results ("done"): outcome, notes, answers, position, times.
CREATE TABLE job_results (
    client_id   text PRIMARY KEY,
    device_id   bigint NOT NULL REFERENCES devices,
    crew_id     bigint NOT NULL REFERENCES crews,
    request_id  bigint NOT NULL REFERENCES requests,
    outcome     text NOT NULL,
    note        text,
    answers     jsonb NOT NULL DEFAULT '{}',
    lon         double precision,
    lat         double precision,
    started_at  timestamptz,
    finished_at timestamptz,
    photos      text[] NOT NULL DEFAULT '{}',
    received_at timestamptz NOT NULL DEFAULT now(),
    result      text NOT NULL CHECK (result IN ('applied', 'conflict')),
    conflict    text,
    event_id    bigint
);
CREATE INDEX job_results_request ON job_results (request_id);

-- Findings on patrol: each became a request (channel 'patrol').
CREATE TABLE patrol_findings (
    client_id   text PRIMARY KEY,
    device_id   bigint NOT NULL REFERENCES devices,
    request_id  bigint NOT NULL REFERENCES requests,
    device_at   timestamptz,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- Patrols: the client id of the start mark names the session.
CREATE TABLE patrol_sessions (
    id             bigserial PRIMARY KEY,
    client_id      text UNIQUE NOT NULL,
    device_id      bigint NOT NULL REFERENCES devices,
    crew_id        bigint NOT NULL REFERENCES crews,
    started_at     timestamptz NOT NULL,
    stopped_at     timestamptz,
    stop_client_id text UNIQUE,
    start_lon      double precision,
    start_lat      double precision
);
CREATE INDEX patrol_sessions_crew ON patrol_sessions (crew_id, started_at);

-- GPS tracks: a piece is applied once (its client id); its fixes are rows.
CREATE TABLE track_pieces (
    client_id   text PRIMARY KEY,
    device_id   bigint NOT NULL REFERENCES devices,
    session_id  bigint REFERENCES patrol_sessions,
    fixes       int NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE track_fixes (
    crew_id    bigint NOT NULL,
    device_id  bigint NOT NULL,
    session_id bigint,
    at         timestamptz NOT NULL,
    lon        double precision NOT NULL,
    lat        double precision NOT NULL
);
CREATE INDEX track_fixes_crew ON track_fixes (crew_id, at);

-- Photos a device announced (manifests) and may upload, and the requests
-- its results and findings attach them to; linked once the file is here.
CREATE TABLE sync_photos_expected (
    device_id    bigint NOT NULL REFERENCES devices,
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes        bigint NOT NULL,
    content_type text,
    announced_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, sha256)
);

CREATE TABLE sync_photo_refs (
    sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    request_id bigint NOT NULL REFERENCES requests,
    actor      text NOT NULL,
    linked_at  timestamptz,
    PRIMARY KEY (sha256, request_id)
);
CREATE INDEX sync_photo_refs_pending ON sync_photo_refs (sha256) WHERE linked_at IS NULL;

-- device_enroll(): schema/functions/device_enroll.sql

-- sync_ack(): schema/functions/sync_ack.sql

-- sync_ms(): schema/functions/sync_ms.sql

-- sync_photo_link(): schema/functions/sync_photo_link.sql

-- sync_photo_refs_add(): schema/functions/sync_photo_refs_add.sql

-- sync_photo_stored(): schema/functions/sync_photo_stored.sql

-- sync_refusal(): schema/functions/sync_refusal.sql

-- sync_apply_status(): schema/functions/sync_apply_status.sql

-- sync_apply_result(): schema/functions/sync_apply_result.sql

-- sync_apply_finding(): schema/functions/sync_apply_finding.sql

-- sync_apply_patrol(): schema/functions/sync_apply_patrol.sql

-- sync_apply_track(): schema/functions/sync_apply_track.sql

-- sync_outbound(): schema/functions/sync_outbound.sql

-- sync_apply(): schema/functions/sync_apply.sql
