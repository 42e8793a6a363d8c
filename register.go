// Self-registration (S11, S13, A2): registering with consent, and
// completing it with the mailed token.

package portal

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// CompleteRegistration sets the password of a contact that registered
// (A2), with the token of its registration mail, as AcceptInvitation does.
func (p *Portal) CompleteRegistration(ctx context.Context, portalID uuid.UUID, token, password string) (err error) {
	defer p.speak(ctx, Viewer{PortalID: portalID}, &err)
	return p.setPassword(ctx, portalID, TokenRegistration, token, password)
}

// emailTaken reports whether another contact than c logs in with c's
// e-mail: contacts may share an e-mail, logins may not (S11).
func (p *Portal) emailTaken(ctx context.Context, portalID uuid.UUID, c *Contact) (bool, error) {
	l, err := p.as.LoginByEmail(ctx, portalID, NormalizeEmail(c.Email))
	switch {
	case isNotFound(err):
		return false, nil
	case err != nil:
		return false, classify(err)
	}
	return l.ContactID != c.ID, nil
}

// Registration is what a contact enters to register (A2).
type Registration struct {
	Email     string // [email]
	FirstName string // [firstName]
	LastName  string // [lastName]
	// Consent: the contact ticked the consent checkbox (S13) [consent].
	Consent bool
}

// Register registers a contact under self-registration (A2, S13) and
// queues a mail with a link to set its password (TokenRegistration), which
// proves that the e-mail is its own. The login records the version of the
// consent text accepted (ConsentVersion) and when, at every registration:
// registering again an e-mail whose login has no password yet (a
// registration not completed, or a single sign-on login made before the
// portal used passwords) records the consent accepted this time and
// queues a new link.
// An e-mail with no contact creates one; a known one is linked to its
// contact (the lowest ID among several).
//
// To the caller, registering an e-mail that already has a login with a
// password looks exactly like a new registration (nil): the owner gets a
// password-reset mail instead, and the login, its consent record included,
// stays as it is (the caller has proved nothing). It fails with
// ErrPortalDisabled while the portal is off, ErrForbidden unless the portal
// uses self-registration with password login, and ErrInvalid naming
// "consent" without consent or "email" for an address that is not one.
func (p *Portal) Register(ctx context.Context, portalID uuid.UUID, r Registration) (err error) {
	defer p.speak(ctx, Viewer{PortalID: portalID}, &err)
	s, err := p.portalOn(ctx, portalID)
	if err != nil {
		return err
	}
	switch {
	case s.Access.Mode != SelfRegistration:
		return fmt.Errorf("%w: the portal does not offer registration (S11)", ErrForbidden)
	case s.Access.Auth != PasswordAuth:
		return fmt.Errorf("%w: the portal uses single sign-on; register through it", ErrForbidden)
	case p.mailer == nil:
		return errNoMailer
	}
	email := NormalizeEmail(r.Email)
	var ps problems
	checkEmail(&ps, "email", email, true)
	checkText(&ps, "firstName", r.FirstName, 0, 100)
	checkText(&ps, "lastName", r.LastName, 0, 100)
	if !r.Consent {
		ps.add("consent", "the consent statement must be accepted")
	}
	if err := ps.err(); err != nil {
		return err
	}
	version := ConsentVersion(s.Consent)
	for attempt := 1; ; attempt++ {
		l, err := p.as.LoginByEmail(ctx, portalID, email)
		switch {
		case err == nil && l.PasswordHash == "":
			// Registered before (or signed in without consent) and not
			// completed: the consent is the one accepted now (S13).
			if _, err := p.as.UpdateLogin(ctx, LoginChange{PortalID: portalID, ContactID: l.ContactID, At: p.clock(), Consent: version}); err != nil {
				return classify(err)
			}
			return p.queueMail(ctx, portalID, TokenRegistration, uuid.Nil, email)
		case err == nil:
			return p.queueMail(ctx, portalID, TokenReset, uuid.Nil, email)
		case !isNotFound(err):
			return classify(err)
		}
		// A new login, of the contact with the e-mail or of a new one: one
		// step, so that no failure leaves a contact without its login, and
		// concurrent registrations make one of each.
		now := p.clock()
		c := Contact{PortalID: portalID, Email: email, FirstName: strings.TrimSpace(r.FirstName),
			LastName: strings.TrimSpace(r.LastName), CreatedAt: now, UpdatedAt: now}
		if c.ID, err = p.id(); err != nil {
			return err
		}
		l = Login{PortalID: portalID, Email: email, ConsentVersion: version, ConsentAt: now, CreatedAt: now, UpdatedAt: now}
		ch, taken, err := p.registration(ctx, c, l)
		switch {
		case err != nil:
			return err
		case taken:
			return nil // the answer does not say
		}
		err = p.as.Register(ctx, ch)
		if err == nil {
			return p.queueMail(ctx, portalID, TokenRegistration, uuid.Nil, email)
		}
		// Registered a moment ago by another request, or by this one if
		// the store failed after its commit (a lost acknowledgement), or
		// the contact's e-mail changed meanwhile: look again, so that this
		// registration's consent is recorded and its mail sent. A
		// registration that truly failed is tried once more.
		if again := lostRace(err) || attempt == 1 && !unwritten(err); !again || attempt == maxAttempts {
			return classify(err)
		}
	}
}

// registration decides whose login the first registration of an e-mail
// makes (A2, and a first single sign-on): the tenant's contact with the
// e-mail, of several the lowest ID, else c, a new contact. l is the login,
// of c.Email. taken reports that the contact with the e-mail has a login
// already, under another e-mail: no registration of this one can make it
// one.
func (p *Portal) registration(ctx context.Context, c Contact, l Login) (ch RegisterChange, taken bool, err error) {
	cs, err := p.as.ContactsByEmail(ctx, c.PortalID, l.Email)
	if err != nil {
		return RegisterChange{}, false, classify(err)
	}
	ch = RegisterChange{Contact: c, New: true, Login: l}
	if len(cs) > 0 {
		ch.Contact, ch.New = cs[0], false
		switch _, err := p.as.Login(ctx, c.PortalID, ch.Contact.ID); {
		case err == nil:
			return RegisterChange{}, true, nil
		case !isNotFound(err):
			return RegisterChange{}, false, classify(err)
		}
	}
	ch.Login.ContactID = ch.Contact.ID
	return ch, false, nil
}
