-- Duplicate search on every new request looks for open requests of the
-- same category inside a box around the point; without this it reads
-- every open request of the category.
CREATE INDEX requests_open_place ON requests (category, easting, northing)
    WHERE state IN ('new', 'triaged', 'assigned', 'accepted', 'en_route', 'on_site');
