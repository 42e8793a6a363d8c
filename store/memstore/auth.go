package memstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// ids holds one tenant's logins, tokens and sessions. They live apart from
// the tenant's other records, under their own lock, so that a session's
// touch neither waits for a long list query nor forgets the query results
// the tenant keeps.
type ids struct {
	logins    map[uuid.UUID]portal.Login // by contact
	byEmail   map[string]uuid.UUID       // normalised e-mail → contact
	tokens    map[portal.TokenHash]portal.Token
	sessions  map[portal.TokenHash]portal.Session
	throttles map[string]portal.Throttle
	mails     map[uuid.UUID]portal.QueuedMail
}

// idsOf runs fn on the tenant's identity records under the identity lock;
// the tenant must exist.
func idsOf[T any](s *Store, portalID uuid.UUID, fn func(*ids) (T, error)) (T, error) {
	s.mu.RLock()
	_, ok := s.tenants[portalID]
	s.mu.RUnlock()
	if !ok {
		var zero T
		return zero, notFound("tenant", portalID)
	}
	s.idmu.Lock()
	defer s.idmu.Unlock()
	return fn(s.idsFor(portalID))
}

// idsFor returns the tenant's identity records, made when it has none;
// the caller holds the identity lock.
func (s *Store) idsFor(portalID uuid.UUID) *ids {
	x := s.ids[portalID]
	if x == nil {
		x = &ids{logins: map[uuid.UUID]portal.Login{}, byEmail: map[string]uuid.UUID{},
			tokens: map[portal.TokenHash]portal.Token{}, sessions: map[portal.TokenHash]portal.Session{},
			throttles: map[string]portal.Throttle{}, mails: map[uuid.UUID]portal.QueuedMail{}}
		if s.ids == nil {
			s.ids = map[uuid.UUID]*ids{}
		}
		s.ids[portalID] = x
	}
	return x
}

// Register implements portal.LoginStore: under the tenant's write lock
// and then the identity lock, as PutContact takes them.
func (s *Store) Register(_ context.Context, c portal.RegisterChange) error {
	pid, cid, email := c.Login.PortalID, c.Contact.ID, c.Login.Email
	return s.write(pid, func(t *tenant) error {
		s.idmu.Lock()
		defer s.idmu.Unlock()
		x := s.idsFor(pid)
		if _, ok := x.byEmail[email]; ok {
			return fmt.Errorf("memstore: login %q: %w", email, portal.ErrConflict)
		}
		if _, ok := x.logins[cid]; ok {
			return fmt.Errorf("memstore: login of %s: %w", cid, portal.ErrConflict)
		}
		old, had := t.contacts[cid]
		switch {
		case c.New && had:
			return fmt.Errorf("memstore: contact %s exists: %w", cid, portal.ErrConflict)
		case !c.New && (!had || portal.NormalizeEmail(old.Email) != email):
			return fmt.Errorf("memstore: contact %s: its e-mail changed: %w", cid, portal.ErrConflict)
		case c.New:
			ct := c.Contact.Clone()
			t.contacts[ct.ID] = ct
			t.indexContact(ct)
		}
		l := c.Login
		l.ContactID = cid
		x.logins[cid] = l
		x.byEmail[email] = cid
		return nil
	})
}

// set is a set of record IDs.
type set map[uuid.UUID]struct{}

// indexContact adds c to the tenant's e-mail and list indexes.
func (t *tenant) indexContact(c portal.Contact) {
	if t.byEmail == nil {
		t.byEmail, t.byList = map[string]set{}, map[uuid.UUID]set{}
	}
	e := portal.NormalizeEmail(c.Email)
	if t.byEmail[e] == nil {
		t.byEmail[e] = set{}
	}
	t.byEmail[e][c.ID] = struct{}{}
	for _, l := range c.Lists {
		if t.byList[l] == nil {
			t.byList[l] = set{}
		}
		t.byList[l][c.ID] = struct{}{}
	}
}

