package portal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"golang.org/x/text/language"
)

// Mails (A2–A4, A7, A8, P15, P16). A request that asks for a mail (an
// invitation, a registration, a password reset, a sign-in link, an e-mail
// change's link or its notice to the old address, a submission's receipt)
// only queues it, in the store; a delivery
// (DeliverMail, or the loop RunMailDelivery) sends it afterwards. So no
// request waits on the mail server, a password-reset request does the same
// work whatever address it names (its time tells nothing), and a failing
// mail server loses no mail: the delivery tries it again. The token a mail
// carries is made when the mail is sent, so that the store never holds one
// in the clear.

// Mail is one message the portal sends to a contact (A2–A4).
type Mail struct {
	PortalID uuid.UUID
	Kind     TokenKind
	To       string
	Subject  string
	Body     string
	// Link carries Token, for the host's own template; ExpiresAt is when
	// it stops working.
	Link      string
	Token     string
	ExpiresAt time.Time
	// TicketID and TicketRef ("#1042") name the ticket a receipt is of
	// (MailReceipt, P15).
	TicketID  uuid.UUID
	TicketRef string
}

// Mailer sends mail. Send must not keep m beyond the call. The portal
// calls it only from a delivery (DeliverMail, RunMailDelivery), never
// inside a customer's request.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// QueuedMail is a mail a request asked for, as the store keeps it until a
// delivery sends it (MailStore).
type QueuedMail struct {
	ID       uuid.UUID
	PortalID uuid.UUID
	Kind     TokenKind
	// ContactID is the contact invited (TokenInvitation), whose e-mail
	// changes (TokenEmail, MailEmailChanged) or who submitted
	// (MailReceipt). A registration or reset mail names no contact: the
	// delivery looks its login up by Email, so that the request did not
	// have to.
	ContactID uuid.UUID
	// Email is the address the mail goes to; for an e-mail change's link,
	// that address and the mark of the password it was asked with, and for
	// its notice, the previous address and the new one, each pair on two
	// lines.
	Email string
	// TicketID is the ticket a receipt is of (MailReceipt, P15).
	TicketID uuid.UUID
	QueuedAt time.Time
	// DueAt is when the next delivery may send it; Attempts counts the
	// deliveries that took it.
	DueAt    time.Time
	Attempts int
}

// MaxMailAttempts is how many deliveries try one mail before it is
// dropped (the customer asks again; the host invites again).
const MaxMailAttempts = 8

// MaxMailAge is how long a queued mail that no delivery took waits before
// PurgeExpired drops it: a mail due that long ago was never going to be
// sent (no delivery runs), and is no news any more.
const MaxMailAge = 7 * 24 * time.Hour

// purgeMail drops the tenant's queued mails due before before.
func (p *Portal) purgeMail(ctx context.Context, portalID uuid.UUID, before time.Time) error {
	for {
		ms, err := p.as.DueMails(ctx, portalID, before, 100)
		if err != nil {
			return classify(err)
		}
		for _, m := range ms {
			if err := p.as.DeleteMail(ctx, portalID, m.ID); err != nil {
				return classify(err)
			}
		}
		if len(ms) < 100 {
			return nil
		}
	}
}

// mailRetry is how long a delivery holds a mail it has taken: should the
// sending fail, or its process die, the mail is due again after it,
// doubled with each attempt up to mailRetryMax.
const (
	mailRetry    = time.Minute
	mailRetryMax = time.Hour
)

var errNoMailer = fmt.Errorf("%w: no Mailer is configured", ErrInternal)

// queueMail queues a mail of kind to email (or, for an invitation, to the
// contact), for a delivery to send, when a customer's request may have one
// (mayMail; the host's invitations always may), and otherwise drops it
// without saying so (A8).
func (p *Portal) queueMail(ctx context.Context, portalID uuid.UUID, kind TokenKind, contactID uuid.UUID, email string) error {
	if kind != TokenInvitation {
		ok, err := p.mayMail(ctx, portalID, email)
		if err != nil || !ok {
			return err
		}
	}
	return p.enqueue(ctx, portalID, kind, contactID, email)
}

// enqueue queues a mail for a delivery to send.
func (p *Portal) enqueue(ctx context.Context, portalID uuid.UUID, kind TokenKind, contactID uuid.UUID, email string) error {
	id, err := p.id()
	if err != nil {
		return err
	}
	now := p.clock()
	m := QueuedMail{ID: id, PortalID: portalID, Kind: kind, ContactID: contactID, Email: email,
		QueuedAt: now, DueAt: now}
	if err := p.as.QueueMail(ctx, m); err != nil {
		return classify(err)
	}
	p.mailWake.notify(portalID)
	return nil
}

