-- Kept verdicts (P11, S8). Each association of a ticket with a contact or
-- a company keeps the ticket's stage, and in shown its verdict under the
-- tenant's visibility filter: the filter's stamp (portal.TicketFilter.Stamp)
-- when the ticket passes it, the stamp negated when it does not, 0 when
-- undecided. Indexed by scope, verdict and stage, so that a list's total
-- is counted from the index alone, without reading a ticket. The verdicts
-- are decided by the migration's backfill (migrate.go), and then by every
-- write of a ticket and every change of what the filter reads (verdicts.go).

ALTER TABLE ticket_contacts ADD COLUMN IF NOT EXISTS stage_id bytea;
ALTER TABLE ticket_contacts ADD COLUMN IF NOT EXISTS shown bigint NOT NULL DEFAULT 0;
ALTER TABLE ticket_companies ADD COLUMN IF NOT EXISTS stage_id bytea;
ALTER TABLE ticket_companies ADD COLUMN IF NOT EXISTS shown bigint NOT NULL DEFAULT 0;

UPDATE ticket_contacts a SET stage_id = t.stage_id FROM tickets t WHERE t.portal_id = a.portal_id AND t.id = a.ticket_id;
UPDATE ticket_companies a SET stage_id = t.stage_id FROM tickets t WHERE t.portal_id = a.portal_id AND t.id = a.ticket_id;

CREATE INDEX IF NOT EXISTS ticket_contacts_shown ON ticket_contacts (portal_id, contact_id, shown, stage_id, ticket_id);
CREATE INDEX IF NOT EXISTS ticket_companies_shown ON ticket_companies (portal_id, company_id, shown, stage_id, ticket_id);
