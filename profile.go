// The contact's own account (P16): its name, language and time zone, its
// password, its sessions and its e-mail.

package portal

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata"
	"unicode" // time zones are checked the same on every host (X3)

	"github.com/google/uuid"
)

// Languages returns the languages the portal speaks to a contact in (X3):
// a contact's Language is one of them, or "" for the portal's.
func Languages() []string { return []string{"en", "da", "de", "sv"} }

func checkLanguage(ps *problems, field, v string) {
	if v != "" && !slices.Contains(Languages(), v) {
		ps.add(field, "%q is not one of %s", v, strings.Join(Languages(), ", "))
	}
}

// checkTimeZone accepts "" and the name of an IANA time zone
// ("Europe/Copenhagen", "UTC"). A name is looked up only when it has the
// form of one: no path of the host's files is ever opened for it.
func checkTimeZone(ps *problems, field, v string) {
	if v != "" && !validZone(v) {
		ps.add(field, "%q is not a time zone", v)
	}
}

// zone returns the time zone of a valid name (checkTimeZone); "" is UTC.
// A zone is loaded once per process.
func zone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := loadZone(name)
	if err != nil { // checked when saved; a host's zone data may lack it
		return time.UTC
	}
	return loc
}

// loadZone loads a zone once per process.
func loadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

var zones sync.Map // zone name → *time.Location

// zoneOf is where a contact reads dates: its own time zone, else the
// portal's, else UTC (X3).
func zoneOf(c *Contact, s *Settings) *time.Location {
	if c.TimeZone != "" {
		return zone(c.TimeZone)
	}
	return zone(s.TimeZone)
}

// validZone accepts the IANA names the embedded zone data has: they begin
// with a capital letter, so that none of a host's own files beside them
// ("localtime", "posix/…", "right/…") is taken for a zone on one host and
// refused on another.
func validZone(v string) bool {
	if len(v) > 64 || v == "Local" || v[0] < 'A' || v[0] > 'Z' || v[len(v)-1] == '/' || strings.Contains(v, "..") || strings.Contains(v, "//") {
		return false
	}
	for _, r := range v {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("/_-+", r):
		default:
			return false
		}
	}
	_, err := loadZone(v)
	return err == nil
}

// Profile is a contact's own account as it sees and changes it (P16).
type Profile struct {
	FirstName string
	LastName  string
	Email     string
	// Language and TimeZone are the contact's choices; "" is the portal's
	// (Settings.Language, Settings.TimeZone).
	Language string
	TimeZone string
	// HasPassword: the contact's login has a password, which
	// ChangePassword asks for. A contact that signs in with links (A7)
	// may have none.
	HasPassword bool
}

// ProfileInput is what a contact changes of its profile: every field is
// written as given (trimmed).
type ProfileInput struct {
	FirstName string // [firstName] 0–100 characters
	LastName  string // [lastName] 0–100 characters
	Language  string // [language] one of Languages, or ""
	TimeZone  string // [timeZone] an IANA time zone, or ""
}

// Profile returns the viewer's profile (P16). It fails with
// ErrPortalDisabled while the portal is off and ErrUnauthenticated when
// the contact is gone.
func (p *Portal) Profile(ctx context.Context, v Viewer) (_ Profile, err error) {
	defer p.speak(ctx, v, &err)
	if _, err := p.portalOn(ctx, v.PortalID); err != nil {
		return Profile{}, err
	}
	c, err := p.self(ctx, v.PortalID, v.ContactID)
	if err != nil {
		return Profile{}, err
	}
	return p.profileOf(ctx, c)
}

func (p *Portal) profileOf(ctx context.Context, c Contact) (Profile, error) {
	pr := Profile{FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, Language: c.Language, TimeZone: c.TimeZone}
	l, err := p.as.Login(ctx, c.PortalID, c.ID)
	switch {
	case err == nil:
		pr.HasPassword = l.PasswordHash != ""
	case !isNotFound(err):
		return Profile{}, classify(err)
	}
	return pr, nil
}

// self reads the contact a customer operation acts as.
func (p *Portal) self(ctx context.Context, portalID, contactID uuid.UUID) (Contact, error) {
	c, err := p.contact(ctx, portalID, contactID)
	if isNotFound(err) {
		return Contact{}, fmt.Errorf("%w: no such contact", ErrUnauthenticated)
	}
	return c, classify(err)
}

// errReadOnly refuses a preview's change of the contact's account (A5).
var errReadOnly = fmt.Errorf("%w: a preview is read-only", ErrForbidden)

