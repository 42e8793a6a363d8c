-- A tenant's generation counts the changes to the records every customer
-- request reads besides its settings (custom properties, pipelines,
-- channels). The store keeps those records in memory and checks the
-- generation, with the settings' version, in the statement that reads the
-- request's contact: a change by any process is seen at its next request.

CREATE TABLE IF NOT EXISTS generations (
	portal_id  BLOB PRIMARY KEY,
	generation INTEGER NOT NULL
) WITHOUT ROWID;

INSERT OR IGNORE INTO generations (portal_id, generation) SELECT id, 0 FROM tenants;
