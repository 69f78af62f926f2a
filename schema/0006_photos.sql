-- Photos are files named by their SHA-256 under photo_dir; the database
-- records which request (and later which job result) each belongs to.
-- Content addressing makes a repeated upload cost nothing.
CREATE TABLE photos (
    sha256       text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes        bigint NOT NULL CHECK (bytes > 0),
    content_type text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE request_photos (
    request_id bigint NOT NULL REFERENCES requests,
    sha256     text NOT NULL REFERENCES photos,
    added_by   text NOT NULL,
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, sha256)
);
