// Access groups (S11, A3): invitations to the members of the portal's
// contact lists, and accepting one by setting a password.

package portal

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// Invite queues an invitation (A3) to every contact of the portal's access
// groups (S11) that has no password yet, and returns how many it queued;
// the mail delivery (DeliverMail) sends them. Each invitation carries a
// single-use token that expires after AuthOptions.InvitationTTL and
// replaces any earlier invitation of that contact. It is a host operation
// and works while the portal is off, so that invitations can go out before
// it opens. It fails with ErrForbidden unless the portal uses access
// groups with password login.
//
// Contacts may share an e-mail; logins may not (S11). Invite skips a
// contact whose e-mail another contact already logs in with: its
// invitation could never be accepted. Of contacts sharing an e-mail that
// none logs in with yet, each is invited, and the first to accept has the
// login.
func (p *Portal) Invite(ctx context.Context, portalID uuid.UUID) (int, error) {
	if err := p.ways(); err != nil {
		return 0, err
	}
	s, err := p.inviteSettings(ctx, portalID)
	if err != nil {
		return 0, err
	}
	sent := 0
	after := uuid.Nil
	for {
		cs, err := p.as.ListMembers(ctx, portalID, s.Access.Lists, after, MaxPageSize)
		if err != nil {
			return sent, classify(err)
		}
		for _, c := range cs {
			l, err := p.as.Login(ctx, portalID, c.ID)
			switch {
			case err == nil && l.PasswordHash != "":
				continue // already in
			case err != nil && !isNotFound(err):
				return sent, classify(err)
			case err != nil:
				if taken, err := p.emailTaken(ctx, portalID, &c); err != nil {
					return sent, err
				} else if taken {
					continue // its e-mail is another contact's login
				}
			}
			if err := p.queueMail(ctx, portalID, TokenInvitation, c.ID, c.Email); err != nil {
				return sent, err
			}
			sent++
		}
		if len(cs) < MaxPageSize {
			return sent, nil
		}
		after = cs[len(cs)-1].ID
	}
}

// InviteContact queues an invitation to one contact of the access groups,
// as Invite does, whether or not it has a password (a re-invitation replaces
// the earlier one). A contact in none of the groups is ErrForbidden; one
// whose e-mail another contact logs in with, a *ConflictError (ErrConflict)
// naming "email".
func (p *Portal) InviteContact(ctx context.Context, portalID, contactID uuid.UUID) error {
	if err := p.ways(); err != nil {
		return err
	}
	s, err := p.inviteSettings(ctx, portalID)
	if err != nil {
		return err
	}
	c, err := p.contact(ctx, portalID, contactID)
	if err != nil {
		return classify(err)
	}
	if !inAccessGroups(&s, &c) {
		return errAccessDenied
	}
	if taken, err := p.emailTaken(ctx, portalID, &c); err != nil {
		return err
	} else if taken {
		return errEmailTaken()
	}
	return p.queueMail(ctx, portalID, TokenInvitation, c.ID, c.Email)
}

func (p *Portal) inviteSettings(ctx context.Context, portalID uuid.UUID) (Settings, error) {
	s, err := p.store.Settings(ctx, portalID)
	if err != nil {
		return Settings{}, classify(err)
	}
	switch {
	case s.Access.Mode != AccessGroups:
		return Settings{}, fmt.Errorf("%w: invitations are for access groups (S11)", ErrForbidden)
	case s.Access.Auth != PasswordAuth:
		return Settings{}, fmt.Errorf("%w: invitations set passwords; the portal uses single sign-on", ErrForbidden)
	case p.mailer == nil:
		return Settings{}, errNoMailer
	}
	return s, nil
}

// AcceptInvitation completes an invitation (A3): it sets the password of
// the invited contact, creating its login, and uses the token up. A token
// that is malformed, unknown, of another portal, used or expired gives an
// ErrInvalid naming "token"; a password that breaks the rules (at least
// AuthOptions.MinPasswordLength characters, at most MaxPasswordLength bytes,
// not a common password, not the e-mail) an ErrInvalid naming "password",
// and leaves the token usable. So does an e-mail that another contact logs
// in with (it shares the e-mail, and accepted its invitation first): that
// gives a *ConflictError (ErrConflict) naming "email", and no login is made.
// It fails with ErrPortalDisabled while the portal is off.
func (p *Portal) AcceptInvitation(ctx context.Context, portalID uuid.UUID, token, password string) (err error) {
	defer p.speak(ctx, Viewer{PortalID: portalID}, &err)
	return p.setPassword(ctx, portalID, TokenInvitation, token, password)
}
