-- Customer actions (P5, P6, P8): the outbox of events for the helpdesk and
-- the idempotency keys of support form submissions.

-- outbox holds a tenant's last event number and its acknowledged position.
-- Every action updates its row first, so a tenant's actions commit one
-- after the other and their events are numbered in commit order.
CREATE TABLE IF NOT EXISTS outbox (
	portal_id bytea PRIMARY KEY,
	seq       bigint NOT NULL,
	acked     bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
	portal_id bytea NOT NULL,
	seq       bigint NOT NULL,
	id        bytea NOT NULL,
	doc       bytea NOT NULL,
	PRIMARY KEY (portal_id, seq)
);

CREATE TABLE IF NOT EXISTS submissions (
	portal_id  bytea NOT NULL,
	contact_id bytea NOT NULL,
	idem_key   bytea NOT NULL,
	ticket_id  bytea NOT NULL,
	PRIMARY KEY (portal_id, contact_id, idem_key)
);
