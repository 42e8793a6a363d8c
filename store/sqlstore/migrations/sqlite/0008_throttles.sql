-- Throttles (A8): failed attempts counted by key (a login's failures from
-- one client, a client's failures on any login), so that a login is slowed
-- for the client that fails, not locked for everyone. The keys are
-- digests made by the portal.
CREATE TABLE IF NOT EXISTS throttles (
	portal_id BLOB NOT NULL,
	tkey      BLOB NOT NULL,
	failures  INTEGER NOT NULL,
	failed_at INTEGER NOT NULL,
	PRIMARY KEY (portal_id, tkey)
) WITHOUT ROWID;