// UpdateProfile writes the viewer's name, language and time zone (P16)
// and returns the profile. A changed name is an EventContactName in the
// outbox, written with it; a host's save of the contact in between is
// kept (the change is made again over it). Invalid input is ErrInvalid
// naming each field, and nothing is written; a preview is ErrForbidden.
func (p *Portal) UpdateProfile(ctx context.Context, v Viewer, in ProfileInput) (_ Profile, err error) {
	defer p.speak(ctx, v, &err)
	if _, err := p.portalOn(ctx, v.PortalID); err != nil {
		return Profile{}, err
	}
	if v.Preview {
		return Profile{}, errReadOnly
	}
	in = ProfileInput{FirstName: strings.TrimSpace(in.FirstName), LastName: strings.TrimSpace(in.LastName),
		Language: strings.TrimSpace(in.Language), TimeZone: strings.TrimSpace(in.TimeZone)}
	var ps problems
	checkName(&ps, "firstName", in.FirstName)
	checkName(&ps, "lastName", in.LastName)
	checkLanguage(&ps, "language", in.Language)
	checkTimeZone(&ps, "timeZone", in.TimeZone)
	if err := ps.err(); err != nil {
		return Profile{}, err
	}
	c, err := p.changeContact(ctx, v.PortalID, v.ContactID, func(c *Contact) (*Event, error) {
		var ev *Event
		if c.FirstName != in.FirstName || c.LastName != in.LastName {
			ev = &Event{Kind: EventContactName, FirstName: in.FirstName, LastName: in.LastName}
		}
		c.FirstName, c.LastName, c.Language, c.TimeZone = in.FirstName, in.LastName, in.Language, in.TimeZone
		return ev, nil
	}, nil)
	if err != nil {
		return Profile{}, err
	}
	return p.profileOf(ctx, c)
}

// checkName checks a name a contact gives itself: it goes to the
// helpdesk in an event, and may end up in a mail's header.
func checkName(ps *problems, field, v string) {
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		ps.add(field, "must not contain line breaks or other control characters")
		return
	}
	checkText(ps, field, v, 0, 100)
}

// changeContact writes a contact's change of its own record (P16): edit
// changes a copy of the stored contact and returns the event to write with
// it, or nil. An edit that changes nothing writes nothing. The write is
// made only over the record edit saw; after a host's save in between,
// the record is read and edited again.
func (p *Portal) changeContact(ctx context.Context, portalID, contactID uuid.UUID, edit func(c *Contact) (*Event, error), password *string) (Contact, error) {
	for attempt := 1; ; attempt++ {
		stored, err := p.self(ctx, portalID, contactID)
		if err != nil {
			return Contact{}, err
		}
		c := stored.Clone()
		ev, err := edit(&c)
		if err != nil {
			return Contact{}, err
		}
		c.UpdatedAt = stored.UpdatedAt
		if contactEqual(c, stored) {
			return stored, nil
		}
		c.UpdatedAt = after(p.clock(), stored.UpdatedAt)
		ch, err := p.contactChange(ctx, c, &stored)
		if err != nil {
			return Contact{}, err
		}
		ch.If.UpdatedAt, ch.If.Password = stored.UpdatedAt, password
		if ev != nil {
			if ev.ID, err = p.id(); err != nil {
				return Contact{}, err
			}
			ev.PortalID, ev.ContactID, ev.At = portalID, contactID, c.UpdatedAt
			ch.Event = ev
			if ch.Mail, err = p.emailNotice(ev); err != nil {
				return Contact{}, err
			}
		}
		err = p.store.PutContact(ctx, ch)
		if err == nil {
			if ev != nil {
				p.wake.notify(portalID)
			}
			if ch.Mail != nil {
				p.mailWake.notify(portalID)
			}
			return c, nil
		}
		if !lostRace(err) || attempt == maxAttempts {
			return Contact{}, classify(err)
		}
	}
}

// emailNotice is the mail a contact's change of e-mail (ev) owes its
// previous address, queued with the change: the owner of an account
// taken over learns of it there. Other changes owe none.
func (p *Portal) emailNotice(ev *Event) (*QueuedMail, error) {
	if ev.Kind != EventContactEmail || ev.PreviousEmail == "" || p.as == nil {
		return nil, nil
	}
	id, err := p.id()
	if err != nil {
		return nil, err
	}
	now := p.clock()
	return &QueuedMail{ID: id, PortalID: ev.PortalID, Kind: MailEmailChanged, ContactID: ev.ContactID,
		Email: pair(NormalizeEmail(ev.PreviousEmail), ev.Email), QueuedAt: now, DueAt: now}, nil
}

