// Logging in (A4): with a password, throttled per client (A8), or with
// an identity the host's single sign-on vouches for.

package portal

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Login checks an e-mail and password (A4) and begins a session: it
// returns the session's token, for the host to keep in a cookie, and the
// session. The e-mail is normalised (NormalizeEmail).
//
// An unknown e-mail, a wrong password, a login without a password and a
// throttled login all give the same error (ErrUnauthenticated) after the
// same work (one password hash), so a caller cannot tell them apart.
// Failures slow down the client that makes them (A8): after
// AuthOptions.SlowAfter failures in a row on one login from one client
// (the address ctx carries, WithClient), or ClientSlowAfter on any, that
// client's attempts are refused until a doubling back-off has passed; a
// success or a new password ends the login's. Other clients are not
// slowed, so no one can lock a customer out. A contact whose password
// is right but who is in none of the access groups gets the same answer
// as a wrong password, and it counts as one: the answer never confirms a
// password that opens nothing here (a session of a contact who has left
// the groups, and a single sign-on outside them, get ErrForbidden). A
// password reset that lands while a login is being checked wins: the login
// is checked again against the new password and, with the old one, fails
// as a wrong password does (it gets no session and writes nothing back).
// It fails with ErrPortalDisabled while the portal is off, and with
// ErrForbidden when the portal uses single sign-on: there, the portal keeps
// no passwords.
func (p *Portal) Login(ctx context.Context, portalID uuid.UUID, email, password string) (_ string, _ Session, err error) {
	defer p.speak(ctx, Viewer{PortalID: portalID}, &err)
	s, err := p.passwordsOn(ctx, portalID)
	if err != nil {
		return "", Session{}, err
	}
	tooLong := len(password) > MaxPasswordLength // never right: refused like an unknown e-mail
	if tooLong {
		password = password[:MaxPasswordLength]
	}
	l, err := p.as.LoginByEmail(ctx, portalID, NormalizeEmail(email))
	if err != nil && !isNotFound(err) {
		return "", Session{}, classify(err)
	}
	now := p.clock()
	keys := keysOf(ctx, email)
	throttled, terr := p.throttled(ctx, portalID, keys, now)
	if terr != nil {
		return "", Session{}, terr
	}
	if err != nil || tooLong || l.PasswordHash == "" || throttled {
		verifyPassword(p.dummy.get(p.auth.Password), password, p.auth.Password)
		if !throttled { // a refused attempt is not counted: it was not tried
			if err := p.failed(ctx, portalID, keys, now); err != nil {
				return "", Session{}, err
			}
		}
		return "", Session{}, errBadCredentials
	}
	// wrong counts a failure of the login and the client, and answers as
	// for a wrong password.
	wrong := func() (string, Session, error) {
		if err := p.loginFailed(ctx, l, now); err != nil {
			return "", Session{}, err
		}
		if err := p.failed(ctx, portalID, keys, now); err != nil {
			return "", Session{}, err
		}
		return "", Session{}, errBadCredentials
	}
	// The contact is read whether or not the password is right, so that
	// the work tells no more than the answer.
	c, cerr := p.contact(ctx, portalID, l.ContactID)
	if cerr != nil && !isNotFound(cerr) {
		return "", Session{}, classify(cerr)
	}
	ok, stale := verifyPassword(l.PasswordHash, password, p.auth.Password)
	if !ok || cerr != nil || !inAccessGroups(&s, &c) {
		// A right password that opens nothing reads as a wrong one, and
		// counts as one: a password tried here must not be confirmed to a
		// caller who could use it elsewhere (A8).
		return wrong()
	}
	hash := l.PasswordHash
	if stale {
		if hash, err = p.auth.Password.hash(password); err != nil {
			return "", Session{}, classify(err)
		}
	}
	// The session is stored before the login's hash is checked again: a
	// reset writes the new hash before it ends the contact's sessions, so
	// either it ends this session too or loginSucceeded sees the new hash
	// and this session is taken back. No session outlives a reset.
	tok, sess, err := p.newSession(ctx, portalID, c.ID, "")
	if err != nil {
		return "", Session{}, err
	}
	if err := p.loginSucceeded(ctx, l, password, hash, now); err != nil {
		if derr := p.as.DeleteSession(ctx, portalID, sess.Hash); derr != nil {
			return "", Session{}, classify(derr)
		}
		return "", Session{}, err
	}
	if err := p.as.ClearThrottle(ctx, portalID, keys.login); err != nil {
		return "", Session{}, classify(err)
	}
	return tok, sess, nil
}

