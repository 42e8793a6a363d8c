// Getting in, what its operations share: logins, single-use tokens and
// their hashes, AuthOptions, and setting a password with a token. The
// operations are in invite.go, register.go, login.go, reset.go and
// session.go.

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
	// TokenSignIn lets a contact sign in without its password (A7).
	TokenSignIn TokenKind = "signin"
	// TokenEmail confirms the new e-mail a contact asked for (P16): its
	// login moves there only once the link is used.
	TokenEmail TokenKind = "email"
	// MailReceipt is no token but the kind of mail that tells a contact
	// its submission was received, with the ticket's number (P15).
	MailReceipt TokenKind = "receipt"
	// MailEmailChanged is no token but the kind of mail that tells a
	// contact's previous address that its e-mail was changed (P16), so
	// that an owner whose account was taken over learns of it.
	MailEmailChanged TokenKind = "email_changed"
)

// TokenHash is the SHA-256 of a token: all a store ever keeps of one.
type TokenHash [sha256.Size]byte

// Token is a single-use token as the store keeps it.
type Token struct {
	PortalID  uuid.UUID
	Hash      TokenHash
	Kind      TokenKind
	ContactID uuid.UUID
	// Email is what a TokenEmail confirms (P16): the new address, and a
	// mark of the password it was asked with, as Portal keeps them; "" for
	// the others.
	Email     string
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
	// MailsPerHour bounds the registration, password-reset, sign-in and
	// e-mail-change mails that customers' requests from one client send
	// one address (default 3), and four times that from all clients: after
	// that many, further requests send none until an hour has passed since
	// the last mail, and answer the same (A8). ClientMailsPerHour (default
	// 20) bounds the mails of one client's requests, whatever addresses
	// they name, when the host says which client a request came from
	// (WithClient), and one contact's e-mail-change requests. A request refused is not counted, so an attacker over
	// its limits does not keep an owner from its mails. Invitations, which
	// the host sends, are not counted.
	MailsPerHour       int
	ClientMailsPerHour int
	// InvitationTTL: how long an invitation is good for; default 7 days.
	InvitationTTL time.Duration
	// RegistrationTTL: how long a registration's "set your password" link
	// is good for; default 24 hours.
	RegistrationTTL time.Duration
	// ResetTTL: how long a password-reset link is good for; default 1 hour.
	ResetTTL time.Duration
	// SignInTTL: how long a sign-in link is good for (A7); default 15
	// minutes.
	SignInTTL time.Duration
	// EmailTTL: how long the link that confirms a contact's new e-mail is
	// good for (P16); default 24 hours.
	EmailTTL time.Duration
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
	def(&o.ClientMailsPerHour, 20)
	dur(&o.Backoff, time.Second)
	dur(&o.MaxBackoff, 15*time.Minute)
	dur(&o.ForgetAfter, 24*time.Hour)
	dur(&o.InvitationTTL, 7*24*time.Hour)
	dur(&o.RegistrationTTL, 24*time.Hour)
	dur(&o.ResetTTL, time.Hour)
	dur(&o.SignInTTL, 15*time.Minute)
	dur(&o.EmailTTL, 24*time.Hour)
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

// portalOn begins a way in (A2–A8): it fails with ErrUnsupported over a
// store without an AuthStore (ways), reads the tenant's settings and fails
// with ErrPortalDisabled when the portal is off (S14).
func (p *Portal) portalOn(ctx context.Context, portalID uuid.UUID) (Settings, error) {
	if err := p.ways(); err != nil {
		return Settings{}, err
	}
	s, err := p.store.Settings(ctx, portalID)
	if err != nil {
		return Settings{}, classify(err)
	}
	if !s.Enabled {
		return Settings{}, ErrPortalDisabled
	}
	return s, nil
}

// passwordsOn is portalOn for the steps of a portal whose customers sign
// in with passwords (S12): under single sign-on the identity provider owns
// the passwords and the e-mails, and the step is ErrForbidden.
func (p *Portal) passwordsOn(ctx context.Context, portalID uuid.UUID) (Settings, error) {
	s, err := p.portalOn(ctx, portalID)
	if err != nil {
		return Settings{}, err
	}
	if s.Access.Auth != PasswordAuth {
		return Settings{}, fmt.Errorf("%w: the portal uses single sign-on", ErrForbidden)
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
		TokenRegistration: p.auth.RegistrationTTL, TokenReset: p.auth.ResetTTL, TokenSignIn: p.auth.SignInTTL, TokenEmail: p.auth.EmailTTL}[kind]
	tok, hash, err := newToken()
	if err != nil {
		return "", Token{}, err
	}
	now := p.clock()
	return tok, Token{PortalID: portalID, Hash: hash, Kind: kind, ContactID: contactID, CreatedAt: now, ExpiresAt: now.Add(ttl)}, nil
}

func (p *Portal) setPassword(ctx context.Context, portalID uuid.UUID, kind TokenKind, token, password string) error {
	if _, err := p.passwordsOn(ctx, portalID); err != nil {
		return err
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
	t, err := p.as.TakeToken(ctx, portalID, kind, hash)
	if isNotFound(err) {
		return errBadToken()
	} else if err != nil {
		return classify(err)
	}
	now := p.clock()
	if !now.Before(t.ExpiresAt) {
		return errBadToken()
	}
	c, err := p.contact(ctx, portalID, t.ContactID)
	if isNotFound(err) {
		return errBadToken()
	} else if err != nil {
		return classify(err)
	}
	email := NormalizeEmail(c.Email)
	// moved reports whether the contact's e-mail is no longer email: the
	// change ended the contact's tokens, this one with them.
	moved := func() bool {
		cur, err := p.contact(ctx, portalID, c.ID)
		return err != nil || NormalizeEmail(cur.Email) != email
	}
	// From here on a refusal puts the token back: an accept that fails
	// writes nothing and uses nothing up.
	refuse := func(why error) error {
		if moved() {
			return why
		}
		// Not over a newer token: an invitation sent meanwhile stays.
		if err := p.as.RestoreToken(ctx, t); err != nil && !lostRace(err) {
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
	_, err = p.as.Login(ctx, portalID, c.ID)
	switch {
	case isNotFound(err):
		l := Login{PortalID: portalID, ContactID: c.ID, Email: email, PasswordHash: encoded, CreatedAt: now, UpdatedAt: now}
		if err := p.as.CreateLogin(ctx, l); lostRace(err) {
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
		if _, err := p.as.UpdateLogin(ctx, LoginChange{PortalID: portalID, ContactID: c.ID, At: now, Password: encoded}); err != nil {
			return refuse(classify(err))
		}
	}
	// After the new hash is stored, never before: a login checked against
	// the old hash either stored its session before this (and it ends
	// here) or finds the new hash and takes its session back (Login).
	if _, err = p.as.DeleteSessions(ctx, portalID, c.ID, false); err != nil {
		return classify(err)
	}
	return p.endTokens(ctx, portalID, c.ID) // links mailed before the new password
}

// loginTaken says why the store refused to create the login of contactID
// with email: another contact logs in with the e-mail (a *ConflictError
// naming "email"), or the contact's own login was made meanwhile.
func (p *Portal) loginTaken(ctx context.Context, portalID, contactID uuid.UUID, email string) error {
	other, err := p.as.LoginByEmail(ctx, portalID, email)
	switch {
	case err == nil && other.ContactID != contactID:
		return errEmailTaken()
	case err != nil && !isNotFound(err):
		return classify(err)
	}
	return fmt.Errorf("%w: the contact's login was made meanwhile; try again", ErrConflict)
}
