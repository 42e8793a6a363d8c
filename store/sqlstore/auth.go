package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// Logins, tokens and sessions (S11–S15, A2–A6) are kept in columns, not
// documents: a change to a login writes the columns it changes under the
// row's lock, a throttle's failure is counted by one statement, and a
// session is read by its primary key in one statement. Tokens and sessions are keyed by their
// SHA-256; the token itself never reaches the database.

// indexContact keeps a contact's rows in contact_emails and
// contact_list_members, in PutContact's transaction.
func indexContact(ctx context.Context, t tx, c portal.Contact) error {
	if _, err := t.exec(ctx, "DELETE FROM contact_emails WHERE portal_id = ? AND contact_id = ?", id(c.PortalID), id(c.ID)); err != nil {
		return err
	}
	if email := portal.NormalizeEmail(c.Email); email != "" {
		if _, err := t.exec(ctx, "INSERT INTO contact_emails (portal_id, contact_id, email) VALUES (?, ?, ?)",
			id(c.PortalID), id(c.ID), text(email)); err != nil {
			return err
		}
	}
	if _, err := t.exec(ctx, "DELETE FROM contact_list_members WHERE portal_id = ? AND contact_id = ?", id(c.PortalID), id(c.ID)); err != nil {
		return err
	}
	lists := slices.Clone(c.Lists)
	slices.SortFunc(lists, uuidCompare)
	for _, l := range slices.Compact(lists) {
		if _, err := t.exec(ctx, "INSERT INTO contact_list_members (portal_id, list_id, contact_id) VALUES (?, ?, ?)",
			id(c.PortalID), id(l), id(c.ID)); err != nil {
			return err
		}
	}
	return nil
}

// followEmail checks and writes what follows from a contact's e-mail
// (portal.ContactChange), in PutContact's transaction, after the contact's
// row is written (and so locked) and before indexContact (whose row still
// holds the old e-mail). Its reads lock: on MariaDB a plain read would see
// the transaction's snapshot, taken before the contact's lock was won.
// The login's row stays locked, so a concurrent change of its password
// waits; the unique index on the logins' e-mails stands behind the check
// that no other login has the new one.
func followEmail(ctx context.Context, t tx, ch portal.ContactChange) error {
	c := ch.Contact
	var login, hash []byte // the login's e-mail and password, read once for every check
	hasLogin := false
	if ch.If != nil || ch.LoginEmail != "" {
		switch err := t.row(ctx, "SELECT email, password_hash FROM logins WHERE portal_id = ? AND contact_id = ?"+t.d.forUpdate(),
			id(c.PortalID), id(c.ID)).Scan(&login, &hash); {
		case err == nil:
			hasLogin = true
		case !isNoRows(err):
			return err
		}
	}
	if ch.If != nil {
		was, err := rowText(t.row(ctx, "SELECT email FROM contact_emails WHERE portal_id = ? AND contact_id = ?"+t.d.forUpdate(),
			id(c.PortalID), id(c.ID)))
		if err != nil {
			return err
		}
		if was != ch.If.Email || string(login) != ch.If.Login || ch.If.Password != nil && (!hasLogin || string(hash) != *ch.If.Password) {
			return fmt.Errorf("%w: contact %s: changed since it was read", portal.ErrConflict, c.ID)
		}
	}
	if ch.EndTokens {
		if _, err := t.exec(ctx, "DELETE FROM tokens WHERE portal_id = ? AND contact_id = ?", id(c.PortalID), id(c.ID)); err != nil {
			return err
		}
	}
	switch {
	case ch.LoginEmail == "":
		return nil
	case !hasLogin:
		return fmt.Errorf("%w: contact %s: no login", portal.ErrConflict, c.ID)
	}
	var other []byte
	err := t.row(ctx, "SELECT contact_id FROM logins WHERE portal_id = ? AND email = ?", id(c.PortalID), text(ch.LoginEmail)).Scan(&other)
	switch {
	case err == nil && !bytes.Equal(other, id(c.ID)):
		return fmt.Errorf("%w: login %q: another contact's", portal.ErrConflict, ch.LoginEmail)
	case err != nil && err != sql.ErrNoRows:
		return err
	}
	_, err = t.exec(ctx, "UPDATE logins SET email = ?, updated_at = ? WHERE portal_id = ? AND contact_id = ?",
		text(ch.LoginEmail), c.UpdatedAt.UnixMicro(), id(c.PortalID), id(c.ID))
	return err
}