// unindexContact removes c from the tenant's e-mail and list indexes.
func (t *tenant) unindexContact(c portal.Contact) {
	e := portal.NormalizeEmail(c.Email)
	delete(t.byEmail[e], c.ID)
	if len(t.byEmail[e]) == 0 {
		delete(t.byEmail, e)
	}
	for _, l := range c.Lists {
		delete(t.byList[l], c.ID)
		if len(t.byList[l]) == 0 {
			delete(t.byList, l)
		}
	}
}

// followEmail checks and writes what follows from a contact's e-mail
// (portal.ContactChange), for PutContact, which holds the tenant's write
// lock (the identity lock is always taken after it, never before). old is
// the stored contact, when had. Nothing changes when it fails.
func (s *Store) followEmail(ch portal.ContactChange, old portal.Contact, had bool) error {
	s.idmu.Lock()
	defer s.idmu.Unlock()
	id := ch.Contact.ID
	x := s.ids[ch.Contact.PortalID]
	var l portal.Login
	hasLogin := false
	if x != nil {
		l, hasLogin = x.logins[id]
	}
	if ch.If != nil {
		was := ""
		if had {
			was = portal.NormalizeEmail(old.Email)
		}
		if was != ch.If.Email || l.Email != ch.If.Login || !ch.If.UpdatedAt.IsZero() && !ch.If.UpdatedAt.Equal(old.UpdatedAt) ||
			ch.If.Password != nil && (!hasLogin || l.PasswordHash != *ch.If.Password) {
			return fmt.Errorf("memstore: contact %s: changed since it was read: %w", id, portal.ErrConflict)
		}
	}
	if ch.LoginEmail != "" {
		if !hasLogin {
			return fmt.Errorf("memstore: contact %s: no login: %w", id, portal.ErrConflict)
		}
		if other, ok := x.byEmail[ch.LoginEmail]; ok && other != id {
			return fmt.Errorf("memstore: login %q: another contact's: %w", ch.LoginEmail, portal.ErrConflict)
		}
	}
	if ch.Mail != nil {
		x = s.idsFor(ch.Contact.PortalID) // ch.Mail.PortalID, as Portal sets it
		if _, ok := x.mails[ch.Mail.ID]; ok {
			return fmt.Errorf("memstore: queued mail %s: %w", ch.Mail.ID, portal.ErrConflict)
		}
		x.mails[ch.Mail.ID] = *ch.Mail
	}
	if x == nil {
		return nil
	}
	if ch.EndTokens {
		for h, tk := range x.tokens {
			if tk.ContactID == id {
				delete(x.tokens, h)
			}
		}
	}
	if ch.LoginEmail != "" {
		delete(x.byEmail, l.Email)
		l.Email, l.UpdatedAt = ch.LoginEmail, ch.Contact.UpdatedAt
		x.logins[id] = l
		x.byEmail[l.Email] = id
	}
	return nil
}

// ContactsByEmail implements portal.ContactIndex, from the e-mail index.
func (s *Store) ContactsByEmail(_ context.Context, portalID uuid.UUID, email string) ([]portal.Contact, error) {
	return read(s, portalID, func(t *tenant) ([]portal.Contact, error) {
		var out []portal.Contact
		for id := range t.byEmail[email] {
			out = append(out, t.contacts[id].Clone())
		}
		slices.SortFunc(out, func(a, b portal.Contact) int { return bytes.Compare(a.ID[:], b.ID[:]) })
		return out, nil
	})
}

// ListMembers implements portal.ContactIndex, from the list index: it
// reads the members of the lists, not every contact.
func (s *Store) ListMembers(_ context.Context, portalID uuid.UUID, lists []uuid.UUID, after uuid.UUID, limit int) ([]portal.Contact, error) {
	return read(s, portalID, func(t *tenant) ([]portal.Contact, error) {
		var ids []uuid.UUID
		for _, l := range lists {
			for id := range t.byList[l] {
				if bytes.Compare(id[:], after[:]) > 0 {
					ids = append(ids, id)
				}
			}
		}
		slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
		ids = slices.Compact(ids)
		ids = ids[:min(len(ids), max(limit, 0))]
		out := make([]portal.Contact, len(ids))
		for i, id := range ids {
			out[i] = t.contacts[id].Clone()
		}
		return out, nil
	})
}

