-- Ticket numbers (P10). Each tenant numbers its tickets 1, 2, 3 …: a
-- ticket's number is in tickets.number, unique in its tenant, and the
-- highest number the tenant ever gave or was given is tenants.last_number,
-- which a write takes (a row lock) to give the next. The tickets stored
-- before this migration are numbered in the order they were created. The
-- associations keep the number beside them, as they keep the dates
-- (migration orders), so that a list sorted by number is a walk too.

ALTER TABLE tenants ADD COLUMN IF NOT EXISTS last_number bigint NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS number bigint;
ALTER TABLE ticket_contacts ADD COLUMN IF NOT EXISTS number_key bigint NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE ticket_companies ADD COLUMN IF NOT EXISTS number_key bigint NOT NULL DEFAULT 9223372036854775807;

UPDATE tickets t SET number = n.rn
	FROM (SELECT portal_id, id, row_number() OVER (PARTITION BY portal_id ORDER BY created_at, id) AS rn FROM tickets) n
	WHERE t.portal_id = n.portal_id AND t.id = n.id;
UPDATE tenants SET last_number = COALESCE((SELECT MAX(t.number) FROM tickets t WHERE t.portal_id = tenants.id), 0);
UPDATE ticket_contacts a SET number_key = t.number FROM tickets t WHERE t.portal_id = a.portal_id AND t.id = a.ticket_id;
UPDATE ticket_companies a SET number_key = t.number FROM tickets t WHERE t.portal_id = a.portal_id AND t.id = a.ticket_id;

CREATE UNIQUE INDEX IF NOT EXISTS tickets_number ON tickets (portal_id, number);
CREATE INDEX IF NOT EXISTS ticket_contacts_number ON ticket_contacts (portal_id, contact_id, number_key, ticket_id);
CREATE INDEX IF NOT EXISTS ticket_companies_number ON ticket_companies (portal_id, company_id, number_key, ticket_id);