// rowText reads one text column of at most one row; no row is "".
func rowText(r *sql.Row) (string, error) {
	var b []byte
	switch err := r.Scan(&b); err {
	case nil:
		return string(b), nil
	case sql.ErrNoRows:
		return "", nil
	default:
		return "", err
	}
}

// ContactsByEmail implements portal.ContactIndex.
func (s *Store) ContactsByEmail(ctx context.Context, portalID uuid.UUID, email string) ([]portal.Contact, error) {
	return docs(ctx, s, "contacts by e-mail", decodeContact,
		"SELECT c.doc FROM contact_emails e JOIN contacts c ON c.portal_id = e.portal_id AND c.id = e.contact_id "+
			"WHERE e.portal_id = ? AND e.email = ? ORDER BY e.contact_id", id(portalID), text(email))
}

// ListMembers implements portal.ContactIndex: a walk of the tenant's
// contacts in ID order from after, each checked against the member index.
func (s *Store) ListMembers(ctx context.Context, portalID uuid.UUID, lists []uuid.UUID, after uuid.UUID, limit int) ([]portal.Contact, error) {
	if len(lists) == 0 || limit <= 0 {
		return nil, nil
	}
	args := []any{id(portalID), id(after)}
	for _, l := range lists {
		args = append(args, id(l))
	}
	args = append(args, limit)
	return docs(ctx, s, "list members", decodeContact,
		"SELECT c.doc FROM contacts c WHERE c.portal_id = ? AND c.id > ? AND EXISTS (SELECT 1 FROM contact_list_members m "+
			"WHERE m.portal_id = c.portal_id AND m.contact_id = c.id AND m.list_id IN ("+placeholders(len(lists))+")) "+
			"ORDER BY c.id LIMIT ?", args...)
}

const loginCols = "portal_id, contact_id, email, password_hash, failures, failed_at, consent_version, consent_at, created_at, updated_at"

func loginArgs(l portal.Login) []any {
	return []any{id(l.PortalID), id(l.ContactID), text(l.Email), text(l.PasswordHash), l.Failures, optMicros(l.FailedAt),
		text(l.ConsentVersion), optMicros(l.ConsentAt), l.CreatedAt.UnixMicro(), l.UpdatedAt.UnixMicro()}
}

// CreateLogin implements portal.LoginStore.
//
// The contact's row is locked before its e-mail is read (a locking read,
// which sees the last committed one): a SaveContact that changes the
// e-mail either commits first, and the login is refused, or waits, finds
// the login it was not decided on, and is refused (followEmail): Portal
// then decides it again, moving the login to the new e-mail.
func (s *Store) CreateLogin(ctx context.Context, l portal.Login) error {
	return s.write(ctx, "create login", l.PortalID, func(t tx) error {
		if err := lockContact(ctx, t, l.PortalID, l.ContactID); err != nil {
			return err
		}
		var email []byte
		err := t.row(ctx, "SELECT email FROM contact_emails WHERE portal_id = ? AND contact_id = ?"+t.d.forUpdate(),
			id(l.PortalID), id(l.ContactID)).Scan(&email)
		switch {
		case err == nil && string(email) != l.Email:
			return fmt.Errorf("%w: login %q: the contact's e-mail is another", portal.ErrConflict, l.Email)
		case err != nil && !isNoRows(err):
			return err
		}
		return insertLogin(ctx, t, l)
	})
}

func insertLogin(ctx context.Context, t tx, l portal.Login) error {
	_, err := t.exec(ctx, "INSERT INTO logins ("+loginCols+") VALUES ("+placeholders(10)+")", loginArgs(l)...)
	return err
}

