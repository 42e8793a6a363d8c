-- Mail queue (A8): the mails requests asked for (invitations, registrations,
-- password resets), until a delivery sends them, so that no request waits
-- on a mail server. A queued mail holds no token: the delivery makes it.
CREATE TABLE IF NOT EXISTS mail_queue (
	portal_id  bytea NOT NULL,
	id         bytea NOT NULL,
	kind       text NOT NULL,
	contact_id bytea NOT NULL,
	email      bytea NOT NULL,
	queued_at  bigint NOT NULL,
	due_at     bigint NOT NULL,
	attempts   integer NOT NULL,
	PRIMARY KEY (portal_id, id)
);
CREATE INDEX IF NOT EXISTS mail_queue_due ON mail_queue (portal_id, due_at, id);
