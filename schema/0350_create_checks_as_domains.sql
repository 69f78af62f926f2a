-- Taking a call costs less (issue 19): the column checks of requests and
-- callers become domains.
--
-- PostgreSQL 15 keeps a table's CHECK constraints as text and, in every
-- statement that writes the table, reads that text back into a tree and
-- plans it again (ExecRelCheck): under valgrind 0.19 million of the 2.66
-- million instructions of the create statement. A domain's constraints are
-- read once per session (the type cache) and go into the statement's plan.
-- The same values are refused, with the same SQLSTATE (23514, a
-- check_violation) and the same constraint names; the message now names
-- the domain: value for domain request_channel violates check constraint
-- "requests_channel_check".
--
-- callers_consent_pair stays a table constraint: it ties two columns.
--
-- The columns keep their names, NOT NULL and defaults; a value read is of
-- the base type in JSON, text and comparisons. Changing a column to a
-- domain with a check rewrites the table once.
CREATE DOMAIN request_channel AS text
    CONSTRAINT requests_channel_check
    CHECK (VALUE IN ('phone', 'counter', 'patrol', 'app', 'open311',
                     'petition'));
CREATE DOMAIN request_description AS text
    CONSTRAINT requests_description_check CHECK (length(VALUE) <= 4000);
CREATE DOMAIN request_location_text AS text
    CONSTRAINT requests_location_text_check CHECK (length(VALUE) <= 500);
CREATE DOMAIN request_location_level AS text
    CONSTRAINT requests_location_level_check
    CHECK (VALUE IN ('block', 'town', 'place', 'case', 'pin'));
CREATE DOMAIN request_callback_result AS text
    CONSTRAINT requests_callback_result_check
    CHECK (VALUE IN ('answered', 'no_answer', 'explained', 'not_needed'));
-- A domain's check passes NULL as a table's does.
CREATE DOMAIN request_plan_pin AS integer
    CONSTRAINT requests_plan_pin_check CHECK (VALUE >= 1);
CREATE DOMAIN caller_consent_text AS text
    CONSTRAINT callers_consent_text_check
    CHECK (length(VALUE) BETWEEN 1 AND 1000);

ALTER TABLE requests
    DROP CONSTRAINT requests_channel_check,
    DROP CONSTRAINT requests_description_check,
    DROP CONSTRAINT requests_location_text_check,
    DROP CONSTRAINT requests_location_level_check,
    DROP CONSTRAINT requests_callback_result_check,
    DROP CONSTRAINT requests_plan_pin_check,
    ALTER COLUMN channel TYPE request_channel,
    ALTER COLUMN description TYPE request_description,
    ALTER COLUMN location_text TYPE request_location_text,
    ALTER COLUMN location_level TYPE request_location_level,
    ALTER COLUMN callback_result TYPE request_callback_result,
    ALTER COLUMN plan_pin TYPE request_plan_pin;

ALTER TABLE callers
    DROP CONSTRAINT callers_consent_text_check,
    ALTER COLUMN consent_text TYPE caller_consent_text;
