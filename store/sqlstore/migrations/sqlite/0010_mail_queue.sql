-- Mail queue (A8): the mails requests asked for (invitations, registrations,
-- password resets), until a delivery sends them, so that no request waits
-- on a mail server. A queued mail holds no token: the delivery makes it.
CREATE TABLE IF NOT EXISTS mail_queue (
	portal_id  BLOB NOT NULL,
	id         BLOB NOT NULL,
	kind       TEXT NOT NULL,
	contact_id BLOB NOT NULL,
	email      BLOB NOT NULL,
	queued_at  INTEGER NOT NULL,
	due_at     INTEGER NOT NULL,
	attempts   INTEGER NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mail_queue_due ON mail_queue (portal_id, due_at, id);
