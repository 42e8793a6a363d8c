-- Exact keys (X8). A custom date is kept as Unix microseconds in an integer
-- (micros), as the built-in dates are: num, a double, holds microseconds
-- exactly only up to 2^53 (the year 2255), so later dates compared and
-- sorted wrong. The backfill (migrate.go) copies num where it was exact and
-- reads the others from their tickets' documents.
ALTER TABLE ticket_props ADD COLUMN micros INTEGER;
