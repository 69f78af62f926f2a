-- The total of an order.
CREATE OR REPLACE FUNCTION order_total(p_id bigint) RETURNS int
    LANGUAGE sql STABLE AS $$
    SELECT total FROM orders WHERE id = p_id
$$;
