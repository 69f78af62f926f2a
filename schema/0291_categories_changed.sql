-- Every change of the categories is announced (issue 19): each patrold
-- keeps the categories it read for call intake (server/category_cache.c)
-- and forgets them when told. A statement-level trigger, so an import of
-- many rows sends one NOTIFY; inside the changing transaction, so it is
-- heard only once the change is committed and visible.
-- migration-time function: the trigger below is made with it.
CREATE FUNCTION categories_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('categories_changed', '');
    RETURN NULL;
END $$;

CREATE TRIGGER categories_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION categories_changed();
