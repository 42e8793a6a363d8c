-- A tenant's generation counts the changes to the records every customer
-- request reads besides its settings (custom properties, pipelines,
-- channels). The store keeps those records in memory and checks the
-- generation, with the settings' version, in the statement that reads the
-- request's contact: a change by any process is seen at its next request.
-- Both statements can run twice.

CREATE TABLE IF NOT EXISTS generations (
	portal_id  BINARY(16) PRIMARY KEY,
	generation bigint NOT NULL
) ENGINE=InnoDB;

INSERT INTO generations (portal_id, generation) SELECT id, 0 FROM tenants
	ON DUPLICATE KEY UPDATE generation = generations.generation;
