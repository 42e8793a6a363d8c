-- Getting in (S11–S15, A2–A6): logins, single-use tokens and sessions, and
-- the indexes of contacts by e-mail and by contact list that registration,
-- single sign-on and invitations look them up by. Tokens and sessions are
-- kept by their SHA-256 only. Contacts stored before this migration are
-- indexed by its backfill (migrate.go), which reads their documents.

CREATE TABLE IF NOT EXISTS contact_emails (
	portal_id  BLOB NOT NULL,
	contact_id BLOB NOT NULL,
	email      BLOB NOT NULL,
	PRIMARY KEY (portal_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contact_emails_email ON contact_emails (portal_id, email, contact_id);

CREATE TABLE IF NOT EXISTS contact_list_members (
	portal_id  BLOB NOT NULL,
	list_id    BLOB NOT NULL,
	contact_id BLOB NOT NULL,
	PRIMARY KEY (portal_id, list_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contact_list_members_contact ON contact_list_members (portal_id, contact_id);

CREATE TABLE IF NOT EXISTS logins (
	portal_id       BLOB NOT NULL,
	contact_id      BLOB NOT NULL,
	email           BLOB NOT NULL,
	password_hash   BLOB NOT NULL,
	failures        INTEGER NOT NULL,
	failed_at       INTEGER,
	consent_version BLOB NOT NULL,
	consent_at      INTEGER,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	PRIMARY KEY (portal_id, contact_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS logins_email ON logins (portal_id, email);

CREATE TABLE IF NOT EXISTS tokens (
	portal_id  BLOB NOT NULL,
	hash       BLOB NOT NULL,
	kind       TEXT NOT NULL,
	contact_id BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (portal_id, hash)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tokens_contact ON tokens (portal_id, contact_id, kind);

CREATE TABLE IF NOT EXISTS sessions (
	portal_id    BLOB NOT NULL,
	hash         BLOB NOT NULL,
	contact_id   BLOB NOT NULL,
	preview      INTEGER NOT NULL,
	preview_by   BLOB NOT NULL,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	PRIMARY KEY (portal_id, hash)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_contact ON sessions (portal_id, contact_id, preview);
