-- Totals in cents; a ';' in a comment or a body must not end the statement.
CREATE OR REPLACE FUNCTION order_total(p_id bigint) RETURNS int
    LANGUAGE sql STABLE AS $$
    SELECT total * 100 FROM orders WHERE id = p_id; -- cents;
$$;