// contactEqual reports whether two contacts hold the same.
func contactEqual(a, b Contact) bool {
	return a.FirstName == b.FirstName && a.LastName == b.LastName && a.Email == b.Email &&
		a.Language == b.Language && a.TimeZone == b.TimeZone && a.CompanyID == b.CompanyID &&
		a.UpdatedAt.Equal(b.UpdatedAt)
}

// ChangePassword sets a new password for the session's contact (P16) and
// ends every other session of it: it returns the token of a new session
// for the caller, which replaces s. The current password is required when
// the login has one (ErrInvalid naming "currentPassword" when it is wrong;
// wrong guesses slow their client down as a login's do, A8); the new one
// follows the password rules (ErrInvalid naming "password"). It fails with
// ErrForbidden for a preview and under single sign-on, and
// ErrPortalDisabled while the portal is off.
func (p *Portal) ChangePassword(ctx context.Context, s Session, current, next string) (_ string, _ Session, err error) {
	defer p.speak(ctx, s.Viewer(), &err)
	if _, err := p.passwordsOn(ctx, s.PortalID); err != nil {
		return "", Session{}, err
	}
	if s.Preview {
		return "", Session{}, errReadOnly
	}
	l, err := p.as.Login(ctx, s.PortalID, s.ContactID)
	if isNotFound(err) {
		return "", Session{}, fmt.Errorf("%w: the contact has no login", ErrUnauthenticated)
	} else if err != nil {
		return "", Session{}, classify(err)
	}
	if l.PasswordHash != "" {
		if err := p.checkCurrent(ctx, l, current); err != nil {
			return "", Session{}, err
		}
	}
	if err := checkPassword("password", next, l.Email, p.auth.MinPasswordLength); err != nil {
		return "", Session{}, err
	}
	encoded, err := p.auth.Password.hash(next)
	if err != nil {
		return "", Session{}, classify(err)
	}
	_, err = p.as.UpdateLogin(ctx, LoginChange{PortalID: s.PortalID, ContactID: s.ContactID, At: p.clock(),
		IfPassword: l.PasswordHash, Password: encoded})
	if lostRace(err) || isNotFound(err) {
		return "", Session{}, fmt.Errorf("%w: the password changed meanwhile; try again", ErrConflict)
	} else if err != nil {
		return "", Session{}, classify(err)
	}
	// After the new hash, as a reset does: a login checked against the old
	// one either stored its session before this or takes it back.
	if _, err := p.as.DeleteSessions(ctx, s.PortalID, s.ContactID, false); err != nil {
		return "", Session{}, classify(err)
	}
	if err := p.endTokens(ctx, s.PortalID, s.ContactID); err != nil {
		return "", Session{}, err
	}
	if err := p.as.ClearThrottle(ctx, s.PortalID, keysOf(ctx, l.Email).login); err != nil {
		return "", Session{}, classify(err)
	}
	return p.newSession(ctx, s.PortalID, s.ContactID, "")
}

// endTokens ends every link mailed for the contact (its tokens) once its
// password is set: a link asked for with a session or a password that no
// longer opens anything (a thief's e-mail change, say) moves no login and
// lets no one in.
func (p *Portal) endTokens(ctx context.Context, portalID, contactID uuid.UUID) error {
	for attempt := 1; ; attempt++ {
		c, err := p.contact(ctx, portalID, contactID)
		if isNotFound(err) {
			return nil
		} else if err != nil {
			return classify(err)
		}
		ch, err := p.contactChange(ctx, c, &c)
		if err != nil {
			return err
		}
		ch.If.UpdatedAt, ch.EndTokens = c.UpdatedAt, true
		err = p.store.PutContact(ctx, ch)
		if !lostRace(err) || attempt == maxAttempts {
			return classify(err)
		}
	}
}

// checkCurrent checks a contact's current password against its login l,
// throttled as a login is.
func (p *Portal) checkCurrent(ctx context.Context, l Login, current string) error {
	now := p.clock()
	keys := keysOf(ctx, l.Email)
	throttled, err := p.throttled(ctx, l.PortalID, keys, now)
	if err != nil {
		return err
	}
	wrong := invalid("currentPassword", "is not your current password")
	if throttled {
		return wrong
	}
	if len(current) <= MaxPasswordLength {
		if ok, _ := verifyPassword(l.PasswordHash, current, p.auth.Password); ok {
			return nil
		}
	}
	if err := p.loginFailed(ctx, l, now); err != nil {
		return err
	}
	if err := p.failed(ctx, l.PortalID, keys, now); err != nil {
		return err
	}
	return wrong
}

