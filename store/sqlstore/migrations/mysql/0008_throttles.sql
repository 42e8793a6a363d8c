-- Throttles (A8): failed attempts counted by key (a login's failures from
-- one client, a client's failures on any login), so that a login is slowed
-- for the client that fails, not locked for everyone. The keys are
-- digests made by the portal.
CREATE TABLE IF NOT EXISTS throttles (
	portal_id BINARY(16) NOT NULL,
	tkey      VARBINARY(64) NOT NULL,
	failures  INT NOT NULL,
	failed_at BIGINT NOT NULL,
	PRIMARY KEY (portal_id, tkey)
);
