-- The open requests of a category near a point, for the call-taker to read
-- out (issue 19: taking a call): the ten nearest within p_radius metres,
-- made in the last p_hours hours, nearest first, as the create statement's
-- "duplicates" (store_request_create).
--
-- The index requests_open_point (0290) hands the points in the box around
-- the radius out nearest first (a KNN scan), so the search reads about ten
-- rows however many open requests crowd the place. PostgreSQL estimates
-- any box to hold 0.1% of the rows, so on fewer than some ten thousand
-- open requests it chose a bitmap scan of the whole box and a sort
-- instead: where calls crowd (a storm, a wasp season, the benchmark) that
-- read hundreds of rows per call, more with every call (under valgrind,
-- 0.74 million instructions of a 2.66 million statement). SET turns the
-- bitmap scan off for this one query (PL/pgSQL keeps its plan per
-- session); nothing else is planned with it.
CREATE OR REPLACE FUNCTION request_duplicates(p_category text,
        p_easting double precision, p_northing double precision,
        p_radius integer, p_hours integer)
    RETURNS json LANGUAGE plpgsql STABLE
    SET enable_bitmapscan = off AS $$
BEGIN
    -- Each duplicate goes out as a row (keys without spaces): its keys are
    -- column names, not six more arguments to convert and look up in
    -- every row as json_build_object's are (87 K instructions a call).
    RETURN (SELECT coalesce(json_agg(x ORDER BY d.dist), '[]')
      FROM (SELECT o.id, o.state, o.description, o.address, o.created_at,
                   point(o.easting, o.northing)
                       <-> point(p_easting, p_northing) AS dist
              FROM requests o
             WHERE request_state_open(o.state)
               AND point(o.easting, o.northing)
                   <@ box(point(p_easting - p_radius, p_northing - p_radius),
                          point(p_easting + p_radius, p_northing + p_radius))
               AND o.category = p_category
               -- A sub-select: the plan is then the same for every
               -- p_hours, and kept instead of made again per call.
               AND o.created_at > (SELECT now() - p_hours * interval '1 hour')
             ORDER BY point(o.easting, o.northing)
                      <-> point(p_easting, p_northing)
             LIMIT 10) d,
           LATERAL (SELECT d.id, round(d.dist) AS distance_m, d.state,
                           left(d.description, 200) AS description,
                           d.address, d.created_at) x
     WHERE d.dist <= p_radius);
END $$;
