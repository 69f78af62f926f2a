CREATE TABLE order_notes (order_id bigint REFERENCES orders, note text);
-- migration-time function: the backfill below calls it.
CREATE FUNCTION order_note_default(p_id bigint) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT 'order ' || p_id $$;
INSERT INTO order_notes SELECT id, order_note_default(id) FROM orders;

-- The number of orders.
CREATE FUNCTION order_count() RETURNS bigint
    LANGUAGE sql STABLE AS $$ SELECT count(*) FROM orders $$;
