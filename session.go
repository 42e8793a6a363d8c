package portal

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Session is a logged-in visit to the portal (A6), or a helpdesk user's
// preview (A5), as the store keeps it: never its token, only the token's
// SHA-256.
type Session struct {
	PortalID  uuid.UUID
	Hash      TokenHash
	ContactID uuid.UUID
	// Preview marks a helpdesk user's read-only preview as the contact
	// (A5); PreviewBy names that user, as the host gave it.
	Preview   bool
	PreviewBy string
	CreatedAt time.Time
	// LastSeenAt is the last activity the store knows of (see
	// Authenticate: it lags by less than a tenth of the idle timeout).
	LastSeenAt time.Time
	// ExpiresAt is the end of the session's absolute lifetime.
	ExpiresAt time.Time
}

// Viewer is the viewer the session acts as, for ListTickets and the other
// customer operations. A preview's viewer may read, never act.
func (s Session) Viewer() Viewer {
	return Viewer{PortalID: s.PortalID, ContactID: s.ContactID, Preview: s.Preview}
}

// newSession begins a session and returns its token.
func (p *Portal) newSession(ctx context.Context, portalID, contactID uuid.UUID, previewBy string) (string, Session, error) {
	tok, hash, err := newToken()
	if err != nil {
		return "", Session{}, err
	}
	now := p.clock()
	s := Session{PortalID: portalID, Hash: hash, ContactID: contactID, Preview: previewBy != "", PreviewBy: previewBy,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(p.auth.SessionLifetime)}
	if err := p.as.PutSession(ctx, s); err != nil {
		return "", Session{}, classify(err)
	}
	return tok, s, nil
}

// errNoSession is the answer to a session token that is malformed,
// unknown, of another portal, ended, idle too long or too old.
var errNoSession = fmt.Errorf("%w: no valid session", ErrUnauthenticated)

// Authenticate returns the session of a token, checking on every call what
// lets it in (A3, A6, S14, S15): the portal is on (else ErrPortalDisabled;
// the session is kept and works again once the portal is on), the session
// exists in this portal, has not been idle longer than the settings'
// IdleTimeout and is younger than AuthOptions.SessionLifetime (else
// ErrUnauthenticated; a session found expired is ended), its contact
// exists, and under access groups the contact is still in one of them
// (else ErrForbidden, and the session is ended). A preview is not held to
// the access groups.
//
// Each call counts as activity and slides the idle window. So that a busy
// session does not write on every request, the store's LastSeenAt is moved
// only once it lags by more than a tenth of the idle timeout: a session
// therefore ends after between 90% and 100% of the idle timeout without
// activity.
func (p *Portal) Authenticate(ctx context.Context, portalID uuid.UUID, token string) (Session, error) {
	if err := p.ways(); err != nil {
		return Session{}, err
	}
	hash, ok := parseToken(token)
	if !ok {
		return Session{}, errNoSession
	}
	set, err := p.portalOn(ctx, portalID)
	if err != nil {
		return Session{}, err
	}
	s, err := p.as.Session(ctx, portalID, hash)
	if isNotFound(err) {
		return Session{}, errNoSession
	} else if err != nil {
		return Session{}, classify(err)
	}
	now := p.clock()
	idle := now.Sub(s.LastSeenAt)
	if !now.Before(s.ExpiresAt) || idle >= set.IdleTimeout {
		return Session{}, p.end(ctx, s, errNoSession)
	}
	c, err := p.contact(ctx, portalID, s.ContactID)
	if isNotFound(err) {
		return Session{}, p.end(ctx, s, errNoSession)
	} else if err != nil {
		return Session{}, classify(err)
	}
	if !s.Preview && !inAccessGroups(&set, &c) {
		return Session{}, p.end(ctx, s, errAccessDenied)
	}
	if idle > set.IdleTimeout/10 {
		if err := p.as.TouchSession(ctx, portalID, hash, now); err != nil && !isNotFound(err) {
			return Session{}, classify(err)
		}
		s.LastSeenAt = now
	}
	return s, nil
}

// end ends a session and returns why.
func (p *Portal) end(ctx context.Context, s Session, why error) error {
	if err := p.as.DeleteSession(ctx, s.PortalID, s.Hash); err != nil {
		return classify(err)
	}
	return why
}

// Logout ends the session of a token at once (A6, P9). Ending a session
// that does not exist (or no longer does) is not an error, and logout works
// while the portal is off.
func (p *Portal) Logout(ctx context.Context, portalID uuid.UUID, token string) error {
	if err := p.ways(); err != nil {
		return err
	}
	hash, ok := parseToken(token)
	if !ok {
		return nil
	}
	return classify(p.as.DeleteSession(ctx, portalID, hash))
}

// Preview begins a read-only session in which a helpdesk user, named by
// the host with by (1–200 characters), sees the portal as the contact does
// (A5), without the contact's credentials. The host must have checked that
// the user is logged in to the helpdesk and may do this. The session is
// marked as a preview (Session.Preview, Viewer.Preview): every customer
// action through it fails with ErrForbidden. It fails with
// ErrPortalDisabled while the portal is off and ErrNotFound when there is
// no such contact.
func (p *Portal) Preview(ctx context.Context, portalID, contactID uuid.UUID, by string) (string, Session, error) {
	var ps problems
	checkText(&ps, "by", by, 1, 200)
	if err := ps.err(); err != nil {
		return "", Session{}, err
	}
	if _, err := p.portalOn(ctx, portalID); err != nil {
		return "", Session{}, err
	}
	if _, err := p.contact(ctx, portalID, contactID); err != nil {
		return "", Session{}, classify(err)
	}
	return p.newSession(ctx, portalID, contactID, by)
}

// PurgeExpired deletes the tenant's sessions that have ended by idleness
// (S15) or age, and its expired tokens, and returns how many of each; the
// failure counts of login throttling older than AuthOptions.ForgetAfter;
// queued mails no delivery took for MaxMailAge (a host that runs no mail
// delivery would gather receipts, P15); and the attachment files of
// replies and submissions that never committed (their process died
// between putting the files and the commit), an hour after. Such records
// grant or slow nothing; a host calls this now and then (say, hourly) so
// that they do not pile up. It works while the portal is off. Over a
// store without an AuthStore it deletes the files alone.
func (p *Portal) PurgeExpired(ctx context.Context, portalID uuid.UUID) (sessions, tokens int, err error) {
	s, err := p.store.Settings(ctx, portalID)
	if err != nil {
		return 0, 0, classify(err)
	}
	if p.as != nil {
		now := p.clock()
		if sessions, err = p.as.DeleteIdleSessions(ctx, portalID, now, now.Add(-s.IdleTimeout)); err != nil {
			return 0, 0, classify(err)
		}
		if tokens, err = p.as.DeleteExpiredTokens(ctx, portalID, now); err != nil {
			return sessions, 0, classify(err)
		}
		if _, err = p.as.DeleteThrottles(ctx, portalID, now.Add(-p.auth.ForgetAfter)); err != nil {
			return sessions, tokens, classify(err)
		}
		if err = p.purgeMail(ctx, portalID, now.Add(-MaxMailAge)); err != nil {
			return sessions, tokens, err
		}
	}
	if _, err = p.purgeOrphans(ctx, portalID); err != nil {
		return sessions, tokens, err
	}
	return sessions, tokens, nil
}