func loginNotFound(contactID uuid.UUID) error {
	return fmt.Errorf("memstore: login of %s: %w", contactID, portal.ErrNotFound)
}

// CreateLogin implements portal.LoginStore.
//
// The tenant's read lock is held, then the identity lock, as PutContact
// takes them: the contact's e-mail cannot change between the check and the
// write.
func (s *Store) CreateLogin(_ context.Context, l portal.Login) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tenants[l.PortalID]
	if !ok {
		return notFound("tenant", l.PortalID)
	}
	if c, ok := t.contacts[l.ContactID]; ok && c.Email != "" && portal.NormalizeEmail(c.Email) != l.Email {
		return fmt.Errorf("memstore: login %q: the contact's e-mail is another: %w", l.Email, portal.ErrConflict)
	}
	s.idmu.Lock()
	defer s.idmu.Unlock()
	x := s.idsFor(l.PortalID)
	if _, ok := x.logins[l.ContactID]; ok {
		return fmt.Errorf("memstore: login of %s: %w", l.ContactID, portal.ErrConflict)
	}
	if _, ok := x.byEmail[l.Email]; ok {
		return fmt.Errorf("memstore: login %q: %w", l.Email, portal.ErrConflict)
	}
	x.logins[l.ContactID] = l
	x.byEmail[l.Email] = l.ContactID
	return nil
}

// UpdateLogin implements portal.LoginStore: the check and the write are
// made under the identity lock.
func (s *Store) UpdateLogin(_ context.Context, c portal.LoginChange) (portal.Login, error) {
	return idsOf(s, c.PortalID, func(x *ids) (portal.Login, error) {
		l, ok := x.logins[c.ContactID]
		if !ok {
			return portal.Login{}, loginNotFound(c.ContactID)
		}
		l, err := c.Apply(l)
		if err != nil {
			return portal.Login{}, err
		}
		x.logins[c.ContactID] = l
		return l, nil
	})
}

// Login implements portal.LoginStore.
func (s *Store) Login(_ context.Context, portalID, contactID uuid.UUID) (portal.Login, error) {
	return idsOf(s, portalID, func(x *ids) (portal.Login, error) {
		l, ok := x.logins[contactID]
		if !ok {
			return portal.Login{}, loginNotFound(contactID)
		}
		return l, nil
	})
}

// LoginByEmail implements portal.LoginStore.
func (s *Store) LoginByEmail(_ context.Context, portalID uuid.UUID, email string) (portal.Login, error) {
	return idsOf(s, portalID, func(x *ids) (portal.Login, error) {
		cid, ok := x.byEmail[email]
		if !ok {
			return portal.Login{}, fmt.Errorf("memstore: login %q: %w", email, portal.ErrNotFound)
		}
		return x.logins[cid], nil
	})
}

// PutToken implements portal.TokenStore.
func (s *Store) PutToken(_ context.Context, t portal.Token) error {
	_, err := idsOf(s, t.PortalID, func(x *ids) (struct{}, error) {
		if _, ok := x.tokens[t.Hash]; ok {
			return struct{}{}, fmt.Errorf("memstore: token: %w", portal.ErrConflict)
		}
		for h, o := range x.tokens {
			if o.Kind == t.Kind && o.ContactID == t.ContactID {
				delete(x.tokens, h)
			}
		}
		x.tokens[t.Hash] = t
		return struct{}{}, nil
	})
	return err
}

// TakeToken implements portal.TokenStore.
func (s *Store) TakeToken(_ context.Context, portalID uuid.UUID, kind portal.TokenKind, hash portal.TokenHash) (portal.Token, error) {
	return idsOf(s, portalID, func(x *ids) (portal.Token, error) {
		t, ok := x.tokens[hash]
		if !ok || t.Kind != kind {
			return portal.Token{}, fmt.Errorf("memstore: token: %w", portal.ErrNotFound)
		}
		delete(x.tokens, hash)
		return t, nil
	})
}