// mayMail decides whether a customer's request may have a mail sent to
// email, and counts it when it may (A8): within the client's mails
// (clientMails) and the address's (addressMails).
func (p *Portal) mayMail(ctx context.Context, portalID uuid.UUID, email string) (bool, error) {
	return p.allow(ctx, portalID, append(p.clientMails(ctx), p.addressMails(ctx, email)...))
}

// A mailLimit is a count of a customer's mail requests in an hour, and its
// limit.
type mailLimit struct {
	key   string
	limit int
}

// clientMails is the limit of the client's mails: ClientMailsPerHour
// whatever the addresses, when the host says which client (WithClient).
func (p *Portal) clientMails(ctx context.Context) []mailLimit {
	if client := clientOf(ctx); client != "" {
		return []mailLimit{{throttleKey("mail-client", client), p.auth.ClientMailsPerHour}}
	}
	return nil
}

// addressMails are the limits of an address's mails: MailsPerHour from
// one client, and four times that from all. An attacker who spends an
// address's hour from several clients has only sent the owner its own
// mails (each a working link that replaces the one before), and the
// requests it makes beyond its limits are not counted.
func (p *Portal) addressMails(ctx context.Context, email string) []mailLimit {
	email = NormalizeEmail(email)
	return []mailLimit{{throttleKey("mail", email, clientOf(ctx)), p.auth.MailsPerHour},
		{throttleKey("mail-address", email), 4 * p.auth.MailsPerHour}}
}

// allow counts a request under limits, unless one of them is spent: a
// request refused at a spent limit is not counted, so that it neither uses
// up nor prolongs anyone's hour. Each count is the store's atomic step,
// and its answer decides again, so that requests racing past a limit are
// refused too (and only they are counted).
func (p *Portal) allow(ctx context.Context, portalID uuid.UUID, limits []mailLimit) (bool, error) {
	now := p.clock()
	for _, l := range limits {
		th, err := p.as.Throttle(ctx, portalID, l.key)
		if err != nil {
			return false, classify(err)
		}
		// Spent while its last count is not before the hour: the rule
		// by which AddFailure forgets a count.
		if th.Failures >= l.limit && !th.FailedAt.Before(now.Add(-time.Hour)) {
			return false, nil
		}
	}
	for _, l := range limits {
		th, err := p.as.AddFailure(ctx, portalID, l.key, now, now.Add(-time.Hour))
		if err != nil {
			return false, classify(err)
		}
		if th.Failures > l.limit {
			return false, nil
		}
	}
	return true, nil
}

// DeliverMail sends the tenant's queued mails that are due, and returns how
// many it sent. Each mail is taken by one delivery at a time, for a
// minute, so that two deliveries (in one process or several) do not both
// send it; a Send gets half of that minute. One whose sending fails (or
// whose process dies) is tried again by a later delivery, after a wait
// that doubles with each attempt (from a minute up to an hour), and
// dropped after MaxMailAttempts; one that was sent but could not be taken
// off the queue may be sent again. A mail that no longer applies when its
// turn comes is dropped unsent: a reset or registration for an e-mail
// without a login (that is how a request for an unknown e-mail ends), a
// registration already completed, a sign-in link asked for before the
// settings switched them off, an invitation or reset of a contact
// outside the access groups, a reset or registration whose login moved to
// another e-mail while its token was made, a receipt or an e-mail change's
// notice whose contact is gone. An invitation whose contact's
// e-mail changed while its token was made goes to the new address.
// DeliverMail goes on past a failing mail and returns the first failure,
// wrapped, after the others.
// It fails with ErrInternal when no Mailer is configured, and ErrNotFound
// for an unknown tenant.
//
// The host calls it on a timer, or starts RunMailDelivery once.
func (p *Portal) DeliverMail(ctx context.Context, portalID uuid.UUID) (int, error) {
	if err := p.ways(); err != nil {
		return 0, err
	}
	if p.mailer == nil {
		return 0, errNoMailer
	}
	if _, err := p.store.Tenant(ctx, portalID); err != nil {
		return 0, classify(err)
	}
	sent := 0
	var first error
	tried := map[uuid.UUID]bool{} // a mail that could not be taken stays due: once per call
	for {
		ms, err := p.as.DueMails(ctx, portalID, p.clock(), 100)
		if err != nil {
			return sent, classify(err)
		}
		fresh := 0
		for _, m := range ms {
			if tried[m.ID] {
				continue
			}
			tried[m.ID] = true
			fresh++
			ok, err := p.deliver(ctx, m)
			if ok {
				sent++
			}
			if err != nil && first == nil {
				first = fmt.Errorf("deliver mail %s: %w", m.ID, err)
			}
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
		}
		if fresh == 0 {
			return sent, first
		}
	}
}

