-- Which published data a piece of the patrol network came from, so that a
-- map credits exactly the sources imported: 'osm' (OpenStreetMap, ODbL),
-- 'gsi' (国土地理院 基盤地図情報), 'mlit_rivers' (国土数値情報 河川 W05), or
-- NULL when the importer could not tell (a file of our own).
ALTER TABLE network_pieces ADD COLUMN credit text
    CHECK (credit IN ('osm', 'gsi', 'mlit_rivers'));