// Register implements portal.LoginStore, in one transaction. Of two
// concurrent registrations of one e-mail, both may store a contact, but
// the second login breaks the logins' unique e-mail index and its
// transaction, contact and all, rolls back. A known contact is locked,
// and its e-mail read under the lock, against a PutContact changing it.
func (s *Store) Register(ctx context.Context, c portal.RegisterChange) error {
	pid, cid := c.Login.PortalID, c.Contact.ID
	var putContact func(tx) error
	if c.New {
		var err error
		putContact, err = s.docWrite(ctx, "contacts", pid, cid, contactDoc{Contact: c.Contact, Properties: props(c.Contact.Properties)},
			contactCols(c.Contact))
		if err != nil {
			return mapErr("register", err)
		}
	}
	return s.write(ctx, "register", pid, func(t tx) error {
		var one int
		switch err := t.row(ctx, "SELECT 1 FROM logins WHERE portal_id = ? AND email = ?", id(pid), text(c.Login.Email)).Scan(&one); {
		case err == nil:
			return fmt.Errorf("%w: login %q", portal.ErrConflict, c.Login.Email)
		case !isNoRows(err):
			return err
		}
		if c.New {
			switch err := t.row(ctx, "SELECT 1 FROM contacts WHERE portal_id = ? AND id = ?", id(pid), id(cid)).Scan(&one); {
			case err == nil:
				return fmt.Errorf("%w: contact %s exists", portal.ErrConflict, cid)
			case !isNoRows(err):
				return err
			}
			if err := putContact(t); err != nil {
				return err
			}
			if err := indexContact(ctx, t, c.Contact); err != nil {
				return err
			}
		} else {
			if err := lockContact(ctx, t, pid, cid); err != nil {
				return err
			}
			email, err := rowText(t.row(ctx, "SELECT email FROM contact_emails WHERE portal_id = ? AND contact_id = ?"+t.d.forUpdate(),
				id(pid), id(cid)))
			if err != nil {
				return err
			}
			if email != c.Login.Email {
				return fmt.Errorf("%w: contact %s: its e-mail changed", portal.ErrConflict, cid)
			}
		}
		l := c.Login
		l.ContactID = cid
		return insertLogin(ctx, t, l)
	})
}

// UpdateLogin implements portal.LoginStore: the login's row is locked
// (FOR UPDATE where the dialect has it; SQLite's write transactions are
// serial) and read before the UPDATE, so that a change committed meanwhile
// (a reset, another failure) is seen and kept. The rows an UPDATE affects
// could not tell: MySQL counts a row set to the values it has as none.
func (s *Store) UpdateLogin(ctx context.Context, c portal.LoginChange) (portal.Login, error) {
	var l portal.Login
	err := s.write(ctx, "update login", c.PortalID, func(t tx) error {
		stored, err := scanLogin(t.row(ctx, "SELECT "+loginCols+" FROM logins WHERE portal_id = ? AND contact_id = ?"+t.d.forUpdate(),
			id(c.PortalID), id(c.ContactID)))
		if err != nil {
			return err
		}
		if l, err = c.Apply(stored); err != nil {
			return err
		}
		_, err = t.exec(ctx, "UPDATE logins SET password_hash = ?, failures = ?, failed_at = ?, consent_version = ?, consent_at = ?, updated_at = ? "+
			"WHERE portal_id = ? AND contact_id = ?", text(l.PasswordHash), l.Failures, optMicros(l.FailedAt),
			text(l.ConsentVersion), optMicros(l.ConsentAt), l.UpdatedAt.UnixMicro(), id(c.PortalID), id(c.ContactID))
		return err
	})
	if err != nil {
		return portal.Login{}, err
	}
	return l, nil
}

// scanLogin reads one row of loginCols.
func scanLogin(row *sql.Row) (portal.Login, error) {
	var (
		l                              portal.Login
		pid, cid, email, hash, consent []byte
		failedAt, consentAt            sql.NullInt64
		created, updated               int64
	)
	if err := row.Scan(&pid, &cid, &email, &hash, &l.Failures, &failedAt, &consent, &consentAt, &created, &updated); err != nil {
		return portal.Login{}, err
	}
	var err error
	if l.PortalID, err = uuidOf(pid); err != nil {
		return portal.Login{}, err
	}
	if l.ContactID, err = uuidOf(cid); err != nil {
		return portal.Login{}, err
	}
	l.Email, l.PasswordHash, l.ConsentVersion = string(email), string(hash), string(consent)
	if failedAt.Valid {
		l.FailedAt = fromMicros(failedAt.Int64)
	}
	if consentAt.Valid {
		l.ConsentAt = fromMicros(consentAt.Int64)
	}
	l.CreatedAt, l.UpdatedAt = fromMicros(created), fromMicros(updated)
	return l, nil
}

// Login implements portal.LoginStore.
func (s *Store) Login(ctx context.Context, portalID, contactID uuid.UUID) (portal.Login, error) {
	l, err := scanLogin(s.row(ctx, "SELECT "+loginCols+" FROM logins WHERE portal_id = ? AND contact_id = ?", id(portalID), id(contactID)))
	return l, mapErr("login", err)
}