// loginFailed counts a failed password login of l (A4); a login deleted
// meanwhile has nothing to count.
func (p *Portal) loginFailed(ctx context.Context, l Login, now time.Time) error {
	_, err := p.as.UpdateLogin(ctx, LoginChange{PortalID: l.PortalID, ContactID: l.ContactID, At: now, Failed: true})
	if err != nil && !isNotFound(err) {
		return classify(err)
	}
	return nil
}

// loginSucceeded records the success of a login whose password was checked
// against l.PasswordHash: it ends the throttling and stores hash (a rehash,
// or the checked hash), only while the stored hash is still the checked one
// (LoginChange.IfPassword), so that a login checked against an old hash
// never writes it back. When the hash changed meanwhile, the password is
// checked once more against the new one: after another login's rehash (or
// a reset to the same password) it is still right; after a reset to another
// password it is wrong, and the login fails as a wrong password does.
func (p *Portal) loginSucceeded(ctx context.Context, l Login, password, hash string, now time.Time) error {
	checked := l.PasswordHash
	for again := false; ; again = true {
		_, err := p.as.UpdateLogin(ctx, LoginChange{PortalID: l.PortalID, ContactID: l.ContactID, At: now,
			IfPassword: checked, Password: hash})
		switch {
		case err == nil:
			return nil
		case isNotFound(err):
			return errBadCredentials
		case !lostRace(err):
			return classify(err)
		case again:
			return errBadCredentials // changed twice while it was checked
		}
		cur, err := p.as.Login(ctx, l.PortalID, l.ContactID)
		if isNotFound(err) {
			return errBadCredentials
		} else if err != nil {
			return classify(err)
		}
		ok, stale := false, false
		if cur.PasswordHash != "" {
			ok, stale = verifyPassword(cur.PasswordHash, password, p.auth.Password)
		}
		if !ok {
			if err := p.loginFailed(ctx, l, now); err != nil {
				return err
			}
			return errBadCredentials
		}
		checked, hash = cur.PasswordHash, cur.PasswordHash
		if stale {
			if hash, err = p.auth.Password.hash(password); err != nil {
				return classify(err)
			}
		}
	}
}

// Identity is what the host's identity provider vouches for in a single
// sign-on (S11, A4). The library speaks no SAML or OIDC itself.
type Identity struct {
	Email string // [identity.email]
	// EmailVerified: the provider has verified that the e-mail is the
	// person's. Without it, SSOLogin refuses the identity.
	EmailVerified bool
	FirstName     string
	LastName      string
	// Consent: the person accepted the consent statement (S13) on the
	// host's page; needed only when the login registers a new one under
	// self-registration [identity.consent].
	Consent bool
}

