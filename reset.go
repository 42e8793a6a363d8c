// Password reset (A4): asking for a reset mail, and setting a new password
// with its token.

package portal

import (
	"context"

	"github.com/google/uuid"
)

// ResetPassword sets a new password with the token of a reset mail (A4),
// as AcceptInvitation does, and ends every session of the contact. It also
// ends the login's throttling.
func (p *Portal) ResetPassword(ctx context.Context, portalID uuid.UUID, token, password string) (err error) {
	defer p.speak(ctx, Viewer{PortalID: portalID}, &err)
	return p.setPassword(ctx, portalID, TokenReset, token, password)
}

// RequestPasswordReset queues a password-reset mail to the login of email
// (A4): the delivery (DeliverMail) sends it a link with a single-use token
// that expires after AuthOptions.ResetTTL and replaces an earlier one. An
// e-mail without a login gets nothing, and the request's answer and work
// are the same (nil, and one queued mail): a caller cannot learn, even by
// timing it, which e-mails have a login. It fails with ErrPortalDisabled
// while the portal is off, and ErrForbidden when the portal uses single
// sign-on.
func (p *Portal) RequestPasswordReset(ctx context.Context, portalID uuid.UUID, email string) (err error) {
	defer p.speak(ctx, Viewer{PortalID: portalID}, &err)
	if _, err := p.passwordsOn(ctx, portalID); err != nil {
		return err
	}
	return p.requestMail(ctx, portalID, TokenReset, email)
}

// requestMail queues a customer's mail of kind to a login's email (a
// reset, a sign-in link), once the address is one. Whether the e-mail has
// a login is the delivery's question: the request does the same work for
// every address.
func (p *Portal) requestMail(ctx context.Context, portalID uuid.UUID, kind TokenKind, email string) error {
	if p.mailer == nil {
		return errNoMailer
	}
	email, err := emailInput(email)
	if err != nil {
		return err
	}
	return p.queueMail(ctx, portalID, kind, uuid.Nil, email)
}
