-- Getting in (S11–S15, A2–A6): logins, single-use tokens and sessions, and
-- the indexes of contacts by e-mail and by contact list that registration,
-- single sign-on and invitations look them up by. Tokens and sessions are
-- kept by their SHA-256 only. Contacts stored before this migration are
-- indexed by its backfill (migrate.go), which reads their documents.

CREATE TABLE IF NOT EXISTS contact_emails (
	portal_id  bytea NOT NULL,
	contact_id bytea NOT NULL,
	email      bytea NOT NULL,
	PRIMARY KEY (portal_id, contact_id)
);
CREATE INDEX IF NOT EXISTS contact_emails_email ON contact_emails (portal_id, email, contact_id);

CREATE TABLE IF NOT EXISTS contact_list_members (
	portal_id  bytea NOT NULL,
	list_id    bytea NOT NULL,
	contact_id bytea NOT NULL,
	PRIMARY KEY (portal_id, list_id, contact_id)
);
CREATE INDEX IF NOT EXISTS contact_list_members_contact ON contact_list_members (portal_id, contact_id);

CREATE TABLE IF NOT EXISTS logins (
	portal_id       bytea NOT NULL,
	contact_id      bytea NOT NULL,
	email           bytea NOT NULL,
	password_hash   bytea NOT NULL,
	failures        bigint NOT NULL,
	failed_at       bigint,
	consent_version bytea NOT NULL,
	consent_at      bigint,
	created_at      bigint NOT NULL,
	updated_at      bigint NOT NULL,
	PRIMARY KEY (portal_id, contact_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS logins_email ON logins (portal_id, email);

CREATE TABLE IF NOT EXISTS tokens (
	portal_id  bytea NOT NULL,
	hash       bytea NOT NULL,
	kind       varchar(16) NOT NULL,
	contact_id bytea NOT NULL,
	created_at bigint NOT NULL,
	expires_at bigint NOT NULL,
	PRIMARY KEY (portal_id, hash)
);
CREATE INDEX IF NOT EXISTS tokens_contact ON tokens (portal_id, contact_id, kind);

CREATE TABLE IF NOT EXISTS sessions (
	portal_id    bytea NOT NULL,
	hash         bytea NOT NULL,
	contact_id   bytea NOT NULL,
	preview      smallint NOT NULL,
	preview_by   bytea NOT NULL,
	created_at   bigint NOT NULL,
	last_seen_at bigint NOT NULL,
	expires_at   bigint NOT NULL,
	PRIMARY KEY (portal_id, hash)
);
CREATE INDEX IF NOT EXISTS sessions_contact ON sessions (portal_id, contact_id, preview);
