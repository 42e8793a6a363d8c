-- Big scopes (X6). Each association of a ticket with a contact or a company
-- keeps the ticket's creation and last activity dates beside it, in Unix
-- microseconds or 9223372036854775807 for none (which orders after every
-- date, as the portal orders an unknown key), indexed by scope, so that a
-- page of a list sorted by either date is a walk of an index from the
-- cursor that stops when the page is full. Every write of a ticket writes
-- them with its associations, and an action that moves its last activity
-- moves them in the same transaction.
--
-- The search index: search_text is the folded search text as text (a NUL,
-- which text cannot hold and no search term contains, becomes a space),
-- filled by the migration's backfill (migrate.go), which also makes a
-- pg_trgm GIN index on it when the extension can be had; without it a
-- search reads the tickets of the scope, as before.
--
-- portal_search_ids finds a tenant's tickets whose search text is LIKE a
-- pattern, at most max_rows (NULL: all). It runs the query with EXECUTE,
-- which plans it for the pattern each time: a prepared statement's generic
-- plan, made for any pattern, scans the tenant instead of using the index.

ALTER TABLE ticket_contacts ADD COLUMN IF NOT EXISTS created_key bigint NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE ticket_contacts ADD COLUMN IF NOT EXISTS activity_key bigint NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE ticket_companies ADD COLUMN IF NOT EXISTS created_key bigint NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE ticket_companies ADD COLUMN IF NOT EXISTS activity_key bigint NOT NULL DEFAULT 9223372036854775807;

UPDATE ticket_contacts a SET created_key = COALESCE(t.created_at, 9223372036854775807), activity_key = COALESCE(t.last_activity_at, 9223372036854775807)
	FROM tickets t WHERE t.portal_id = a.portal_id AND t.id = a.ticket_id;
UPDATE ticket_companies a SET created_key = COALESCE(t.created_at, 9223372036854775807), activity_key = COALESCE(t.last_activity_at, 9223372036854775807)
	FROM tickets t WHERE t.portal_id = a.portal_id AND t.id = a.ticket_id;

-- A walk reads a few hundred rows of an index: a parallel worker, which
-- the planner starts for a big enough table, takes longer to start (10 ms)
-- than the walk takes.
ALTER TABLE ticket_contacts SET (parallel_workers = 0);
ALTER TABLE ticket_companies SET (parallel_workers = 0);

CREATE INDEX IF NOT EXISTS ticket_contacts_created ON ticket_contacts (portal_id, contact_id, created_key, ticket_id);
CREATE INDEX IF NOT EXISTS ticket_contacts_activity ON ticket_contacts (portal_id, contact_id, activity_key, ticket_id);
CREATE INDEX IF NOT EXISTS ticket_companies_created ON ticket_companies (portal_id, company_id, created_key, ticket_id);
CREATE INDEX IF NOT EXISTS ticket_companies_activity ON ticket_companies (portal_id, company_id, activity_key, ticket_id);

ALTER TABLE tickets ADD COLUMN IF NOT EXISTS search_text text;

CREATE OR REPLACE FUNCTION portal_search_ids(portal bytea, pattern text, max_rows integer)
	RETURNS TABLE (ticket_id bytea) LANGUAGE plpgsql STABLE AS $$
BEGIN RETURN QUERY EXECUTE 'SELECT id FROM tickets WHERE portal_id = $1 AND search_text LIKE $2 ESCAPE ''\'' LIMIT $3' USING portal, pattern, max_rows; END
$$;
