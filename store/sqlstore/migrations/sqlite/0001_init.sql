-- The portal's tables. IDs are 16-byte UUIDs; every text the portal compares
-- or sorts is kept folded (portal.Fold) as BLOB, so that comparison and order
-- are byte for byte, as in every other store; times are Unix microseconds.

CREATE TABLE IF NOT EXISTS tenants (
	id         BLOB PRIMARY KEY,
	created_at INTEGER NOT NULL,
	doc        BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS settings (
	portal_id BLOB PRIMARY KEY,
	version   INTEGER NOT NULL,
	doc       BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS properties (
	portal_id BLOB NOT NULL,
	object    TEXT NOT NULL,
	name      TEXT NOT NULL,
	seq       INTEGER NOT NULL,
	doc       BLOB NOT NULL,
	PRIMARY KEY (portal_id, object, name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS forms (
	portal_id BLOB NOT NULL,
	id        BLOB NOT NULL,
	doc       BLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS contacts (
	portal_id BLOB NOT NULL,
	id        BLOB NOT NULL,
	company_id BLOB,
	name_fold BLOB,
	doc       BLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS companies (
	portal_id BLOB NOT NULL,
	id        BLOB NOT NULL,
	doc       BLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS contact_lists (
	portal_id BLOB NOT NULL,
	id        BLOB NOT NULL,
	doc       BLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS owners (
	portal_id BLOB NOT NULL,
	id        BLOB NOT NULL,
	doc       BLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS owner_names (
	portal_id BLOB NOT NULL,
	owner_id  BLOB NOT NULL,
	style     TEXT NOT NULL,
	name_fold BLOB,
	PRIMARY KEY (portal_id, owner_id, style)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS channels (
	portal_id BLOB NOT NULL,
	id        BLOB NOT NULL,
	name_fold BLOB,
	doc       BLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS pipelines (
	portal_id BLOB NOT NULL,
	id        BLOB NOT NULL,
	name_fold BLOB,
	doc       BLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS stages (
	portal_id   BLOB NOT NULL,
	id          BLOB NOT NULL,
	pipeline_id BLOB NOT NULL,
	name_fold   BLOB,
	closed      INTEGER NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stages_pipeline ON stages (portal_id, pipeline_id);

CREATE TABLE IF NOT EXISTS tickets (
	portal_id        BLOB NOT NULL,
	id               BLOB NOT NULL,
	subject_fold     BLOB,
	content_fold     BLOB,
	search           BLOB NOT NULL,
	created_at       INTEGER,
	last_activity_at INTEGER,
	requester_id     BLOB,
	owner_id         BLOB,
	stage_id         BLOB,
	pipeline_id      BLOB,
	channel_id       BLOB,
	priority         BLOB,
	doc              BLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS ticket_contacts (
	portal_id  BLOB NOT NULL,
	contact_id BLOB NOT NULL,
	ticket_id  BLOB NOT NULL,
	PRIMARY KEY (portal_id, contact_id, ticket_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ticket_contacts_ticket ON ticket_contacts (portal_id, ticket_id);

CREATE TABLE IF NOT EXISTS ticket_companies (
	portal_id  BLOB NOT NULL,
	company_id BLOB NOT NULL,
	ticket_id  BLOB NOT NULL,
	PRIMARY KEY (portal_id, company_id, ticket_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ticket_companies_ticket ON ticket_companies (portal_id, ticket_id);

-- A ticket's custom property values, one row each: kind is s (text or
-- enumeration: raw as given, txt folded), n (number), d (date, num in
-- microseconds) or b (boolean, num 0 or 1).
CREATE TABLE IF NOT EXISTS ticket_props (
	portal_id BLOB NOT NULL,
	ticket_id BLOB NOT NULL,
	name      TEXT NOT NULL,
	kind      TEXT NOT NULL,
	raw       BLOB,
	txt       BLOB,
	num       REAL,
	PRIMARY KEY (portal_id, ticket_id, name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS threads (
	portal_id  BLOB NOT NULL,
	id         BLOB NOT NULL,
	ticket_id  BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	doc        BLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS threads_ticket ON threads (portal_id, ticket_id, created_at, id);

CREATE TABLE IF NOT EXISTS messages (
	portal_id  BLOB NOT NULL,
	id         BLOB NOT NULL,
	thread_id  BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	doc        BLOB NOT NULL,
	PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_thread ON messages (portal_id, thread_id, created_at, id);
