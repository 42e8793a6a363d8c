-- Customer actions (P5, P6, P8): the outbox of events for the helpdesk and
-- the idempotency keys of support form submissions.

-- outbox holds a tenant's last event number and its acknowledged position.
-- Every action updates its row first, so a tenant's actions commit one
-- after the other and their events are numbered in commit order.
CREATE TABLE IF NOT EXISTS outbox (
	portal_id BLOB PRIMARY KEY,
	seq       INTEGER NOT NULL,
	acked     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS events (
	portal_id BLOB NOT NULL,
	seq       INTEGER NOT NULL,
	id        BLOB NOT NULL,
	doc       BLOB NOT NULL,
	PRIMARY KEY (portal_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS submissions (
	portal_id  BLOB NOT NULL,
	contact_id BLOB NOT NULL,
	idem_key   BLOB NOT NULL,
	ticket_id  BLOB NOT NULL,
	PRIMARY KEY (portal_id, contact_id, idem_key)
) WITHOUT ROWID;
