-- Ticket numbers (P10). Each tenant numbers its tickets 1, 2, 3 …: a
-- ticket's number is in tickets.number, unique in its tenant, and the
-- highest number the tenant ever gave or was given is tenants.last_number,
-- which a write updates to give the next. The tickets stored before this
-- migration are numbered in the order they were created. The associations
-- keep the number beside them, as they keep the dates (migration orders),
-- so that a list sorted by number is a walk too.

ALTER TABLE tenants ADD COLUMN last_number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN number INTEGER;
ALTER TABLE ticket_contacts ADD COLUMN number_key INTEGER NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE ticket_companies ADD COLUMN number_key INTEGER NOT NULL DEFAULT 9223372036854775807;

UPDATE tickets SET number = n.rn
	FROM (SELECT portal_id, id, row_number() OVER (PARTITION BY portal_id ORDER BY created_at, id) AS rn FROM tickets) AS n
	WHERE tickets.portal_id = n.portal_id AND tickets.id = n.id;
UPDATE tenants SET last_number = COALESCE((SELECT MAX(t.number) FROM tickets t WHERE t.portal_id = tenants.id), 0);
UPDATE ticket_contacts SET number_key = COALESCE((SELECT t.number FROM tickets t WHERE t.portal_id = ticket_contacts.portal_id AND t.id = ticket_contacts.ticket_id), 9223372036854775807);
UPDATE ticket_companies SET number_key = COALESCE((SELECT t.number FROM tickets t WHERE t.portal_id = ticket_companies.portal_id AND t.id = ticket_companies.ticket_id), 9223372036854775807);

CREATE UNIQUE INDEX IF NOT EXISTS tickets_number ON tickets (portal_id, number);
CREATE INDEX IF NOT EXISTS ticket_contacts_number ON ticket_contacts (portal_id, contact_id, number_key, ticket_id);
CREATE INDEX IF NOT EXISTS ticket_companies_number ON ticket_companies (portal_id, company_id, number_key, ticket_id);
