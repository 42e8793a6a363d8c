-- Getting in (S11–S15, A2–A6): logins, single-use tokens and sessions, and
-- the indexes of contacts by e-mail and by contact list that registration,
-- single sign-on and invitations look them up by. Tokens and sessions are
-- kept by their SHA-256 only. Contacts stored before this migration are
-- indexed by its backfill (migrate.go), which reads their documents.
-- Indexes are declared inside CREATE TABLE so that every statement can run
-- twice.

CREATE TABLE IF NOT EXISTS contact_emails (
	portal_id  BINARY(16) NOT NULL,
	contact_id BINARY(16) NOT NULL,
	email      VARBINARY(1024) NOT NULL,
	PRIMARY KEY (portal_id, contact_id),
	INDEX contact_emails_email (portal_id, email, contact_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS contact_list_members (
	portal_id  BINARY(16) NOT NULL,
	list_id    BINARY(16) NOT NULL,
	contact_id BINARY(16) NOT NULL,
	PRIMARY KEY (portal_id, list_id, contact_id),
	INDEX contact_list_members_contact (portal_id, contact_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS logins (
	portal_id       BINARY(16) NOT NULL,
	contact_id      BINARY(16) NOT NULL,
	email           VARBINARY(1024) NOT NULL,
	password_hash   VARBINARY(1024) NOT NULL,
	failures        bigint NOT NULL,
	failed_at       bigint,
	consent_version VARBINARY(255) NOT NULL,
	consent_at      bigint,
	created_at      bigint NOT NULL,
	updated_at      bigint NOT NULL,
	PRIMARY KEY (portal_id, contact_id),
	UNIQUE INDEX logins_email (portal_id, email)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS tokens (
	portal_id  BINARY(16) NOT NULL,
	hash       BINARY(32) NOT NULL,
	kind       VARBINARY(16) NOT NULL,
	contact_id BINARY(16) NOT NULL,
	created_at bigint NOT NULL,
	expires_at bigint NOT NULL,
	PRIMARY KEY (portal_id, hash),
	INDEX tokens_contact (portal_id, contact_id, kind)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS sessions (
	portal_id    BINARY(16) NOT NULL,
	hash         BINARY(32) NOT NULL,
	contact_id   BINARY(16) NOT NULL,
	preview      smallint NOT NULL,
	preview_by   VARBINARY(1024) NOT NULL,
	created_at   bigint NOT NULL,
	last_seen_at bigint NOT NULL,
	expires_at   bigint NOT NULL,
	PRIMARY KEY (portal_id, hash),
	INDEX sessions_contact (portal_id, contact_id, preview)
) ENGINE=InnoDB;
