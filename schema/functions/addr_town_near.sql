-- The town (and block within 100 m) nearest a point, as a short label
-- (川崎市多摩区登戸2100番地), or NULL where no town is within ~5 km. Used by
-- the queue and the request detail so nobody reads raw coordinates.
-- Changed by 0281 (see the comments there).
CREATE OR REPLACE FUNCTION addr_town_near(p_lat double precision, p_lon double precision)
RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce(
        (SELECT b.city || b.town || b.block || CASE WHEN b.jukyo THEN '番' ELSE '番地' END
           FROM addr_blocks b
          WHERE b.lat BETWEEN p_lat - 0.001 AND p_lat + 0.001
            AND b.lon BETWEEN p_lon - 0.0012 AND p_lon + 0.0012
          ORDER BY (b.lat - p_lat) ^ 2 + ((b.lon - p_lon) * 0.81) ^ 2 LIMIT 1),
        (SELECT t.city || t.town || CASE WHEN t.koaza <> '' THEN ' ' || t.koaza ELSE '' END
           FROM addr_towns t
          WHERE t.lat BETWEEN p_lat - 0.045 AND p_lat + 0.045
            AND t.lon BETWEEN p_lon - 0.055 AND p_lon + 0.055
          ORDER BY (t.lat - p_lat) ^ 2 + ((t.lon - p_lon) * 0.81) ^ 2 LIMIT 1));
END $$;