// SSOLogin begins a session for a person the host's identity provider
// vouches for (A4): it returns the session's token and the session, as
// Login does. The portal must use single sign-on (else ErrForbidden), and
// the identity must carry a verified e-mail (else ErrUnauthenticated).
//
// The first time an e-mail signs in, a login is made for it: under access
// groups for the contact with that e-mail that is in one of the groups
// (none: ErrForbidden); under self-registration for the contact with that
// e-mail, or a new one, when the identity carries consent (else ErrInvalid
// naming "identity.consent"), recording the consent version.
func (p *Portal) SSOLogin(ctx context.Context, portalID uuid.UUID, id Identity) (_ string, _ Session, err error) {
	defer p.speak(ctx, Viewer{PortalID: portalID}, &err)
	s, err := p.portalOn(ctx, portalID)
	if err != nil {
		return "", Session{}, err
	}
	if s.Access.Auth != SingleSignOn {
		return "", Session{}, fmt.Errorf("%w: the portal does not use single sign-on", ErrForbidden)
	}
	if !id.EmailVerified {
		return "", Session{}, fmt.Errorf("%w: the identity's e-mail is not verified", ErrUnauthenticated)
	}
	email := NormalizeEmail(id.Email)
	var ps problems
	checkEmail(&ps, "identity.email", email, true)
	checkText(&ps, "identity.firstName", id.FirstName, 0, 100)
	checkText(&ps, "identity.lastName", id.LastName, 0, 100)
	if err := ps.err(); err != nil {
		return "", Session{}, err
	}
	l, err := p.as.LoginByEmail(ctx, portalID, email)
	switch {
	case isNotFound(err):
		if l, err = p.ssoRegister(ctx, &s, portalID, email, id); err != nil {
			return "", Session{}, err
		}
	case err != nil:
		return "", Session{}, classify(err)
	}
	c, err := p.contact(ctx, portalID, l.ContactID)
	if isNotFound(err) {
		return "", Session{}, fmt.Errorf("%w: the login's contact is gone", ErrUnauthenticated)
	} else if err != nil {
		return "", Session{}, classify(err)
	}
	if !inAccessGroups(&s, &c) {
		return "", Session{}, errAccessDenied
	}
	return p.newSession(ctx, portalID, c.ID, "")
}

// ssoRegister makes the login of an e-mail's first single sign-on.
func (p *Portal) ssoRegister(ctx context.Context, s *Settings, portalID uuid.UUID, email string, id Identity) (Login, error) {
	now := p.clock()
	l := Login{PortalID: portalID, Email: email, CreatedAt: now, UpdatedAt: now}
	if s.Access.Mode == AccessGroups {
		cs, err := p.as.ContactsByEmail(ctx, portalID, email)
		if err != nil {
			return Login{}, classify(err)
		}
		i := slices.IndexFunc(cs, func(c Contact) bool { return inAccessGroups(s, &c) })
		if i < 0 {
			return Login{}, errAccessDenied
		}
		l.ContactID = cs[i].ID
	} else {
		if !id.Consent {
			return Login{}, invalid("identity.consent", "the consent statement must be accepted")
		}
		// The contact with the e-mail, or a new one, with its login: in
		// one step.
		c := Contact{PortalID: portalID, Email: email, FirstName: strings.TrimSpace(id.FirstName),
			LastName: strings.TrimSpace(id.LastName), CreatedAt: now, UpdatedAt: now}
		var err error
		if c.ID, err = p.id(); err != nil {
			return Login{}, err
		}
		l.ConsentVersion, l.ConsentAt = ConsentVersion(s.Consent), now
		for attempt := 1; ; attempt++ {
			ch, taken, err := p.registration(ctx, c, l)
			switch {
			case err != nil:
				return Login{}, err
			case taken:
				return Login{}, errLoginElsewhere
			}
			err = p.as.Register(ctx, ch)
			if err == nil {
				return ch.Login, nil
			}
			// Lost to a concurrent first sign-on (its login is used), or
			// the contact's e-mail changed meanwhile (decided again).
			got, rerr := p.ssoRaced(ctx, portalID, email, err)
			if rerr == nil || !lostRace(err) || attempt == maxAttempts {
				return got, rerr
			}
		}
	}
	if err := p.as.CreateLogin(ctx, l); err != nil {
		return p.ssoRaced(ctx, portalID, email, err)
	}
	return l, nil
}

// ssoRaced answers a first sign-on whose write failed with err: when it
// lost a race, a concurrent first sign-on made the login, or the contact
// has a login under another e-mail; the login of this e-mail is used if
// there is one.
func (p *Portal) ssoRaced(ctx context.Context, portalID uuid.UUID, email string, err error) (Login, error) {
	if !lostRace(err) {
		return Login{}, classify(err)
	}
	got, err := p.as.LoginByEmail(ctx, portalID, email)
	if err != nil {
		return Login{}, errLoginElsewhere
	}
	return got, nil
}

// errLoginElsewhere: a first sign-on's contact has a login under another
// e-mail.
var errLoginElsewhere = fmt.Errorf("%w: the contact has a login under another e-mail", ErrConflict)
