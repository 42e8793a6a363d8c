-- Submission digests (X8). A support form submission's idempotency key is
-- kept with the digest of its input, so that the same key sent again with
-- another input (a customer who went Back, changed the form and sent it)
-- is refused instead of answered with the first submission's ticket. Keys
-- recorded before have no digest and answer as before.
ALTER TABLE submissions ADD COLUMN digest BLOB;