// LoginByEmail implements portal.LoginStore.
func (s *Store) LoginByEmail(ctx context.Context, portalID uuid.UUID, email string) (portal.Login, error) {
	l, err := scanLogin(s.row(ctx, "SELECT "+loginCols+" FROM logins WHERE portal_id = ? AND email = ?", id(portalID), text(email)))
	return l, mapErr("login by e-mail", err)
}

// AddFailure implements portal.ThrottleStore: one statement makes or
// counts the key's row, so that concurrent failures all count.
func (s *Store) AddFailure(ctx context.Context, portalID uuid.UUID, key string, at, since time.Time) (portal.Throttle, error) {
	q := "INSERT INTO throttles (portal_id, tkey, failures, failed_at) VALUES (?, ?, 1, ?) ON CONFLICT (portal_id, tkey) DO UPDATE SET" +
		" failures = CASE WHEN throttles.failed_at < ? THEN 1 ELSE throttles.failures + 1 END, failed_at = excluded.failed_at"
	if s.d == MySQL { // failures is assigned first, from the old failed_at
		q = "INSERT INTO throttles (portal_id, tkey, failures, failed_at) VALUES (?, ?, 1, ?) ON DUPLICATE KEY UPDATE" +
			" failures = IF(failed_at < ?, 1, failures + 1), failed_at = VALUES(failed_at)"
	}
	var th portal.Throttle
	err := s.write(ctx, "add failure", portalID, func(t tx) error {
		if _, err := t.exec(ctx, q, id(portalID), []byte(key), at.UnixMicro(), since.UnixMicro()); err != nil {
			return err
		}
		var us int64
		err := t.row(ctx, "SELECT failures, failed_at FROM throttles WHERE portal_id = ? AND tkey = ?", id(portalID), []byte(key)).
			Scan(&th.Failures, &us)
		th.FailedAt = fromMicros(us)
		return err
	})
	return th, err
}

// Throttle implements portal.ThrottleStore.
func (s *Store) Throttle(ctx context.Context, portalID uuid.UUID, key string) (portal.Throttle, error) {
	var th portal.Throttle
	var us int64
	err := s.row(ctx, "SELECT failures, failed_at FROM throttles WHERE portal_id = ? AND tkey = ?", id(portalID), []byte(key)).
		Scan(&th.Failures, &us)
	switch {
	case isNoRows(err):
		return portal.Throttle{}, nil
	case err != nil:
		return portal.Throttle{}, mapErr("throttle", err)
	}
	th.FailedAt = fromMicros(us)
	return th, nil
}

// ClearThrottle implements portal.ThrottleStore.
func (s *Store) ClearThrottle(ctx context.Context, portalID uuid.UUID, key string) error {
	_, err := s.deleteCount(ctx, "clear throttle", portalID, "DELETE FROM throttles WHERE portal_id = ? AND tkey = ?", id(portalID), []byte(key))
	return err
}

// DeleteThrottles implements portal.ThrottleStore.
func (s *Store) DeleteThrottles(ctx context.Context, portalID uuid.UUID, since time.Time) (int, error) {
	return s.deleteCount(ctx, "delete throttles", portalID, "DELETE FROM throttles WHERE portal_id = ? AND failed_at < ?",
		id(portalID), since.UnixMicro())
}

// PutToken implements portal.TokenStore.
func (s *Store) PutToken(ctx context.Context, tk portal.Token) error {
	return s.write(ctx, "put token", tk.PortalID, func(t tx) error { return putToken(ctx, t, tk) })
}

func putToken(ctx context.Context, t tx, tk portal.Token) error {
	if err := lockContact(ctx, t, tk.PortalID, tk.ContactID); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM tokens WHERE portal_id = ? AND contact_id = ? AND kind = ?",
		id(tk.PortalID), id(tk.ContactID), string(tk.Kind)); err != nil {
		return err
	}
	return insertToken(ctx, t, tk)
}

