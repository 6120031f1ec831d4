-- One import chunk's customer look-up (imports._find_customers: 2,000 addresses in lower(email) IN (...))
-- against 200,000 customers, without and then with migration 0015's index; the first plan is the baseline.
--     psql -h 127.0.0.1 -U postgres -d voc_scale -f bench/customer_lookup.sql
-- Works in a scratch schema and drops it.
CREATE SCHEMA lookup_bench;
SET search_path = lookup_bench;
CREATE TABLE customer (id serial PRIMARY KEY, name varchar(200), email varchar(254), external_id varchar(200));
INSERT INTO customer (name, email, external_id)
  SELECT 'Person ' || i, 'Person.' || i || '@Example.com', 'C-' || i FROM generate_series(1, 200000) i;
CREATE INDEX ix_customer_email ON customer (email);
ANALYZE customer;
EXPLAIN (ANALYZE, SUMMARY) SELECT id, lower(email) FROM customer
  WHERE lower(email) IN (SELECT 'person.' || (i * 97) || '@example.com' FROM generate_series(1, 2000) i);
CREATE INDEX ix_customer_email_lower ON customer (lower(email));
ANALYZE customer;
EXPLAIN (ANALYZE, SUMMARY) SELECT id, lower(email) FROM customer
  WHERE lower(email) IN (SELECT 'person.' || (i * 97) || '@example.com' FROM generate_series(1, 2000) i);
RESET search_path;
DROP SCHEMA lookup_bench CASCADE;
