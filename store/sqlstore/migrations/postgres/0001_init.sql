-- The portal's tables. IDs are 16-byte UUIDs; every text the portal compares
-- or sorts is kept folded (portal.Fold) as bytea, so that comparison and order
-- are byte for byte, as in every other store; times are Unix microseconds.

CREATE TABLE IF NOT EXISTS tenants (
	id         bytea PRIMARY KEY,
	created_at bigint NOT NULL,
	doc        bytea NOT NULL
);

CREATE TABLE IF NOT EXISTS settings (
	portal_id bytea PRIMARY KEY,
	version   bigint NOT NULL,
	doc       bytea NOT NULL
);

CREATE TABLE IF NOT EXISTS properties (
	portal_id bytea NOT NULL,
	object    varchar(16) NOT NULL,
	name      varchar(64) NOT NULL,
	seq       bigint NOT NULL,
	doc       bytea NOT NULL,
	PRIMARY KEY (portal_id, object, name)
);

CREATE TABLE IF NOT EXISTS forms (
	portal_id bytea NOT NULL,
	id        bytea NOT NULL,
	doc       bytea NOT NULL,
	PRIMARY KEY (portal_id, id)
);

CREATE TABLE IF NOT EXISTS contacts (
	portal_id bytea NOT NULL,
	id        bytea NOT NULL,
	company_id bytea,
	name_fold bytea,
	doc       bytea NOT NULL,
	PRIMARY KEY (portal_id, id)
);

CREATE TABLE IF NOT EXISTS companies (
	portal_id bytea NOT NULL,
	id        bytea NOT NULL,
	doc       bytea NOT NULL,
	PRIMARY KEY (portal_id, id)
);

CREATE TABLE IF NOT EXISTS contact_lists (
	portal_id bytea NOT NULL,
	id        bytea NOT NULL,
	doc       bytea NOT NULL,
	PRIMARY KEY (portal_id, id)
);

CREATE TABLE IF NOT EXISTS owners (
	portal_id bytea NOT NULL,
	id        bytea NOT NULL,
	doc       bytea NOT NULL,
	PRIMARY KEY (portal_id, id)
);

CREATE TABLE IF NOT EXISTS owner_names (
	portal_id bytea NOT NULL,
	owner_id  bytea NOT NULL,
	style     varchar(16) NOT NULL,
	name_fold bytea,
	PRIMARY KEY (portal_id, owner_id, style)
);

CREATE TABLE IF NOT EXISTS channels (
	portal_id bytea NOT NULL,
	id        bytea NOT NULL,
	name_fold bytea,
	doc       bytea NOT NULL,
	PRIMARY KEY (portal_id, id)
);

CREATE TABLE IF NOT EXISTS pipelines (
	portal_id bytea NOT NULL,
	id        bytea NOT NULL,
	name_fold bytea,
	doc       bytea NOT NULL,
	PRIMARY KEY (portal_id, id)
);

CREATE TABLE IF NOT EXISTS stages (
	portal_id   bytea NOT NULL,
	id          bytea NOT NULL,
	pipeline_id bytea NOT NULL,
	name_fold   bytea,
	closed      smallint NOT NULL,
	PRIMARY KEY (portal_id, id)
);
CREATE INDEX IF NOT EXISTS stages_pipeline ON stages (portal_id, pipeline_id);

CREATE TABLE IF NOT EXISTS tickets (
	portal_id        bytea NOT NULL,
	id               bytea NOT NULL,
	subject_fold     bytea,
	content_fold     bytea,
	search           bytea NOT NULL,
	created_at       bigint,
	last_activity_at bigint,
	requester_id     bytea,
	owner_id         bytea,
	stage_id         bytea,
	pipeline_id      bytea,
	channel_id       bytea,
	priority         bytea,
	doc              bytea NOT NULL,
	PRIMARY KEY (portal_id, id)
);

CREATE TABLE IF NOT EXISTS ticket_contacts (
	portal_id  bytea NOT NULL,
	contact_id bytea NOT NULL,
	ticket_id  bytea NOT NULL,
	PRIMARY KEY (portal_id, contact_id, ticket_id)
);
CREATE INDEX IF NOT EXISTS ticket_contacts_ticket ON ticket_contacts (portal_id, ticket_id);

CREATE TABLE IF NOT EXISTS ticket_companies (
	portal_id  bytea NOT NULL,
	company_id bytea NOT NULL,
	ticket_id  bytea NOT NULL,
	PRIMARY KEY (portal_id, company_id, ticket_id)
);
CREATE INDEX IF NOT EXISTS ticket_companies_ticket ON ticket_companies (portal_id, ticket_id);

-- A ticket's custom property values, one row each: kind is s (text or
-- enumeration: raw as given, txt folded), n (number), d (date, num in
-- microseconds) or b (boolean, num 0 or 1).
CREATE TABLE IF NOT EXISTS ticket_props (
	portal_id bytea NOT NULL,
	ticket_id bytea NOT NULL,
	name      varchar(64) NOT NULL,
	kind      char(1) NOT NULL,
	raw       bytea,
	txt       bytea,
	num       double precision,
	PRIMARY KEY (portal_id, ticket_id, name)
);

CREATE TABLE IF NOT EXISTS threads (
	portal_id  bytea NOT NULL,
	id         bytea NOT NULL,
	ticket_id  bytea NOT NULL,
	created_at bigint NOT NULL,
	doc        bytea NOT NULL,
	PRIMARY KEY (portal_id, id)
);
CREATE INDEX IF NOT EXISTS threads_ticket ON threads (portal_id, ticket_id, created_at, id);

CREATE TABLE IF NOT EXISTS messages (
	portal_id  bytea NOT NULL,
	id         bytea NOT NULL,
	thread_id  bytea NOT NULL,
	created_at bigint NOT NULL,
	doc        bytea NOT NULL,
	PRIMARY KEY (portal_id, id)
);
CREATE INDEX IF NOT EXISTS messages_thread ON messages (portal_id, thread_id, created_at, id);
