-- Big scopes (X6). Each association of a ticket with a contact or a company
-- keeps the ticket's creation and last activity dates beside it, in Unix
-- microseconds or 9223372036854775807 for none (which orders after every
-- date, as the portal orders an unknown key), indexed by scope, so that a
-- page of a list sorted by either date is a walk of an index from the
-- cursor that stops when the page is full. Every write of a ticket writes
-- them with its associations, and an action that moves its last activity
-- moves them in the same transaction.
--
-- The search index: ticket_search is an FTS5 table with the trigram
-- tokenizer over each ticket's folded search text, case-sensitive because
-- the text is folded already, so that a search term of three characters or
-- more is found from the index instead of by reading a company's tickets.
-- Its rows are numbered by ticket_search_ids (the tickets table has no row
-- numbers of its own); ticket_search_terms tells how many tickets hold a
-- trigram, which says whether a term is rare enough to drive a page. The
-- tickets stored before this migration are indexed by its backfill
-- (migrate.go).

ALTER TABLE ticket_contacts ADD COLUMN created_key INTEGER NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE ticket_contacts ADD COLUMN activity_key INTEGER NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE ticket_companies ADD COLUMN created_key INTEGER NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE ticket_companies ADD COLUMN activity_key INTEGER NOT NULL DEFAULT 9223372036854775807;

UPDATE ticket_contacts SET
	created_key = COALESCE((SELECT t.created_at FROM tickets t WHERE t.portal_id = ticket_contacts.portal_id AND t.id = ticket_contacts.ticket_id), 9223372036854775807),
	activity_key = COALESCE((SELECT t.last_activity_at FROM tickets t WHERE t.portal_id = ticket_contacts.portal_id AND t.id = ticket_contacts.ticket_id), 9223372036854775807);
UPDATE ticket_companies SET
	created_key = COALESCE((SELECT t.created_at FROM tickets t WHERE t.portal_id = ticket_companies.portal_id AND t.id = ticket_companies.ticket_id), 9223372036854775807),
	activity_key = COALESCE((SELECT t.last_activity_at FROM tickets t WHERE t.portal_id = ticket_companies.portal_id AND t.id = ticket_companies.ticket_id), 9223372036854775807);

CREATE INDEX IF NOT EXISTS ticket_contacts_created ON ticket_contacts (portal_id, contact_id, created_key, ticket_id);
CREATE INDEX IF NOT EXISTS ticket_contacts_activity ON ticket_contacts (portal_id, contact_id, activity_key, ticket_id);
CREATE INDEX IF NOT EXISTS ticket_companies_created ON ticket_companies (portal_id, company_id, created_key, ticket_id);
CREATE INDEX IF NOT EXISTS ticket_companies_activity ON ticket_companies (portal_id, company_id, activity_key, ticket_id);

CREATE TABLE IF NOT EXISTS ticket_search_ids (
	n         INTEGER PRIMARY KEY,
	portal_id BLOB NOT NULL,
	ticket_id BLOB NOT NULL,
	UNIQUE (portal_id, ticket_id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS ticket_search USING fts5(search, content='', contentless_delete=1, tokenize='trigram case_sensitive 1');
CREATE VIRTUAL TABLE IF NOT EXISTS ticket_search_terms USING fts5vocab(ticket_search, 'row');
