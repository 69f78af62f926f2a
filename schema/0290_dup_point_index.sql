-- The duplicate search's index holds the point alone (issue 19: creating
-- requests against pgbench -N).
--
-- requests_open_near (0281) put the category and the time into a GiST
-- index beside the point (btree_gist). Every index entry the search or an
-- insert visits then decompresses and compares a text and a timestamp as
-- well: under valgrind, the nearest-ten search cost 0.68 million
-- instructions per call and the insert 0.14 million, about a quarter of a
-- whole call. The search now asks the index for the points in the box
-- around the radius, nearest first, and checks the category and the age
-- on the rows it reads (store_request_create): it still stops after the
-- ten nearest of the category, and the box bounds it when there are fewer.
CREATE INDEX requests_open_point ON requests
    USING gist (point(easting, northing))
    WHERE request_state_open(state);
DROP INDEX requests_open_near;