// SessionInfo is one of a contact's sessions as it sees them (P16).
type SessionInfo struct {
	// ID names the session for EndSession; it is no token and lets no one
	// in.
	ID         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// Current is the session the list was asked through.
	Current bool
}

// sessionID is the name of the session with token hash h.
func sessionID(h TokenHash) string {
	sum := sha256.Sum256(append([]byte("session\x00"), h[:]...))
	return hex.EncodeToString(sum[:16])
}

// Sessions lists the active sessions of s's contact (P16), the most
// recently active first; helpdesk users' previews are not the contact's
// and are left out. It fails with ErrPortalDisabled while the portal is
// off.
func (p *Portal) Sessions(ctx context.Context, s Session) (_ []SessionInfo, err error) {
	defer p.speak(ctx, s.Viewer(), &err)
	ss, err := p.activeSessions(ctx, s)
	if err != nil {
		return nil, err
	}
	out := make([]SessionInfo, len(ss))
	for i, x := range ss {
		out[i] = SessionInfo{ID: sessionID(x.Hash), CreatedAt: x.CreatedAt, LastSeenAt: x.LastSeenAt,
			ExpiresAt: x.ExpiresAt, Current: x.Hash == s.Hash}
	}
	slices.SortFunc(out, func(a, b SessionInfo) int {
		return cmp.Or(b.LastSeenAt.Compare(a.LastSeenAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// EndSession ends one of s's contact's sessions, named by its
// SessionInfo.ID (P16): the current one too, as Logout does. An ID that
// names none of them is ErrNotFound; a preview is ErrForbidden.
func (p *Portal) EndSession(ctx context.Context, s Session, id string) (err error) {
	defer p.speak(ctx, s.Viewer(), &err)
	ss, err := p.activeSessions(ctx, s)
	if err != nil {
		return err
	}
	if s.Preview {
		return errReadOnly
	}
	for _, x := range ss {
		if sessionID(x.Hash) == id {
			return classify(p.as.DeleteSession(ctx, s.PortalID, x.Hash))
		}
	}
	return fmt.Errorf("%w: no such session", ErrNotFound)
}

// activeSessions reads the sessions of s's contact that have not ended.
func (p *Portal) activeSessions(ctx context.Context, s Session) ([]Session, error) {
	set, err := p.portalOn(ctx, s.PortalID)
	if err != nil {
		return nil, err
	}
	ss, err := p.as.Sessions(ctx, s.PortalID, s.ContactID, false)
	if err != nil {
		return nil, classify(err)
	}
	now := p.clock()
	return slices.DeleteFunc(ss, func(x Session) bool { // ended, though not purged yet
		return !now.Before(x.ExpiresAt) || now.Sub(x.LastSeenAt) >= set.IdleTimeout
	}), nil
}

// RequestEmailChange asks for s's contact's e-mail to become email (P16):
// the delivery mails a link to the new address (AuthOptions.EmailTTL, 24
// hours; a new request replaces it), and nothing changes until
// ConfirmEmailChange spends it. The contact's current password is
// required when its login has one (ErrInvalid naming "currentPassword",
// throttled as a login), so that a session alone cannot move the login;
// a new password ends the link. An address that is not one, the
// contact's own, or another login's is ErrInvalid or ErrConflict naming
// "email". Requests are limited per address and client as other mails
// are, the refused ones too (A8). It fails with ErrForbidden for a
// preview and under single sign-on (the identity provider owns the
// address), and ErrPortalDisabled while the portal is off.
func (p *Portal) RequestEmailChange(ctx context.Context, s Session, email, password string) (err error) {
	defer p.speak(ctx, s.Viewer(), &err)
	if _, err := p.passwordsOn(ctx, s.PortalID); err != nil {
		return err
	}
	switch {
	case s.Preview:
		return errReadOnly
	case p.mailer == nil:
		return errNoMailer
	}
	email, err = emailInput(email)
	if err != nil {
		return err
	}
	c, err := p.self(ctx, s.PortalID, s.ContactID)
	if err != nil {
		return err
	}
	if NormalizeEmail(c.Email) == email {
		return invalid("email", "is your e-mail already")
	}
	l, err := p.as.Login(ctx, s.PortalID, s.ContactID)
	if isNotFound(err) {
		return fmt.Errorf("%w: the contact has no login", ErrUnauthenticated)
	} else if err != nil {
		return classify(err)
	}
	if l.PasswordHash != "" {
		if err := p.checkCurrent(ctx, l, password); err != nil {
			return err
		}
	}
	// Counted before the address is looked at, against the contact's and
	// the client's mails: whether an address has a login costs a request
	// of them, not of the address's own, which only a mail sent to it
	// uses up.
	contact := mailLimit{throttleKey("mail-contact", s.ContactID.String()), p.auth.ClientMailsPerHour}
	if ok, err := p.allow(ctx, s.PortalID, append(p.clientMails(ctx), contact)); err != nil || !ok {
		return err
	}
	if err := p.emailFree(ctx, s.PortalID, s.ContactID, email); err != nil {
		return err
	}
	if ok, err := p.allow(ctx, s.PortalID, p.addressMails(ctx, email)); err != nil || !ok {
		return err
	}
	return p.enqueue(ctx, s.PortalID, TokenEmail, s.ContactID, pair(email, passwordMark(l)))
}

// passwordMark marks the password a login has now: an e-mail change asked
// with one is void once it changes (ChangePassword, a reset), however the
// change and the change's link interleave.
func passwordMark(l Login) string {
	sum := sha256.Sum256([]byte("password mark\x00" + l.PasswordHash))
	return hex.EncodeToString(sum[:8])
}

// pair is how a queued mail (QueuedMail.Email) and a token (Token.Email)
// keep two texts in one: an e-mail change's address and the mark of the
// password it was asked with; its notice's previous address and the new
// one.
func pair(first, second string) string { return first + "\n" + second }

// unpair splits a pair.
func unpair(s string) (first, second string) {
	first, second, _ = strings.Cut(s, "\n")
	return first, second
}

// emailFree checks that no other contact's login has email.
func (p *Portal) emailFree(ctx context.Context, portalID, contactID uuid.UUID, email string) error {
	switch other, err := p.as.LoginByEmail(ctx, portalID, email); {
	case err == nil && other.ContactID != contactID:
		return errEmailTaken()
	case err != nil && !isNotFound(err):
		return classify(err)
	}
	return nil
}

// ConfirmEmailChange spends the token of an e-mail change's link (P16):
// the contact's e-mail, and its login's, become the address the link was
// mailed to; the links mailed to the old one end; an EventContactEmail
// goes to the outbox with it, and a notice to the old address, which
// names the new one, to the mail queue (MailEmailChanged). A token that
// is malformed, unknown, used or expired is ErrInvalid naming "token"; an
// address another login took meanwhile is ErrConflict naming "email". It
// fails with ErrPortalDisabled while the portal is off.
func (p *Portal) ConfirmEmailChange(ctx context.Context, portalID uuid.UUID, token string) (err error) {
	defer p.speak(ctx, Viewer{PortalID: portalID}, &err)
	set, err := p.passwordsOn(ctx, portalID)
	if err != nil {
		return err
	}
	hash, ok := parseToken(token)
	if !ok {
		return errBadToken()
	}
	t, err := p.as.TakeToken(ctx, portalID, TokenEmail, hash)
	if isNotFound(err) {
		return errBadToken()
	} else if err != nil {
		return classify(err)
	}
	address, mark := unpair(t.Email)
	if !p.clock().Before(t.ExpiresAt) || address == "" {
		return errBadToken()
	}
	// The login moves only while its password is the one the change was
	// asked with: checked here, and again by the store as it writes.
	var password string
	_, err = p.changeContact(ctx, portalID, t.ContactID, func(c *Contact) (*Event, error) {
		switch l, err := p.as.Login(ctx, portalID, t.ContactID); {
		case isNotFound(err):
			return nil, errBadToken()
		case err != nil:
			return nil, classify(err)
		case mark != passwordMark(l):
			return nil, errBadToken() // the password changed since it was asked
		default:
			password = l.PasswordHash
		}
		if !inAccessGroups(&set, c) {
			return nil, errAccessDenied
		}
		if NormalizeEmail(c.Email) == address {
			return nil, nil
		}
		ev := &Event{Kind: EventContactEmail, Email: address, PreviousEmail: c.Email}
		c.Email = address
		return ev, nil
	}, &password)
	if errors.Is(err, ErrUnauthenticated) {
		return errBadToken() // the contact is gone
	}
	return err
}
