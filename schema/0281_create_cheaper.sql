-- Taking a call costs less (issue 19: creating requests against pgbench -N).
--
-- 1. The duplicate search read every open request of the category in a
--    box of twice the radius (requests_open_place, a btree on easting
--    then northing) and sorted them to keep the nearest ten: where calls
--    cluster (a storm, a wasp season, the benchmark) that is hundreds of
--    rows per call. A GiST index on the point hands them out nearest first
--    (KNN), so the search reads the ten nearest recent ones and stops
--    (store_request_create). btree_gist lets the category and the time
--    sit in the same index; it is a trusted extension, like pg_trgm.
-- 2. addr_town_near() was a SQL function that cannot be inlined (it has
--    sub-selects), so PostgreSQL planned its two statements again on every
--    call: more than the rest of the reply. As PL/pgSQL its plan is kept
--    for the session. Same statements, same answer.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE INDEX requests_open_near ON requests
    USING gist (category, point(easting, northing), created_at)
    WHERE request_state_open(state);
-- Only the duplicate search used it.
DROP INDEX requests_open_place;

-- addr_town_near(): its body now is schema/functions/addr_town_near.sql
