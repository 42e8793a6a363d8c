package portal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Login is a contact's way in to one portal (S11, S13, A2–A4). A contact
// has at most one login per portal and an e-mail names at most one login
// per portal.
type Login struct {
	PortalID  uuid.UUID
	ContactID uuid.UUID
	// Email is what the contact logs in with: the contact's e-mail,
	// normalised (NormalizeEmail). It follows the contact's e-mail when
	// that changes (SaveContact).
	Email string
	// PasswordHash is an argon2id PHC string, or "" while the contact has
	// set no password (an invitation or registration not yet completed, or
	// a single-sign-on login).
	PasswordHash string
	// Failures counts the failed password attempts since the last success;
	// FailedAt is the time of the last one (zero: none).
	Failures int
	FailedAt time.Time
	// ConsentVersion is the version (ConsentVersion) of the consent text
	// the contact accepted when registering, and ConsentAt when (S13);
	// empty and zero for a login made by invitation.
	ConsentVersion string
	ConsentAt      time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TokenKind says what a single-use token is for.
type TokenKind string

// The token kinds.
const (
	// TokenInvitation lets an invited contact set its password (A3).
	TokenInvitation TokenKind = "invitation"
	// TokenRegistration lets a registered contact, having proved its
	// e-mail, set its password (A2).
	TokenRegistration TokenKind = "registration"
	// TokenReset lets a contact set a new password (A4).
	TokenReset TokenKind = "reset"
)

// TokenHash is the SHA-256 of a token: all a store ever keeps of one.
type TokenHash [sha256.Size]byte

// Token is a single-use token as the store keeps it.
type Token struct {
	PortalID  uuid.UUID
	Hash      TokenHash
	Kind      TokenKind
	ContactID uuid.UUID
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AuthOptions tune getting in. The zero value holds the defaults written on
// each field.
type AuthOptions struct {
	// Password: the argon2id parameters of new hashes.
	Password PasswordParams
	// MinPasswordLength in characters; default 10.
	MinPasswordLength int
	// SlowAfter failed attempts in a row on one login from one client
	// (default 5), each further attempt from that client waits for
	// Backoff (default 1 s), doubled with each failure beyond SlowAfter,
	// never more than MaxBackoff (default 15 minutes), since the last
	// failure. ClientSlowAfter (default 20) is the same for a client's
	// failures on any logins and unknown e-mails. Failures older than
	// ForgetAfter (default 24 hours) are forgotten. (A8: see WithClient.)
	SlowAfter       int
	ClientSlowAfter int
	Backoff         time.Duration
	MaxBackoff      time.Duration
	ForgetAfter     time.Duration
	// MailsPerHour bounds the registration and password-reset mails that
	// customers' requests send one address (default 3): after that many,
	// further requests send none until an hour has passed without one,
	// and answer the same (A8). Invitations, which the host sends, are
	// not counted.
	MailsPerHour int
	// InvitationTTL: how long an invitation is good for; default 7 days.
	InvitationTTL time.Duration
	// RegistrationTTL: how long a registration's "set your password" link
	// is good for; default 24 hours.
	RegistrationTTL time.Duration
	// ResetTTL: how long a password-reset link is good for; default 1 hour.
	ResetTTL time.Duration
	// SessionLifetime ends every session this long after it began, however
	// active (the idle timeout is S15's); default 7 days.
	SessionLifetime time.Duration
	// Link returns the URL a mail of kind carries, with token. Default:
	// https://<domain>/<slug>/<kind>?token=<token> from the settings.
	Link func(s Settings, kind TokenKind, token string) string
}

// WithDefaults returns o with every zero field set to its default, as a
// Portal uses it: hosts read it to show the same limits on their forms.
func (o AuthOptions) WithDefaults() AuthOptions {
	o.Password = o.Password.withDefaults()
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	dur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MinPasswordLength, 10)
	def(&o.SlowAfter, 5)
	def(&o.ClientSlowAfter, 20)
	def(&o.MailsPerHour, 3)
	dur(&o.Backoff, time.Second)
	dur(&o.MaxBackoff, 15*time.Minute)
	dur(&o.ForgetAfter, 24*time.Hour)
	dur(&o.InvitationTTL, 7*24*time.Hour)
	dur(&o.RegistrationTTL, 24*time.Hour)
	dur(&o.ResetTTL, time.Hour)
	dur(&o.SessionLifetime, 7*24*time.Hour)
	if o.Link == nil {
		o.Link = func(s Settings, kind TokenKind, token string) string {
			return "https://" + s.Domain + "/" + s.Slug + "/" + string(kind) + "?token=" + url.QueryEscape(token)
		}
	}
	return o
}

// NormalizeEmail is the form of an e-mail address that logins are keyed
// by: surrounding space removed, lower case. Two addresses that differ
// only in case or surrounding space name one login.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ConsentVersion identifies a consent text (S13): it changes exactly when
// the notice or the checkbox text does, whatever else a settings save
// changes. A registration records it with the time it was accepted.
func ConsentVersion(c Consent) string {
	h := sha256.New()
	h.Write([]byte(c.Notice))
	h.Write([]byte{0})
	h.Write([]byte(c.Checkbox))
	return "sha256:" + hex.EncodeToString(h.Sum(nil)[:12])
}

// tokenBytes is the entropy of every token: 256 bits.
const tokenBytes = 32

// tokenLen is the length of a token as handed out: base64url, no padding.
var tokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// newToken returns a new random token and its hash.
func newToken() (string, TokenHash, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", TokenHash{}, classify(err)
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	return tok, sha256.Sum256([]byte(tok)), nil
}

// parseToken returns the hash of a token that has the form of one.
func parseToken(tok string) (TokenHash, bool) {
	if len(tok) != tokenLen {
		return TokenHash{}, false
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(tok); err != nil {
		return TokenHash{}, false
	}
	return sha256.Sum256([]byte(tok)), true
}

// errBadToken is the one answer to an invitation, registration or reset
// token that is malformed, unknown, of another portal or kind, used or
// expired: the five are indistinguishable.
func errBadToken() error { return invalid("token", "is not valid: unknown, used or expired") }

// errBadCredentials is the one answer to a failed password login: unknown
// e-mail, wrong password, no password set, or a throttled login. All cost
// one password hash.
var errBadCredentials = fmt.Errorf("%w: wrong e-mail or password", ErrUnauthenticated)

// portalOn reads the tenant's settings and fails with ErrPortalDisabled
// when the portal is off (S14).
func (p *Portal) portalOn(ctx context.Context, portalID uuid.UUID) (Settings, error) {
	s, err := p.store.Settings(ctx, portalID)
	if err != nil {
		return Settings{}, classify(err)
	}
	if !s.Enabled {
		return Settings{}, ErrPortalDisabled
	}
	return s, nil
}

// inAccessGroups reports whether the contact may enter under s (S11, A3):
// always under self-registration; under access groups when it is in one
// of the chosen lists.
func inAccessGroups(s *Settings, c *Contact) bool {
	if s.Access.Mode != AccessGroups {
		return true
	}
	for _, l := range c.Lists {
		if slices.Contains(s.Access.Lists, l) {
			return true
		}
	}
	return false
}

var errAccessDenied = fmt.Errorf("%w: the contact is in none of the portal's access groups", ErrForbidden)

// newTokenOf makes a token of kind for a contact, and returns it and its
// record (which keeps only its hash).
func (p *Portal) newTokenOf(portalID, contactID uuid.UUID, kind TokenKind) (string, Token, error) {
	ttl := map[TokenKind]time.Duration{TokenInvitation: p.auth.InvitationTTL,
		TokenRegistration: p.auth.RegistrationTTL, TokenReset: p.auth.ResetTTL}[kind]
	tok, hash, err := newToken()
	if err != nil {
		return "", Token{}, err
	}
	now := p.clock()
	return tok, Token{PortalID: portalID, Hash: hash, Kind: kind, ContactID: contactID, CreatedAt: now, ExpiresAt: now.Add(ttl)}, nil
}

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
	s, err := p.inviteSettings(ctx, portalID)
	if err != nil {
		return 0, err
	}
	sent := 0
	after := uuid.Nil
	for {
		cs, err := p.store.ListMembers(ctx, portalID, s.Access.Lists, after, MaxPageSize)
		if err != nil {
			return sent, classify(err)
		}
		for _, c := range cs {
			l, err := p.store.Login(ctx, portalID, c.ID)
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
	s, err := p.inviteSettings(ctx, portalID)
	if err != nil {
		return err
	}
	c, err := p.store.Contact(ctx, portalID, contactID)
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
func (p *Portal) AcceptInvitation(ctx context.Context, portalID uuid.UUID, token, password string) error {
	return p.setPassword(ctx, portalID, TokenInvitation, token, password)
}

// CompleteRegistration sets the password of a contact that registered
// (A2), with the token of its registration mail, as AcceptInvitation does.
func (p *Portal) CompleteRegistration(ctx context.Context, portalID uuid.UUID, token, password string) error {
	return p.setPassword(ctx, portalID, TokenRegistration, token, password)
}

// ResetPassword sets a new password with the token of a reset mail (A4),
// as AcceptInvitation does, and ends every session of the contact. It also
// ends the login's throttling.
func (p *Portal) ResetPassword(ctx context.Context, portalID uuid.UUID, token, password string) error {
	return p.setPassword(ctx, portalID, TokenReset, token, password)
}

func (p *Portal) setPassword(ctx context.Context, portalID uuid.UUID, kind TokenKind, token, password string) error {
	s, err := p.portalOn(ctx, portalID)
	if err != nil {
		return err
	}
	if s.Access.Auth != PasswordAuth {
		return fmt.Errorf("%w: the portal uses single sign-on", ErrForbidden)
	}
	hash, ok := parseToken(token)
	if !ok {
		return errBadToken()
	}
	if err := checkPassword("password", password, "", p.auth.MinPasswordLength); err != nil {
		return err
	}
	encoded, err := p.auth.Password.hash(password)
	if err != nil {
		return classify(err)
	}
	t, err := p.store.TakeToken(ctx, portalID, kind, hash)
	if isNotFound(err) {
		return errBadToken()
	} else if err != nil {
		return classify(err)
	}
	now := p.clock()
	if !now.Before(t.ExpiresAt) {
		return errBadToken()
	}
	c, err := p.store.Contact(ctx, portalID, t.ContactID)
	if isNotFound(err) {
		return errBadToken()
	} else if err != nil {
		return classify(err)
	}
	email := NormalizeEmail(c.Email)
	// moved reports whether the contact's e-mail is no longer email: the
	// change ended the contact's tokens, this one with them.
	moved := func() bool {
		cur, err := p.store.Contact(ctx, portalID, c.ID)
		return err != nil || NormalizeEmail(cur.Email) != email
	}
	// From here on a refusal puts the token back: an accept that fails
	// writes nothing and uses nothing up.
	refuse := func(why error) error {
		if moved() {
			return why
		}
		// Not over a newer token: an invitation sent meanwhile stays.
		if err := p.store.RestoreToken(ctx, t); err != nil && !lostRace(err) {
			return classify(err)
		}
		return why
	}
	if err := checkPassword("password", password, email, 0); err != nil {
		return refuse(err)
	}
	if moved() { // the login checks it again as it is made (CreateLogin)
		return errBadToken()
	}
	_, err = p.store.Login(ctx, portalID, c.ID)
	switch {
	case isNotFound(err):
		l := Login{PortalID: portalID, ContactID: c.ID, Email: email, PasswordHash: encoded, CreatedAt: now, UpdatedAt: now}
		if err := p.store.CreateLogin(ctx, l); lostRace(err) {
			if moved() {
				return errBadToken()
			}
			return refuse(p.loginTaken(ctx, portalID, c.ID, email))
		} else if err != nil {
			return refuse(classify(err))
		}
	case err != nil:
		return refuse(classify(err))
	default:
		if err := p.store.SetLoginPassword(ctx, portalID, c.ID, encoded, now); err != nil {
			return refuse(classify(err))
		}
	}
	// After the new hash is stored, never before: a login checked against
	// the old hash either stored its session before this (and it ends
	// here) or finds the new hash and takes its session back (Login).
	_, err = p.store.DeleteSessions(ctx, portalID, c.ID, false)
	return classify(err)
}

// loginTaken says why the store refused to create the login of contactID
// with email: another contact logs in with the e-mail (a *ConflictError
// naming "email"), or the contact's own login was made meanwhile.
func (p *Portal) loginTaken(ctx context.Context, portalID, contactID uuid.UUID, email string) error {
	other, err := p.store.LoginByEmail(ctx, portalID, email)
	switch {
	case err == nil && other.ContactID != contactID:
		return errEmailTaken()
	case err != nil && !isNotFound(err):
		return classify(err)
	}
	return fmt.Errorf("%w: the contact's login was made meanwhile; try again", ErrConflict)
}

// emailTaken reports whether another contact than c logs in with c's
// e-mail: contacts may share an e-mail, logins may not (S11).
func (p *Portal) emailTaken(ctx context.Context, portalID uuid.UUID, c *Contact) (bool, error) {
	l, err := p.store.LoginByEmail(ctx, portalID, NormalizeEmail(c.Email))
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
func (p *Portal) Register(ctx context.Context, portalID uuid.UUID, r Registration) error {
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
	for again := false; ; again = true {
		l, err := p.store.LoginByEmail(ctx, portalID, email)
		switch {
		case err == nil && l.PasswordHash == "":
			// Registered before (or signed in without consent) and not
			// completed: the consent is the one accepted now (S13).
			if err := p.store.SetLoginConsent(ctx, portalID, l.ContactID, version, p.clock()); err != nil {
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
		_, err = p.store.Register(ctx, RegisterChange{Contact: c, Login: l})
		switch {
		case err == nil:
			return p.queueMail(ctx, portalID, TokenRegistration, uuid.Nil, email)
		case (again || unwritten(err)) && !lostRace(err):
			return classify(err)
		case again:
			// The contact has a login under another e-mail: the answer
			// does not say.
			return nil
		}
		// Registered a moment ago by another request, or by this one if
		// the store failed after its commit (a lost acknowledgement): look
		// again, so that this registration's consent is recorded and its
		// mail sent. A registration that truly failed is tried once more.
	}
}

// RequestPasswordReset queues a password-reset mail to the login of email
// (A4): the delivery (DeliverMail) sends it a link with a single-use token
// that expires after AuthOptions.ResetTTL and replaces an earlier one. An
// e-mail without a login gets nothing, and the request's answer and work
// are the same (nil, and one queued mail): a caller cannot learn, even by
// timing it, which e-mails have a login. It fails with ErrPortalDisabled
// while the portal is off, and ErrForbidden when the portal uses single
// sign-on.
func (p *Portal) RequestPasswordReset(ctx context.Context, portalID uuid.UUID, email string) error {
	s, err := p.portalOn(ctx, portalID)
	if err != nil {
		return err
	}
	if s.Access.Auth != PasswordAuth {
		return fmt.Errorf("%w: the portal uses single sign-on", ErrForbidden)
	}
	if p.mailer == nil {
		return errNoMailer
	}
	email = NormalizeEmail(email)
	var ps problems
	checkEmail(&ps, "email", email, true)
	if err := ps.err(); err != nil {
		return err
	}
	// Whether the e-mail has a login is the delivery's question: the
	// request does the same work for every address.
	return p.queueMail(ctx, portalID, TokenReset, uuid.Nil, email)
}

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
func (p *Portal) Login(ctx context.Context, portalID uuid.UUID, email, password string) (string, Session, error) {
	s, err := p.portalOn(ctx, portalID)
	if err != nil {
		return "", Session{}, err
	}
	if s.Access.Auth != PasswordAuth {
		return "", Session{}, fmt.Errorf("%w: the portal uses single sign-on", ErrForbidden)
	}
	tooLong := len(password) > MaxPasswordLength // never right: refused like an unknown e-mail
	if tooLong {
		password = password[:MaxPasswordLength]
	}
	l, err := p.store.LoginByEmail(ctx, portalID, NormalizeEmail(email))
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
		if _, err := p.store.AddLoginFailure(ctx, portalID, l.ContactID, now); err != nil && !isNotFound(err) {
			return "", Session{}, classify(err)
		}
		if err := p.failed(ctx, portalID, keys, now); err != nil {
			return "", Session{}, err
		}
		return "", Session{}, errBadCredentials
	}
	// The contact is read whether or not the password is right, so that
	// the work tells no more than the answer.
	c, cerr := p.store.Contact(ctx, portalID, l.ContactID)
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
		if derr := p.store.DeleteSession(ctx, portalID, sess.Hash); derr != nil {
			return "", Session{}, classify(derr)
		}
		return "", Session{}, err
	}
	if err := p.store.ClearThrottle(ctx, portalID, keys.login); err != nil {
		return "", Session{}, classify(err)
	}
	return tok, sess, nil
}

// loginSucceeded records the success of a login whose password was checked
// against l.PasswordHash: it ends the throttling and stores hash (a rehash,
// or the checked hash), only while the stored hash is still the checked one
// (LoginStore.LoginSucceeded), so that a login checked against an old hash
// never writes it back. When the hash changed meanwhile, the password is
// checked once more against the new one: after another login's rehash (or
// a reset to the same password) it is still right; after a reset to another
// password it is wrong, and the login fails as a wrong password does.
func (p *Portal) loginSucceeded(ctx context.Context, l Login, password, hash string, now time.Time) error {
	checked := l.PasswordHash
	for again := false; ; again = true {
		err := p.store.LoginSucceeded(ctx, l.PortalID, l.ContactID, checked, hash, now)
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
		cur, err := p.store.Login(ctx, l.PortalID, l.ContactID)
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
			if _, err := p.store.AddLoginFailure(ctx, l.PortalID, l.ContactID, now); err != nil && !isNotFound(err) {
				return classify(err)
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
func (p *Portal) SSOLogin(ctx context.Context, portalID uuid.UUID, id Identity) (string, Session, error) {
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
	l, err := p.store.LoginByEmail(ctx, portalID, email)
	switch {
	case isNotFound(err):
		if l, err = p.ssoRegister(ctx, &s, portalID, email, id); err != nil {
			return "", Session{}, err
		}
	case err != nil:
		return "", Session{}, classify(err)
	}
	c, err := p.store.Contact(ctx, portalID, l.ContactID)
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
		cs, err := p.store.ContactsByEmail(ctx, portalID, email)
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
		l.ContactID, err = p.store.Register(ctx, RegisterChange{Contact: c, Login: l})
		if err == nil {
			return l, nil
		}
		if !lostRace(err) {
			return Login{}, classify(err)
		}
		got, err := p.store.LoginByEmail(ctx, portalID, email)
		if err != nil {
			return Login{}, fmt.Errorf("%w: the contact has a login under another e-mail", ErrConflict)
		}
		return got, nil
	}
	if err := p.store.CreateLogin(ctx, l); err != nil {
		if !lostRace(err) {
			return Login{}, classify(err)
		}
		// A concurrent first sign-on made it, or the contact has a login
		// under another e-mail: use the one of this e-mail if there is one.
		got, err := p.store.LoginByEmail(ctx, portalID, email)
		if err != nil {
			return Login{}, fmt.Errorf("%w: the contact has a login under another e-mail", ErrConflict)
		}
		return got, nil
	}
	return l, nil
}