// PutSession implements portal.SessionStore.
func (s *Store) PutSession(_ context.Context, ss portal.Session) error {
	_, err := idsOf(s, ss.PortalID, func(x *ids) (struct{}, error) {
		if _, ok := x.sessions[ss.Hash]; ok {
			return struct{}{}, fmt.Errorf("memstore: session: %w", portal.ErrConflict)
		}
		x.sessions[ss.Hash] = ss
		return struct{}{}, nil
	})
	return err
}

// Session implements portal.SessionStore.
func (s *Store) Session(_ context.Context, portalID uuid.UUID, hash portal.TokenHash) (portal.Session, error) {
	return idsOf(s, portalID, func(x *ids) (portal.Session, error) {
		ss, ok := x.sessions[hash]
		if !ok {
			return portal.Session{}, fmt.Errorf("memstore: session: %w", portal.ErrNotFound)
		}
		return ss, nil
	})
}

// Sessions implements portal.SessionStore.
func (s *Store) Sessions(_ context.Context, portalID, contactID uuid.UUID, preview bool) ([]portal.Session, error) {
	return idsOf(s, portalID, func(x *ids) ([]portal.Session, error) {
		var out []portal.Session
		for _, ss := range x.sessions {
			if ss.ContactID == contactID && ss.Preview == preview {
				out = append(out, ss)
			}
		}
		return out, nil
	})
}

// TouchSession implements portal.SessionStore.
func (s *Store) TouchSession(_ context.Context, portalID uuid.UUID, hash portal.TokenHash, at time.Time) error {
	_, err := idsOf(s, portalID, func(x *ids) (struct{}, error) {
		ss, ok := x.sessions[hash]
		if !ok {
			return struct{}{}, fmt.Errorf("memstore: session: %w", portal.ErrNotFound)
		}
		if at.After(ss.LastSeenAt) {
			ss.LastSeenAt = at
			x.sessions[hash] = ss
		}
		return struct{}{}, nil
	})
	return err
}

// DeleteSession implements portal.SessionStore.
func (s *Store) DeleteSession(_ context.Context, portalID uuid.UUID, hash portal.TokenHash) error {
	_, err := idsOf(s, portalID, func(x *ids) (struct{}, error) {
		delete(x.sessions, hash)
		return struct{}{}, nil
	})
	return err
}

// DeleteSessions implements portal.SessionStore. It scans the tenant's
// sessions: password resets are rare.
func (s *Store) DeleteSessions(_ context.Context, portalID, contactID uuid.UUID, preview bool) (int, error) {
	return idsOf(s, portalID, func(x *ids) (int, error) {
		n := 0
		for h, ss := range x.sessions {
			if ss.ContactID == contactID && ss.Preview == preview {
				delete(x.sessions, h)
				n++
			}
		}
		return n, nil
	})
}

// DeleteExpiredTokens implements portal.TokenStore.
func (s *Store) DeleteExpiredTokens(_ context.Context, portalID uuid.UUID, at time.Time) (int, error) {
	return idsOf(s, portalID, func(x *ids) (int, error) {
		n := 0
		for h, t := range x.tokens {
			if !t.ExpiresAt.After(at) {
				delete(x.tokens, h)
				n++
			}
		}
		return n, nil
	})
}

// DeleteIdleSessions implements portal.SessionStore.
func (s *Store) DeleteIdleSessions(_ context.Context, portalID uuid.UUID, expiredAt, idleSince time.Time) (int, error) {
	return idsOf(s, portalID, func(x *ids) (int, error) {
		n := 0
		for h, ss := range x.sessions {
			if !ss.ExpiresAt.After(expiredAt) || !ss.LastSeenAt.After(idleSince) {
				delete(x.sessions, h)
				n++
			}
		}
		return n, nil
	})
}

