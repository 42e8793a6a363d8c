-- Participants (P12): the colleagues contacts add to a ticket live beside
-- its document, as its rating does: tickets.participants holds them
-- (JSON), and ticket_contacts associates the ticket with each of them as
-- with its own contacts, so that they find it among their own tickets. A
-- put of the ticket keeps both.

ALTER TABLE tickets ADD COLUMN IF NOT EXISTS participants bytea;
