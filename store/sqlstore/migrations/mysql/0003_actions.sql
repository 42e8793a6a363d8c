-- Customer actions (P5, P6, P8): the outbox of events for the helpdesk and
-- the idempotency keys of support form submissions.

-- outbox holds a tenant's last event number and its acknowledged position.
-- Every action updates its row first, so a tenant's actions commit one
-- after the other and their events are numbered in commit order.
CREATE TABLE IF NOT EXISTS outbox (
	portal_id BINARY(16) PRIMARY KEY,
	seq       bigint NOT NULL,
	acked     bigint NOT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS events (
	portal_id BINARY(16) NOT NULL,
	seq       bigint NOT NULL,
	id        BINARY(16) NOT NULL,
	doc       LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, seq)
) ENGINE=InnoDB;

-- An idempotency key is at most 200 characters: 800 bytes of UTF-8.
CREATE TABLE IF NOT EXISTS submissions (
	portal_id  BINARY(16) NOT NULL,
	contact_id BINARY(16) NOT NULL,
	idem_key   VARBINARY(800) NOT NULL,
	ticket_id  BINARY(16) NOT NULL,
	PRIMARY KEY (portal_id, contact_id, idem_key)
) ENGINE=InnoDB;
