// Passwordless login (A7): asking for a sign-in link, and signing in with
// its token.

package portal

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// RequestSignInLink queues a mail with a sign-in link to the login of
// email (A7), when the settings allow them (Access.SignInLinks): the
// delivery (DeliverMail) sends it a single-use token that expires after
// AuthOptions.SignInTTL (15 minutes) and replaces an earlier one. As for
// a password reset, an e-mail without a login, or whose contact is in none
// of the access groups, gets nothing, and the request's answer and work
// are the same for every address (nil, and one queued mail); requests are
// limited per address and per client (AuthOptions.MailsPerHour,
// ClientMailsPerHour). It fails with ErrPortalDisabled while the portal
// is off, and with ErrForbidden when sign-in links are off or the portal
// uses single sign-on.
func (p *Portal) RequestSignInLink(ctx context.Context, portalID uuid.UUID, email string) (err error) {
	defer p.speak(ctx, Viewer{PortalID: portalID}, &err)
	if _, err := p.linksOn(ctx, portalID); err != nil {
		return err
	}
	return p.requestMail(ctx, portalID, TokenSignIn, email)
}

// SignIn begins a session with the token of a sign-in link (A7) and
// returns the session's token and the session, as Login does. The token is
// used up, whatever the outcome. Under the rules of a password login: the
// portal is on (else ErrPortalDisabled), sign-in links are still allowed
// (else ErrForbidden), the contact exists and, under access groups, is in
// one of them (else ErrForbidden). A token that is malformed, unknown, of
// another portal, used or expired is ErrInvalid naming "token", all five
// alike. A sign-in ends the throttling of the login from this client, as
// a successful password login does.
func (p *Portal) SignIn(ctx context.Context, portalID uuid.UUID, token string) (_ string, _ Session, err error) {
	defer p.speak(ctx, Viewer{PortalID: portalID}, &err)
	s, err := p.linksOn(ctx, portalID)
	if err != nil {
		return "", Session{}, err
	}
	hash, ok := parseToken(token)
	if !ok {
		return "", Session{}, errBadToken()
	}
	t, err := p.as.TakeToken(ctx, portalID, TokenSignIn, hash)
	if isNotFound(err) {
		return "", Session{}, errBadToken()
	} else if err != nil {
		return "", Session{}, classify(err)
	}
	if !p.clock().Before(t.ExpiresAt) {
		return "", Session{}, errBadToken()
	}
	// The login is the token's still: a change of its e-mail, or its
	// deletion, ended the contact's tokens (DirectoryStore.PutContact).
	l, err := p.as.Login(ctx, portalID, t.ContactID)
	if isNotFound(err) {
		return "", Session{}, errBadToken()
	} else if err != nil {
		return "", Session{}, classify(err)
	}
	c, err := p.contact(ctx, portalID, t.ContactID)
	if isNotFound(err) {
		return "", Session{}, errBadToken()
	} else if err != nil {
		return "", Session{}, classify(err)
	}
	if !inAccessGroups(&s, &c) {
		return "", Session{}, errAccessDenied
	}
	tok, sess, err := p.newSession(ctx, portalID, c.ID, "")
	if err != nil {
		return "", Session{}, err
	}
	if err := p.as.ClearThrottle(ctx, portalID, keysOf(ctx, l.Email).login); err != nil {
		return "", Session{}, classify(err)
	}
	return tok, sess, nil
}

// linksOn begins a way in by sign-in link: the portal is on, uses
// passwords, and allows the links.
func (p *Portal) linksOn(ctx context.Context, portalID uuid.UUID) (Settings, error) {
	s, err := p.passwordsOn(ctx, portalID)
	if err != nil {
		return Settings{}, err
	}
	if !s.Access.SignInLinks {
		return Settings{}, fmt.Errorf("%w: the portal's settings allow no sign-in links", ErrForbidden)
	}
	return s, nil
}
