-- Receipts (P15): a submission queues the contact's receipt in the mail
-- queue with its ticket, in the submission's transaction, so that it is
-- queued exactly when the ticket is made; mail_queue.ticket_id names the
-- ticket whose number and subject the delivery mails.

ALTER TABLE mail_queue ADD COLUMN IF NOT EXISTS ticket_id bytea;
