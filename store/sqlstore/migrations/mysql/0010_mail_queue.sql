-- Mail queue (A8): the mails requests asked for (invitations, registrations,
-- password resets), until a delivery sends them, so that no request waits
-- on a mail server. A queued mail holds no token: the delivery makes it.
-- The index is declared inside CREATE TABLE so that the statement can run
-- twice.
CREATE TABLE IF NOT EXISTS mail_queue (
	portal_id  BINARY(16) NOT NULL,
	id         BINARY(16) NOT NULL,
	kind       VARBINARY(16) NOT NULL,
	contact_id BINARY(16) NOT NULL,
	email      VARBINARY(1024) NOT NULL,
	queued_at  bigint NOT NULL,
	due_at     bigint NOT NULL,
	attempts   int NOT NULL,
	PRIMARY KEY (portal_id, id),
	INDEX mail_queue_due (portal_id, due_at, id)
) ENGINE=InnoDB;
