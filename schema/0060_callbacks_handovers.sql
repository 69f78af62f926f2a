-- The dispatcher's workflow (issue 16): call-back results, a directory of
-- hand-over recipients, hand-overs that stay open until the recipient
-- confirms receipt, and the secret that signs the receipt links.

-- What the last call-back attempt came to: answered, no_answer,
-- explained, not_needed. A no_answer leaves the call-back open with the
-- next attempt as its callback_at.
ALTER TABLE requests
    ADD COLUMN callback_result text
        CHECK (callback_result IN ('answered', 'no_answer', 'explained', 'not_needed')),
    ADD COLUMN callback_attempts int NOT NULL DEFAULT 0;

-- Departments and outside bodies a case can be handed to. Not personal
-- data: office phone numbers and shared mailboxes.
CREATE TABLE directory_entries (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    handles    text NOT NULL DEFAULT '' CHECK (length(handles) <= 1000),
    phone      text CHECK (length(phone) <= 40),
    email      text NOT NULL CHECK (email ~ '^[^@\s<>,;"]+@[^@\s<>,;"]+$' AND length(email) <= 200),
    hours      text CHECK (length(hours) <= 200),
    demo       boolean NOT NULL DEFAULT false,   -- seeded by 'patrolctl demo load'
    active     boolean NOT NULL DEFAULT true,    -- removed entries stay for history
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX directory_entries_name ON directory_entries (name) WHERE active;

-- One hand-over of a request. The receipt link carries a signed token;
-- only its SHA-256 is kept, so the table alone cannot confirm anything.
CREATE TABLE handovers (
    id           bigserial PRIMARY KEY,
    request_id   bigint NOT NULL REFERENCES requests,
    recipient_id bigint NOT NULL REFERENCES directory_entries,
    sent_by      text NOT NULL,
    note         text NOT NULL DEFAULT '' CHECK (length(note) <= 4000),
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    return_at    timestamptz NOT NULL,              -- back to the queue if unconfirmed
    mailed_at    timestamptz,
    mail_error   text,
    received_at  timestamptz,
    received_by  text CHECK (length(received_by) <= 200),
    returned_at  timestamptz
);
CREATE INDEX handovers_request ON handovers (request_id, id);
CREATE INDEX handovers_waiting ON handovers (return_at)
    WHERE received_at IS NULL AND returned_at IS NULL;

-- Server-side secrets shared by every patrold (the receipt-link key).
CREATE TABLE server_secrets (
    name       text PRIMARY KEY,
    secret     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