// mailSendTimeout bounds one Send, well within the time a delivery holds
// the mail (mailRetry), so that no other delivery takes it meanwhile, and
// a mail server that hangs does not stall the delivery.
const mailSendTimeout = mailRetry / 2

// deliver takes the queued mail m and sends it, and reports whether it
// did. A mail another delivery took first is left to it.
func (p *Portal) deliver(ctx context.Context, m QueuedMail) (bool, error) {
	next := p.clock().Add(backoff(mailRetry, mailRetryMax, m.Attempts+1))
	if err := p.as.ClaimMail(ctx, m.PortalID, m.ID, m.DueAt, next); lostRace(err) || isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, classify(err)
	}
	sctx, cancel := context.WithTimeout(ctx, mailSendTimeout)
	defer cancel()
	sent, err := p.sendQueued(sctx, m)
	if err != nil && m.Attempts+1 < MaxMailAttempts {
		return false, err // due again at next
	}
	if derr := p.as.DeleteMail(ctx, m.PortalID, m.ID); derr != nil {
		return sent, errors.Join(err, classify(derr))
	}
	return sent, err
}

// sendQueued makes the token of the queued mail m and sends it, unless the
// mail no longer applies (see DeliverMail). An invitation whose contact's
// address changed while its token was made is made again at once, for the
// new address.
func (p *Portal) sendQueued(ctx context.Context, m QueuedMail) (bool, error) {
	for attempt := 1; ; attempt++ {
		sent, err := p.sendOnce(ctx, m)
		if !errors.Is(err, errMoved) || attempt == maxAttempts {
			return sent, err
		}
	}
}

// sendOnce is one try of sendQueued: errMoved when an invitation's
// address changed while its token was made.
func (p *Portal) sendOnce(ctx context.Context, m QueuedMail) (bool, error) {
	s, err := p.store.Settings(ctx, m.PortalID)
	if err != nil {
		return false, classify(err)
	}
	switch m.Kind {
	case MailReceipt:
		return p.sendReceipt(ctx, &s, m)
	case MailEmailChanged:
		return p.sendEmailChanged(ctx, &s, m)
	}
	if s.Access.Auth != PasswordAuth {
		return false, nil
	}
	contactID, email := m.ContactID, m.Email
	var c Contact // the recipient, for its language and zone, once read
	read := false
	switch m.Kind {
	case TokenEmail: // to the new address, while it is no other login's
		if !s.Enabled {
			return false, nil
		}
		var ok bool
		if c, ok, err = p.member(ctx, &s, m.PortalID, m.ContactID); !ok || err != nil {
			return false, err
		}
		read = true
		addr, mark := unpair(m.Email)
		switch l, err := p.as.Login(ctx, m.PortalID, m.ContactID); {
		case isNotFound(err):
			return false, nil
		case err != nil:
			return false, classify(err)
		case mark != passwordMark(l):
			return false, nil // asked before the password changed: void
		}
		email = addr
		if err := p.emailFree(ctx, m.PortalID, m.ContactID, addr); errors.Is(err, ErrConflict) {
			return false, nil
		} else if err != nil {
			return false, err
		}
	case TokenInvitation:
		if s.Access.Mode != AccessGroups {
			return false, nil
		}
		var ok bool
		if c, ok, err = p.member(ctx, &s, m.PortalID, m.ContactID); !ok || err != nil {
			return false, err
		}
		read = true
		if taken, err := p.emailTaken(ctx, m.PortalID, &c); err != nil || taken {
			return false, err
		}
		email = c.Email // the contact's address now, as the helpdesk wrote it
	default:
		if !s.Enabled {
			return false, nil
		}
		l, err := p.as.LoginByEmail(ctx, m.PortalID, m.Email)
		if isNotFound(err) {
			return false, nil
		} else if err != nil {
			return false, classify(err)
		}
		switch {
		case m.Kind == TokenRegistration && l.PasswordHash != "":
			return false, nil // completed meanwhile
		case m.Kind == TokenSignIn && !s.Access.SignInLinks:
			return false, nil // switched off meanwhile
		}
		if s.Access.Mode == AccessGroups { // outside them a new password opens nothing
			var ok bool
			if c, ok, err = p.member(ctx, &s, m.PortalID, l.ContactID); !ok || err != nil {
				return false, err
			}
			read = true
		}
		contactID = l.ContactID
	}
	tok, t, err := p.newTokenOf(m.PortalID, contactID, m.Kind)
	if err != nil {
		return false, err
	}
	if m.Kind == TokenEmail {
		t.Email = m.Email // the address and the mark of the password it was asked with
	}
	if err := p.as.PutToken(ctx, t); err != nil {
		return false, classify(err)
	}
	if err := p.stillAt(ctx, m.Kind, m.PortalID, contactID, email); err != nil {
		// The token is not mailed: it goes, and an invitation is made
		// again for the address the contact has now.
		if _, terr := p.as.TakeToken(ctx, m.PortalID, t.Kind, t.Hash); terr != nil && !isNotFound(terr) {
			return false, errors.Join(err, classify(terr))
		}
		if errors.Is(err, errMoved) && m.Kind != TokenInvitation {
			return false, nil // a reset or registration of an address nobody logs in with now
		}
		return false, err
	}
	// The mail is in the contact's language and zone (X3).
	if !read {
		if c, err = p.contact(ctx, m.PortalID, contactID); err != nil && !isNotFound(err) {
			return false, classify(err)
		}
	}
	if err := p.mailer.Send(ctx, p.mailOf(&s, &c, email, tok, t)); err != nil {
		return false, classify(err)
	}
	return true, nil
}

