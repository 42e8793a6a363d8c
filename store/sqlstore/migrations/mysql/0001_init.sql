-- The portal's tables. IDs are 16-byte UUIDs; every text the portal compares
-- or sorts is kept folded (portal.Fold) as a byte string (VARBINARY,
-- LONGBLOB), so that comparison and order are byte for byte, as in every other
-- store; times are Unix microseconds. Indexes are declared inside CREATE TABLE
-- so that every statement can run twice.

CREATE TABLE IF NOT EXISTS tenants (
	id         BINARY(16) PRIMARY KEY,
	created_at bigint NOT NULL,
	doc        LONGBLOB NOT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS settings (
	portal_id BINARY(16) PRIMARY KEY,
	version   bigint NOT NULL,
	doc       LONGBLOB NOT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS properties (
	portal_id BINARY(16) NOT NULL,
	object    VARBINARY(16) NOT NULL,
	name      VARBINARY(64) NOT NULL,
	seq       bigint NOT NULL,
	doc       LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, object, name)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS forms (
	portal_id BINARY(16) NOT NULL,
	id        BINARY(16) NOT NULL,
	doc       LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS contacts (
	portal_id BINARY(16) NOT NULL,
	id        BINARY(16) NOT NULL,
	company_id BINARY(16),
	name_fold LONGBLOB,
	doc       LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS companies (
	portal_id BINARY(16) NOT NULL,
	id        BINARY(16) NOT NULL,
	doc       LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS contact_lists (
	portal_id BINARY(16) NOT NULL,
	id        BINARY(16) NOT NULL,
	doc       LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS owners (
	portal_id BINARY(16) NOT NULL,
	id        BINARY(16) NOT NULL,
	doc       LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS owner_names (
	portal_id BINARY(16) NOT NULL,
	owner_id  BINARY(16) NOT NULL,
	style     VARBINARY(16) NOT NULL,
	name_fold LONGBLOB,
	PRIMARY KEY (portal_id, owner_id, style)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS channels (
	portal_id BINARY(16) NOT NULL,
	id        BINARY(16) NOT NULL,
	name_fold LONGBLOB,
	doc       LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS pipelines (
	portal_id BINARY(16) NOT NULL,
	id        BINARY(16) NOT NULL,
	name_fold LONGBLOB,
	doc       LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS stages (
	portal_id   BINARY(16) NOT NULL,
	id          BINARY(16) NOT NULL,
	pipeline_id BINARY(16) NOT NULL,
	name_fold   LONGBLOB,
	closed      smallint NOT NULL,
	PRIMARY KEY (portal_id, id),
	INDEX stages_pipeline (portal_id, pipeline_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS tickets (
	portal_id        BINARY(16) NOT NULL,
	id               BINARY(16) NOT NULL,
	subject_fold     LONGBLOB,
	content_fold     LONGBLOB,
	search           LONGBLOB NOT NULL,
	created_at       bigint,
	last_activity_at bigint,
	requester_id     BINARY(16),
	owner_id         BINARY(16),
	stage_id         BINARY(16),
	pipeline_id      BINARY(16),
	channel_id       BINARY(16),
	priority         VARBINARY(255),
	doc              LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS ticket_contacts (
	portal_id  BINARY(16) NOT NULL,
	contact_id BINARY(16) NOT NULL,
	ticket_id  BINARY(16) NOT NULL,
	PRIMARY KEY (portal_id, contact_id, ticket_id),
	INDEX ticket_contacts_ticket (portal_id, ticket_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS ticket_companies (
	portal_id  BINARY(16) NOT NULL,
	company_id BINARY(16) NOT NULL,
	ticket_id  BINARY(16) NOT NULL,
	PRIMARY KEY (portal_id, company_id, ticket_id),
	INDEX ticket_companies_ticket (portal_id, ticket_id)
) ENGINE=InnoDB;

-- A ticket's custom property values, one row each: kind is s (text or
-- enumeration: raw as given, txt folded), n (number), d (date, num in
-- microseconds) or b (boolean, num 0 or 1).
CREATE TABLE IF NOT EXISTS ticket_props (
	portal_id BINARY(16) NOT NULL,
	ticket_id BINARY(16) NOT NULL,
	name      VARBINARY(64) NOT NULL,
	kind      char(1) NOT NULL,
	raw       LONGBLOB,
	txt       LONGBLOB,
	num       DOUBLE,
	PRIMARY KEY (portal_id, ticket_id, name)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS threads (
	portal_id  BINARY(16) NOT NULL,
	id         BINARY(16) NOT NULL,
	ticket_id  BINARY(16) NOT NULL,
	created_at bigint NOT NULL,
	doc        LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, id),
	INDEX threads_ticket (portal_id, ticket_id, created_at, id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS messages (
	portal_id  BINARY(16) NOT NULL,
	id         BINARY(16) NOT NULL,
	thread_id  BINARY(16) NOT NULL,
	created_at bigint NOT NULL,
	doc        LONGBLOB NOT NULL,
	PRIMARY KEY (portal_id, id),
	INDEX messages_thread (portal_id, thread_id, created_at, id)
) ENGINE=InnoDB;
