-- Kept verdicts (P11, S8). Each association of a ticket with a contact or
-- a company keeps the ticket's stage, and in shown its verdict under the
-- tenant's visibility filter: the filter's stamp (portal.TicketFilter.Stamp)
-- when the ticket passes it, the stamp negated when it does not, 0 when
-- undecided. Indexed by scope, verdict and stage, so that a list's total
-- is counted from the index alone, without reading a ticket. The verdicts
-- are decided by the migration's backfill (migrate.go), and then by every
-- write of a ticket and every change of what the filter reads (verdicts.go).

ALTER TABLE ticket_contacts ADD COLUMN stage_id BLOB;
ALTER TABLE ticket_contacts ADD COLUMN shown INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_companies ADD COLUMN stage_id BLOB;
ALTER TABLE ticket_companies ADD COLUMN shown INTEGER NOT NULL DEFAULT 0;

UPDATE ticket_contacts SET stage_id = (SELECT t.stage_id FROM tickets t WHERE t.portal_id = ticket_contacts.portal_id AND t.id = ticket_contacts.ticket_id);
UPDATE ticket_companies SET stage_id = (SELECT t.stage_id FROM tickets t WHERE t.portal_id = ticket_companies.portal_id AND t.id = ticket_companies.ticket_id);

CREATE INDEX IF NOT EXISTS ticket_contacts_shown ON ticket_contacts (portal_id, contact_id, shown, stage_id, ticket_id);
CREATE INDEX IF NOT EXISTS ticket_companies_shown ON ticket_companies (portal_id, company_id, shown, stage_id, ticket_id);