// sendReceipt sends the receipt of a submission (P15): the ticket's
// number and subject, to the contact's address as it is now. A receipt
// of a ticket or a contact that is gone is dropped unsent. A receipt goes
// whatever the way in and also while the portal is off: it carries no
// link, only news of what the contact sent.
func (p *Portal) sendReceipt(ctx context.Context, s *Settings, m QueuedMail) (bool, error) {
	t, err := p.store.Ticket(ctx, m.PortalID, m.TicketID)
	if isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, classify(err)
	}
	c, err := p.contact(ctx, m.PortalID, m.ContactID)
	if isNotFound(err) {
		return false, nil // the helpdesk has removed the contact: no mail to it
	} else if err != nil {
		return false, classify(err)
	}
	ref := s.Display.TicketRef(t.Number)
	tag := langOf(&c, s)
	subject := oneLine(t.Subject) // the customer's
	mail := Mail{PortalID: m.PortalID, Kind: MailReceipt, To: c.Email, TicketID: t.ID, TicketRef: ref,
		Subject: oneLine(msg("We have received your request %s: %s", ref, subject).in(tag)),
		Body: msg("Thank you for writing to %s. We have received your request and will answer soon.", s.Name).in(tag) + "\n\n" +
			msg("Number: %s", ref).in(tag) + "\n" + msg("Subject: %s", subject).in(tag) + "\n\n" +
			msg("Please give the number when you contact us about it.").in(tag)}
	if err := p.mailer.Send(ctx, mail); err != nil {
		return false, classify(err)
	}
	return true, nil
}

// sendEmailChanged tells a contact's previous address that its e-mail was
// changed, and to which (P16): m.Email pairs them (emailNotice). The
// notice is written in the contact's language, and in the portal's too
// when that differs: whoever changed the address may have changed the
// language first. It is dropped unsent when the contact is gone. Like a
// receipt, it goes whatever the way in and also while the portal is off:
// it carries no link.
func (p *Portal) sendEmailChanged(ctx context.Context, s *Settings, m QueuedMail) (bool, error) {
	c, err := p.contact(ctx, m.PortalID, m.ContactID)
	if isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, classify(err)
	}
	to, now := unpair(m.Email)
	name := oneLine(s.Name)
	body := func(tag language.Tag) string {
		return say(tag, "The e-mail address you use at %s is now %s.", name, now) + "\n\n" +
			say(tag, "If you did not change it, contact us at once: someone else may be using your account.")
	}
	tag := langOf(&c, s)
	mail := Mail{PortalID: m.PortalID, Kind: MailEmailChanged, To: to,
		Subject: say(tag, "Your e-mail address at %s was changed", name), Body: body(tag)}
	if own := tagOf(s.Language); own != tag {
		mail.Body += "\n\n---\n\n" + body(own)
	}
	if err := p.mailer.Send(ctx, mail); err != nil {
		return false, classify(err)
	}
	return true, nil
}

// oneLine is a text with each line break or other control character a
// space: what may reach a mail header (a subject) from text that a
// customer or a host typed.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// errMoved: the address a token was made for is no longer its contact's.
var errMoved = fmt.Errorf("%w: the contact's e-mail kept changing while its mail was made; it is tried again later", ErrConflict)

