-- A must-fail sample for structure.schema_functions_new_refuses: 0300 is
-- above the cut-over and defines a function with no file and no
-- "migration-time function:" note. The trigger function of 0001 is fine.
CREATE TABLE orders (id bigint PRIMARY KEY, total int NOT NULL);
CREATE FUNCTION orders_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'orders are kept';
END $$;
CREATE TRIGGER orders_keep BEFORE DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_keep();