// insertToken writes the token tk.
func insertToken(ctx context.Context, t tx, tk portal.Token) error {
	_, err := t.exec(ctx, "INSERT INTO tokens (portal_id, hash, kind, contact_id, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		id(tk.PortalID), tk.Hash[:], string(tk.Kind), id(tk.ContactID), optText(tk.Email), tk.CreatedAt.UnixMicro(), tk.ExpiresAt.UnixMicro())
	return err
}

// lockContact locks the contact's row, if it has one, for the rest of the
// transaction: the writes of its login and tokens that must not interleave
// (a token put back and a new one, a login and an e-mail change) take it
// first, as PutContact does by writing the row.
func lockContact(ctx context.Context, t tx, portalID, contactID uuid.UUID) error {
	var one int
	err := t.row(ctx, "SELECT 1 FROM contacts WHERE portal_id = ? AND id = ?"+t.d.forUpdate(), id(portalID), id(contactID)).Scan(&one)
	if isNoRows(err) {
		return nil
	}
	return err
}

// RestoreToken implements portal.TokenStore: under the contact's lock, as
// putToken, so that a new token and an old one put back are never both
// written.
func (s *Store) RestoreToken(ctx context.Context, tk portal.Token) error {
	return s.write(ctx, "restore token", tk.PortalID, func(t tx) error {
		if err := lockContact(ctx, t, tk.PortalID, tk.ContactID); err != nil {
			return err
		}
		var one int
		err := t.row(ctx, "SELECT 1 FROM tokens WHERE portal_id = ? AND contact_id = ? AND kind = ?"+t.d.forUpdate(),
			id(tk.PortalID), id(tk.ContactID), string(tk.Kind)).Scan(&one)
		switch {
		case err == nil:
			return fmt.Errorf("%w: token of %s: replaced", portal.ErrConflict, tk.ContactID)
		case !isNoRows(err):
			return err
		}
		return insertToken(ctx, t, tk)
	})
}

// TakeToken implements portal.TokenStore: it reads the token and deletes it
// in one transaction, and only the transaction whose DELETE removed the row
// returns it, so of concurrent takes one wins.
func (s *Store) TakeToken(ctx context.Context, portalID uuid.UUID, kind portal.TokenKind, hash portal.TokenHash) (portal.Token, error) {
	tk := portal.Token{PortalID: portalID, Hash: hash, Kind: kind}
	err := s.write(ctx, "take token", portalID, func(t tx) error {
		var cid, email []byte
		var created, expires int64
		if err := t.row(ctx, "SELECT contact_id, email, created_at, expires_at FROM tokens WHERE portal_id = ? AND hash = ? AND kind = ?",
			id(portalID), hash[:], string(kind)).Scan(&cid, &email, &created, &expires); err != nil {
			return err
		}
		tk.Email = string(email)
		res, err := t.exec(ctx, "DELETE FROM tokens WHERE portal_id = ? AND hash = ? AND kind = ?", id(portalID), hash[:], string(kind))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("%w: token taken by another (%v)", portal.ErrNotFound, err)
		}
		if tk.ContactID, err = uuidOf(cid); err != nil {
			return err
		}
		tk.CreatedAt, tk.ExpiresAt = fromMicros(created), fromMicros(expires)
		return nil
	})
	if err != nil {
		return portal.Token{}, err
	}
	return tk, nil
}

// PutSession implements portal.SessionStore.
func (s *Store) PutSession(ctx context.Context, ss portal.Session) error {
	preview := 0
	if ss.Preview {
		preview = 1
	}
	return s.write(ctx, "put session", ss.PortalID, func(t tx) error {
		_, err := t.exec(ctx, "INSERT INTO sessions (portal_id, hash, contact_id, preview, preview_by, created_at, last_seen_at, expires_at) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?)", id(ss.PortalID), ss.Hash[:], id(ss.ContactID), preview, text(ss.PreviewBy),
			ss.CreatedAt.UnixMicro(), ss.LastSeenAt.UnixMicro(), ss.ExpiresAt.UnixMicro())
		return err
	})
}

// Session implements portal.SessionStore: one statement by primary key.
func (s *Store) Session(ctx context.Context, portalID uuid.UUID, hash portal.TokenHash) (portal.Session, error) {
	ss := portal.Session{PortalID: portalID, Hash: hash}
	var (
		cid, by                []byte
		preview                int
		created, seen, expires int64
	)
	err := s.row(ctx, "SELECT contact_id, preview, preview_by, created_at, last_seen_at, expires_at FROM sessions WHERE portal_id = ? AND hash = ?",
		id(portalID), hash[:]).Scan(&cid, &preview, &by, &created, &seen, &expires)
	if err != nil {
		return portal.Session{}, mapErr("session", err)
	}
	if ss.ContactID, err = uuidOf(cid); err != nil {
		return portal.Session{}, mapErr("session", err)
	}
	ss.Preview, ss.PreviewBy = preview != 0, string(by)
	ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return ss, nil
}