// stillAt checks, once the token of a mail to email is stored, that email
// is still the contact's (an invitation) or its login's (a reset or a
// registration): read before the token was put, it may have changed in
// between, and that change had no token to end (A4). A change after this
// read ends the token itself.
func (p *Portal) stillAt(ctx context.Context, kind TokenKind, portalID, contactID uuid.UUID, email string) error {
	now := ""
	switch kind {
	case TokenEmail:
		return nil // to an address the contact does not have yet
	case TokenInvitation:
		c, err := p.contact(ctx, portalID, contactID)
		if err != nil && !isNotFound(err) {
			return classify(err)
		}
		now = NormalizeEmail(c.Email)
	default:
		l, err := p.as.Login(ctx, portalID, contactID)
		if err != nil && !isNotFound(err) {
			return classify(err)
		}
		now = l.Email
	}
	if now != NormalizeEmail(email) {
		return errMoved
	}
	return nil
}

// member reads a contact and reports whether a mail may still go to it:
// it exists and is in the access groups (any contact is, under
// self-registration).
func (p *Portal) member(ctx context.Context, s *Settings, portalID, contactID uuid.UUID) (Contact, bool, error) {
	c, err := p.contact(ctx, portalID, contactID)
	if isNotFound(err) {
		return Contact{}, false, nil
	} else if err != nil {
		return Contact{}, false, classify(err)
	}
	return c, inAccessGroups(s, &c), nil
}

// mailOf is the mail that carries the token t (tok) to email, in the
// language and time zone of the contact c (X3).
func (p *Portal) mailOf(s *Settings, c *Contact, email, tok string, t Token) Mail {
	kind := t.Kind
	tag, loc := langOf(c, s), zoneOf(c, s)
	m := Mail{PortalID: t.PortalID, Kind: kind, To: email, Link: p.auth.Link(*s, kind, tok), Token: tok, ExpiresAt: t.ExpiresAt}
	name := oneLine(s.Name) // the host's, in a subject
	switch kind {
	case TokenInvitation:
		m.Subject = say(tag, "Your invitation to %s", name)
		m.Body = say(tag, "You are invited to %s. Set your password here: %s", name, m.Link)
	case TokenRegistration:
		m.Subject = say(tag, "Complete your registration at %s", name)
		m.Body = say(tag, "Set your password to complete your registration at %s: %s", name, m.Link)
	case TokenReset:
		m.Subject = say(tag, "Reset your password for %s", name)
		m.Body = say(tag, "Set a new password for %s here: %s", name, m.Link) + "\n\n" +
			say(tag, "If you did not ask for this, you can ignore this mail.")
	case TokenEmail:
		m.Subject = say(tag, "Confirm your new e-mail for %s", name)
		m.Body = say(tag, "Confirm that %s is your new e-mail for %s: %s", email, name, m.Link) + "\n\n" +
			say(tag, "Your e-mail changes only once you open the link. If you did not ask for this, you can ignore this mail.")
	case TokenSignIn:
		m.Subject = say(tag, "Your sign-in link for %s", name)
		m.Body = say(tag, "Sign in to %s with this link: %s", name, m.Link) + "\n\n" +
			say(tag, "If you did not ask for this, you can ignore this mail: nobody signs in without the link.")
	}
	m.Body += "\n\n" + say(tag, "The link works once, until %s.", longDate(m.ExpiresAt, loc, tag))
	return m
}

// RunMailDelivery sends the tenant's queued mails until ctx ends, for a
// host that starts it once (in a goroutine of its own, one per tenant)
// rather than calling DeliverMail itself. It delivers what is due, then
// waits until a request through this Portal queues a mail of the tenant,
// or until opts.PollInterval has passed (mails queued through other
// Portals, and mails due again after a failure), and delivers again. When
// a mail or the store fails, opts.OnError hears of it and the loop waits
// (opts.RetryMin, doubling up to opts.RetryMax) before it goes on.
//
// It returns ctx.Err() when ctx ends, and at once ErrInvalid for invalid
// opts, ErrInternal without a Mailer and ErrNotFound for an unknown
// tenant. It starts no goroutine and is safe for concurrent use.
func (p *Portal) RunMailDelivery(ctx context.Context, portalID uuid.UUID, opts DeliverOptions) error {
	if err := p.ways(); err != nil {
		return err
	}
	if p.mailer == nil {
		return errNoMailer
	}
	opts, err := opts.check()
	if err != nil {
		return err
	}
	if _, err := p.store.Tenant(ctx, portalID); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return classify(err)
	}
	return p.loop(ctx, portalID, &p.mailWake, opts, func() (int, error) { return p.DeliverMail(ctx, portalID) })
}