// AddFailure implements portal.ThrottleStore.
func (s *Store) AddFailure(_ context.Context, portalID uuid.UUID, key string, at, since time.Time) (portal.Throttle, error) {
	return idsOf(s, portalID, func(x *ids) (portal.Throttle, error) {
		t := x.throttles[key]
		if t.FailedAt.Before(since) {
			t.Failures = 0
		}
		t.Failures++
		t.FailedAt = at
		x.throttles[key] = t
		return t, nil
	})
}

// Throttle implements portal.ThrottleStore.
func (s *Store) Throttle(_ context.Context, portalID uuid.UUID, key string) (portal.Throttle, error) {
	return idsOf(s, portalID, func(x *ids) (portal.Throttle, error) { return x.throttles[key], nil })
}

// ClearThrottle implements portal.ThrottleStore.
func (s *Store) ClearThrottle(_ context.Context, portalID uuid.UUID, key string) error {
	_, err := idsOf(s, portalID, func(x *ids) (struct{}, error) {
		delete(x.throttles, key)
		return struct{}{}, nil
	})
	return err
}

// DeleteThrottles implements portal.ThrottleStore.
func (s *Store) DeleteThrottles(_ context.Context, portalID uuid.UUID, since time.Time) (int, error) {
	return idsOf(s, portalID, func(x *ids) (int, error) {
		n := 0
		for k, t := range x.throttles {
			if t.FailedAt.Before(since) {
				delete(x.throttles, k)
				n++
			}
		}
		return n, nil
	})
}

// QueueMail implements portal.MailStore.
func (s *Store) QueueMail(_ context.Context, m portal.QueuedMail) error {
	_, err := idsOf(s, m.PortalID, func(x *ids) (struct{}, error) {
		if _, ok := x.mails[m.ID]; ok {
			return struct{}{}, fmt.Errorf("memstore: queued mail %s: %w", m.ID, portal.ErrConflict)
		}
		x.mails[m.ID] = m
		return struct{}{}, nil
	})
	return err
}

// DueMails implements portal.MailStore.
func (s *Store) DueMails(_ context.Context, portalID uuid.UUID, at time.Time, limit int) ([]portal.QueuedMail, error) {
	return idsOf(s, portalID, func(x *ids) ([]portal.QueuedMail, error) {
		var out []portal.QueuedMail
		for _, m := range x.mails {
			if !m.DueAt.After(at) {
				out = append(out, m)
			}
		}
		slices.SortFunc(out, func(a, b portal.QueuedMail) int {
			if c := a.DueAt.Compare(b.DueAt); c != 0 {
				return c
			}
			return bytes.Compare(a.ID[:], b.ID[:])
		})
		return out[:min(len(out), limit)], nil
	})
}

// ClaimMail implements portal.MailStore.
func (s *Store) ClaimMail(_ context.Context, portalID, id uuid.UUID, due, next time.Time) error {
	_, err := idsOf(s, portalID, func(x *ids) (struct{}, error) {
		m, ok := x.mails[id]
		switch {
		case !ok:
			return struct{}{}, notFound("queued mail", id)
		case !m.DueAt.Equal(due):
			return struct{}{}, fmt.Errorf("memstore: queued mail %s: taken: %w", id, portal.ErrConflict)
		}
		m.DueAt = next
		m.Attempts++
		x.mails[id] = m
		return struct{}{}, nil
	})
	return err
}

// DeleteMail implements portal.MailStore.
func (s *Store) DeleteMail(_ context.Context, portalID, id uuid.UUID) error {
	_, err := idsOf(s, portalID, func(x *ids) (struct{}, error) {
		delete(x.mails, id)
		return struct{}{}, nil
	})
	return err
}

// RestoreToken implements portal.TokenStore.
func (s *Store) RestoreToken(_ context.Context, t portal.Token) error {
	_, err := idsOf(s, t.PortalID, func(x *ids) (struct{}, error) {
		for _, other := range x.tokens {
			if other.ContactID == t.ContactID && other.Kind == t.Kind {
				return struct{}{}, fmt.Errorf("memstore: token of %s: replaced: %w", t.ContactID, portal.ErrConflict)
			}
		}
		x.tokens[t.Hash] = t
		return struct{}{}, nil
	})
	return err
}
