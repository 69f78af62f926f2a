-- A must-fail sample for structure.schema_functions_once_refuses: 0002
-- restates order_total(), whose one body is functions/order_total.sql.
CREATE TABLE orders (id bigint PRIMARY KEY, total int NOT NULL);
-- order_total(): schema/functions/order_total.sql