// TouchSession implements portal.SessionStore.
func (s *Store) TouchSession(ctx context.Context, portalID uuid.UUID, hash portal.TokenHash, at time.Time) error {
	const touch = "UPDATE sessions SET last_seen_at = ? WHERE portal_id = ? AND hash = ? AND last_seen_at < ?"
	res, err := s.db.ExecContext(ctx, s.d.rebind(touch), at.UnixMicro(), id(portalID), hash[:], at.UnixMicro())
	if err != nil {
		return mapErr("touch session", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return nil
	}
	// Not touched: the session is gone, or was seen later already, or (on
	// a cluster) this node has not yet applied its creation. Again in a
	// transaction, whose start waits for that (wsrep_sync_wait).
	return s.transact(ctx, "touch session", func(x tx) error {
		if _, err := x.exec(ctx, touch, at.UnixMicro(), id(portalID), hash[:], at.UnixMicro()); err != nil {
			return err
		}
		var one int
		return x.row(ctx, "SELECT 1 FROM sessions WHERE portal_id = ? AND hash = ?", id(portalID), hash[:]).Scan(&one)
	})
}

// DeleteSession implements portal.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, portalID uuid.UUID, hash portal.TokenHash) error {
	return s.write(ctx, "delete session", portalID, func(t tx) error {
		_, err := t.exec(ctx, "DELETE FROM sessions WHERE portal_id = ? AND hash = ?", id(portalID), hash[:])
		return err
	})
}

// Sessions implements portal.SessionStore: by the sessions' index of
// contacts.
func (s *Store) Sessions(ctx context.Context, portalID, contactID uuid.UUID, preview bool) ([]portal.Session, error) {
	p := 0
	if preview {
		p = 1
	}
	rows, err := s.query(ctx, "SELECT hash, preview_by, created_at, last_seen_at, expires_at FROM sessions WHERE portal_id = ? AND contact_id = ? AND preview = ?",
		id(portalID), id(contactID), p)
	if err != nil {
		return nil, mapErr("sessions", err)
	}
	defer rows.Close()
	var out []portal.Session
	for rows.Next() {
		ss := portal.Session{PortalID: portalID, ContactID: contactID, Preview: preview}
		var (
			hash, by               []byte
			created, seen, expires int64
		)
		if err := rows.Scan(&hash, &by, &created, &seen, &expires); err != nil {
			return nil, mapErr("sessions", err)
		}
		if len(hash) != len(ss.Hash) {
			return nil, mapErr("sessions", fmt.Errorf("a session hash of %d bytes", len(hash)))
		}
		copy(ss.Hash[:], hash)
		ss.PreviewBy = string(by)
		ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
		out = append(out, ss)
	}
	return out, mapErr("sessions", rows.Err())
}

// DeleteSessions implements portal.SessionStore.
func (s *Store) DeleteSessions(ctx context.Context, portalID, contactID uuid.UUID, preview bool) (int, error) {
	p := 0
	if preview {
		p = 1
	}
	return s.deleteCount(ctx, "delete sessions", portalID,
		"DELETE FROM sessions WHERE portal_id = ? AND contact_id = ? AND preview = ?", id(portalID), id(contactID), p)
}

// DeleteExpiredTokens implements portal.TokenStore.
func (s *Store) DeleteExpiredTokens(ctx context.Context, portalID uuid.UUID, at time.Time) (int, error) {
	return s.deleteCount(ctx, "delete expired tokens", portalID,
		"DELETE FROM tokens WHERE portal_id = ? AND expires_at <= ?", id(portalID), at.UnixMicro())
}

// DeleteIdleSessions implements portal.SessionStore.
func (s *Store) DeleteIdleSessions(ctx context.Context, portalID uuid.UUID, expiredAt, idleSince time.Time) (int, error) {
	return s.deleteCount(ctx, "delete idle sessions", portalID,
		"DELETE FROM sessions WHERE portal_id = ? AND (expires_at <= ? OR last_seen_at <= ?)",
		id(portalID), expiredAt.UnixMicro(), idleSince.UnixMicro())
}

// deleteCount runs a DELETE in a write transaction of the tenant and
// returns the rows it deleted.
func (s *Store) deleteCount(ctx context.Context, op string, portalID uuid.UUID, q string, args ...any) (int, error) {
	var n int64
	err := s.write(ctx, op, portalID, func(t tx) error {
		res, err := t.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

func uuidCompare(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) }
