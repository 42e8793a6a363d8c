package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
)

// These tests state the rules of getting in (S11–S15, A1–A6, P9) through
// the Portal façade over the store under test: the Portal holds the rules,
// and they hold only if the store keeps logins, tokens and sessions as its
// contract says.

// authStoreTests hold LoginStore, TokenStore and ThrottleStore to their
// contract where a step needs more than identity.go's records: called
// directly.
var authStoreTests = []test{
	{name: "ThrottleCountsAreAtomicAndForgotten", fn: auth(testThrottleStore)},
	{name: "RegistrationIsOneStep", fn: auth(testRegisterStore)},
	{name: "RestoredTokenNeverReplacesANewerOne", fn: auth(testRestoreToken)},
}

// authTests check getting in through Portal.
var authTests = []test{
	{name: "InvitationSetsAPasswordOnce", fn: auth(testInvitation)},
	{name: "InvitationTokensRefuseEveryForgery", fn: auth(testInvitationTokens)},
	{name: "ConcurrentUsesOfAnInvitationHaveOneWinner", fn: auth(testConcurrentInvitation)},
	{name: "ContactsSharingAnEmailHaveOneLogin", fn: auth(testSharedEmailInvitations)},
	{name: "ContactOutsideTheAccessGroupsIsRefused", fn: auth(testAccessGroups)},
	{name: "RegistrationNeedsConsentAndRecordsIt", fn: auth(testRegistration)},
	{name: "RegistrationLinksAKnownContact", fn: auth(testRegistrationKnownContact)},
	{name: "EveryRegistrationRecordsItsConsent", fn: auth(testRegistrationConsentEachTime)},
	{name: "RegistrationAndResetDoNotEnumerate", fn: auth(testNoEnumeration)},
	{name: "PasswordLoginNormalisesEmailAndHidesWhichPartFailed", fn: auth(testPasswordLogin)},
	{name: "RepeatedFailuresSlowDownTheirClient", fn: auth(testThrottling)},
	{name: "NoOneCanLockACustomerOut", fn: auth(testNoLockout)},
	{name: "AClientFailingOnManyLoginsIsSlowed", fn: auth(testClientThrottle)},
	{name: "MailsToAnAddressAreLimited", fn: auth(testMailLimit)},
	{name: "ConcurrentFirstRegistrationsMakeOneContact", fn: auth(testRegisterRace)},
	{name: "RegistrationChoosesTheContactWithTheLowestID", fn: auth(testRegisterChoosesTheContact)},
	{name: "RegistrationIsDecidedAgainAfterARace", fn: auth(testRegisterDecidedAgain)},
	{name: "RaisedParametersRehashOnLogin", fn: auth(testRehash)},
	{name: "PasswordResetEndsTheContactsSessions", fn: auth(testPasswordReset)},
	{name: "LoginFollowsTheContactsNewEmail", fn: auth(testEmailChange)},
	{name: "EmailChangeIsDecidedAgainAfterARace", fn: auth(testEmailChangeDecidedAgain)},
	{name: "MailFollowsAnEmailChangeBeforeItsToken", fn: auth(testMailFollowsAnEmailChange)},
	{name: "LoginCatchesUpWithItsContactAndEndsItsLinks", fn: auth(testLoginCatchesUpWithItsContact)},
	{name: "ResetDuringALoginWithTheOldPasswordWins", fn: auth(testResetDuringLogin)},
	{name: "RehashDuringALoginRefusesNoRightPassword", fn: auth(testRehashDuringLogin)},
	{name: "SingleSignOn", fn: auth(testSingleSignOn)},
	{name: "SessionTokensAreRandomAndStoredHashed", fn: auth(testSessionTokens)},
	{name: "SessionIdleTimeoutSlidesWithBoundedWrites", fn: auth(testIdleTimeout)},
	{name: "SessionEndsAfterItsLifetime", fn: auth(testSessionLifetime)},
	{name: "LogoutEndsTheSessionAtOnce", fn: auth(testLogout)},
	{name: "PortalSwitchClosesTheDoor", fn: auth(testPortalSwitchDoor)},
	{name: "PreviewIsReadOnlyAndMarked", fn: auth(testPreview)},
	{name: "PurgeDeletesOnlyWhatGrantsNothing", fn: auth(testPurge)},
	{name: "RefusedAcceptKeepsANewerInvitation", fn: auth(testRefusedAcceptKeepsANewerInvitation)},
	{name: "AcceptDuringAnEmailChangeMakesNoStaleLogin", fn: auth(testAcceptDuringEmailChange)},
}

// clock is a settable Now hook.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// cheap are argon2id parameters that keep tests fast; the defaults are
// measured by BenchmarkLogin.
var cheap = portal.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// touchCounter counts the store's session touches.
type touchCounter struct {
	authStore
	touches atomic.Int64
}

func (s *touchCounter) TouchSession(ctx context.Context, portalID uuid.UUID, hash portal.TokenHash, at time.Time) error {
	s.touches.Add(1)
	return s.authStore.TouchSession(ctx, portalID, hash, at)
}

// door is a portal with contacts at its door: ann and bob are in the access
// list, carl is not.
type door struct {
	s              *touchCounter
	p              *portal.Portal
	pid            uuid.UUID
	mail           *portaltest.Mailbox
	clock          *clock
	list           portal.ContactList
	ann, bob, carl portal.Contact
	ticket         portal.Ticket
}

const goodPassword = "correct horse battery staple"

func newDoor(t *testing.T, s authStore, change func(*portal.Settings), opts ...func(*portal.Options)) *door {
	t.Helper()
	d := &door{s: &touchCounter{authStore: s}, mail: &portaltest.Mailbox{}, clock: &clock{now: baseTime}}
	o := portal.Options{Now: d.clock.Now, Mailer: d.mail, Auth: portal.AuthOptions{Password: cheap}}
	for _, f := range opts {
		f(&o)
	}
	var err error
	d.p, err = portal.New(d.s, o)
	require.NoError(t, err)
	tenant, err := d.p.CreateTenant(ctx(t), "Acme helpdesk")
	require.NoError(t, err)
	d.pid = tenant.ID
	ch, err := d.p.SaveChannel(ctx(t), portal.Channel{PortalID: d.pid, Name: "Desk", Kind: portal.HelpDesk, CreatesTickets: true})
	require.NoError(t, err)
	d.list, err = d.p.SaveContactList(ctx(t), portal.ContactList{PortalID: d.pid, Name: "Portal users"})
	require.NoError(t, err)
	other, err := d.p.SaveContactList(ctx(t), portal.ContactList{PortalID: d.pid, Name: "Newsletter"})
	require.NoError(t, err)
	contact := func(first, email string, lists ...uuid.UUID) portal.Contact {
		c, err := d.p.SaveContact(ctx(t), portal.Contact{PortalID: d.pid, FirstName: first, Email: email, Lists: lists})
		require.NoError(t, err)
		return c
	}
	d.ann = contact("Ann", "Ann@Acme.example", d.list.ID, other.ID)
	d.bob = contact("Bob", "bob@acme.example", d.list.ID)
	d.carl = contact("Carl", "carl@acme.example", other.ID)
	pl, err := d.p.SavePipeline(ctx(t), portal.Pipeline{PortalID: d.pid, Name: "Support", Stages: []portal.Stage{
		{Name: "New", State: portal.StageOpen}, {Name: "Closed", State: portal.StageClosed}}})
	require.NoError(t, err)
	d.ticket, err = d.p.SaveTicket(ctx(t), portal.Ticket{PortalID: d.pid, Subject: "Ann's printer", PipelineID: pl.ID,
		StageID: pl.Stages[0].ID, ContactIDs: []uuid.UUID{d.ann.ID}})
	require.NoError(t, err)
	d.set(t, func(st *portal.Settings) {
		st.Enabled, st.DefaultChannel = true, ch.ID
		st.Access = portal.Access{Mode: portal.AccessGroups, Lists: []uuid.UUID{d.list.ID}, Auth: portal.PasswordAuth}
		if change != nil {
			change(st)
		}
	})
	return d
}

// set changes the tenant's current settings and saves them.
func (d *door) set(t *testing.T, change func(*portal.Settings)) portal.Settings {
	t.Helper()
	return changeSettings(t, d.p, d.pid, change)
}

// sent delivers the queued mails and returns every mail sent so far.
func (d *door) sent(t *testing.T) []portal.Mail {
	t.Helper()
	_, err := d.p.DeliverMail(ctx(t), d.pid)
	require.NoError(t, err)
	return d.mail.Sent()
}

// last delivers the queued mails and returns the last one sent to email.
func (d *door) last(t *testing.T, email string) (portal.Mail, bool) {
	t.Helper()
	_, err := d.p.DeliverMail(ctx(t), d.pid)
	require.NoError(t, err)
	return d.mail.Last(email)
}

// lastToken returns the token of the last mail to email, of kind.
func (d *door) lastToken(t *testing.T, email string, kind portal.TokenKind) string {
	t.Helper()
	m, ok := d.last(t, email)
	require.True(t, ok, "a mail to %s", email)
	require.Equal(t, kind, m.Kind)
	require.Contains(t, m.Link, m.Token)
	require.Contains(t, m.Body, m.Link)
	return m.Token
}

// invited gives c a password through an invitation and returns its e-mail
// as the login has it.
func (d *door) invited(t *testing.T, c portal.Contact) string {
	t.Helper()
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, c.ID))
	email := portal.NormalizeEmail(c.Email)
	require.NoError(t, d.p.AcceptInvitation(ctx(t), d.pid, d.lastToken(t, c.Email, portal.TokenInvitation), goodPassword))
	return email
}

func (d *door) login(t *testing.T, email string) string {
	t.Helper()
	tok, _, err := d.p.Login(ctx(t), d.pid, email, goodPassword)
	require.NoError(t, err)
	return tok
}

// requireEmailAndNameKept checks that the contact's stored e-mail and
// first name are still those of was: a refused change wrote nothing.
func (d *door) requireEmailAndNameKept(t *testing.T, was portal.Contact) {
	t.Helper()
	c, err := d.p.Contact(ctx(t), d.pid, was.ID)
	require.NoError(t, err)
	require.Equal(t, []string{was.Email, was.FirstName}, []string{c.Email, c.FirstName}, "nothing changed")
}

// covers: S11, A3 (invitations to the chosen lists; accepting sets the
// password; the contact is in)
func testInvitation(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	n, err := d.p.Invite(ctx(t), d.pid)
	require.NoError(t, err)
	require.Equal(t, 2, n, "ann and bob, not carl")
	_, ok := d.last(t, d.carl.Email)
	require.False(t, ok, "carl is in no access list")
	m, ok := d.last(t, d.ann.Email)
	require.True(t, ok)
	require.Equal(t, baseTime.Add(7*24*time.Hour), m.ExpiresAt, "default: 7 days")
	require.True(t, strings.HasPrefix(m.Link, "https://support.example.com/portal/invitation?token="), m.Link)

	require.NoError(t, d.p.AcceptInvitation(ctx(t), d.pid, m.Token, goodPassword))
	l, err := s.Login(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	require.Equal(t, "ann@acme.example", l.Email)
	require.True(t, strings.HasPrefix(l.PasswordHash, "$argon2id$v=19$m=64,t=1,p=1$"), l.PasswordHash)
	require.NotContains(t, l.PasswordHash, goodPassword)
	require.Empty(t, l.ConsentVersion, "an invitation records no consent")

	tok, sess, err := d.p.Login(ctx(t), d.pid, "ann@acme.example", goodPassword)
	require.NoError(t, err)
	got, err := d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err)
	require.Equal(t, sess, got)
	require.Equal(t, portal.Viewer{PortalID: d.pid, ContactID: d.ann.ID}, got.Viewer())
	page, err := d.p.ListTickets(ctx(t), got.Viewer(), portal.ListQuery{Limit: 10})
	require.NoError(t, err, "the session's viewer lists tickets")
	require.Len(t, page.Rows, 1)

	n, err = d.p.Invite(ctx(t), d.pid)
	require.NoError(t, err)
	require.Equal(t, 1, n, "ann has a password now; bob is invited again")

	require.ErrorIs(t, d.p.InviteContact(ctx(t), d.pid, d.carl.ID), portal.ErrForbidden, "carl is in no access list")
	d.set(t, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.SelfRegistration, Auth: portal.PasswordAuth}
	})
	_, err = d.p.Invite(ctx(t), d.pid)
	require.ErrorIs(t, err, portal.ErrForbidden, "invitations are for access groups")
}

// covers: A3 (single-use, expiring, replaced, of this portal, unchanged)
func testInvitationTokens(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	bad := func(tok, why string) {
		t.Helper()
		err := d.p.AcceptInvitation(ctx(t), d.pid, tok, goodPassword)
		require.ErrorIs(t, err, portal.ErrInvalid, why)
		var ve *portal.ValidationError
		require.ErrorAs(t, err, &ve)
		require.True(t, ve.Has("token"), why)
	}
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.ann.ID))
	first := d.lastToken(t, d.ann.Email, portal.TokenInvitation)
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.ann.ID))
	second := d.lastToken(t, d.ann.Email, portal.TokenInvitation)
	require.NotEqual(t, first, second)
	bad(first, "a re-invitation replaces the old token")

	// A token with one character changed, a malformed one, a reset token.
	changed := []byte(second)
	if changed[5] == 'A' {
		changed[5] = 'B'
	} else {
		changed[5] = 'A'
	}
	bad(string(changed), "one character changed")
	bad(second[:len(second)-1], "too short")
	bad(second+"A", "too long")
	bad("", "empty")
	bad(strings.Repeat("!", len(second)), "not base64url")

	// Another portal's token.
	other := newDoor(t, s, nil)
	require.NoError(t, other.p.InviteContact(ctx(t), other.pid, other.ann.ID))
	foreign := other.lastToken(t, other.ann.Email, portal.TokenInvitation)
	bad(foreign, "another portal's token")

	// A weak password leaves the token usable.
	err := d.p.AcceptInvitation(ctx(t), d.pid, second, "short")
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve)
	require.True(t, ve.Has("password"))

	require.NoError(t, d.p.AcceptInvitation(ctx(t), d.pid, second, goodPassword))
	bad(second, "used")

	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID))
	expiring := d.lastToken(t, d.bob.Email, portal.TokenInvitation)
	d.clock.advance(7 * 24 * time.Hour)
	bad(expiring, "expired")
	_, err = s.Login(ctx(t), d.pid, d.bob.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "no login was made")
}

// covers: A3 (two uses of one invitation at once: one sets the password)
func testConcurrentInvitation(t *testing.T, s authStore) {
	const n = 6
	d := newDoor(t, s, nil)
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.ann.ID))
	tok := d.lastToken(t, d.ann.Email, portal.TokenInvitation)
	errs := make([]error, n)
	startTogether(n, func(i int) {
		errs[i] = d.p.AcceptInvitation(ctx(t), d.pid, tok, goodPassword+string(rune('a'+i)))
	})
	won := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, won, "a second winner")
			won = i
		} else {
			require.ErrorIs(t, err, portal.ErrInvalid)
		}
	}
	require.GreaterOrEqual(t, won, 0)
	_, _, err := d.p.Login(ctx(t), d.pid, d.ann.Email, goodPassword+string(rune('a'+won)))
	require.NoError(t, err, "the winner's password is the one set")
}

// covers: A3, S11 (two contacts with one e-mail: the first to accept its
// invitation has the login; the other's accept is refused naming "email"
// and uses nothing up, and it is invited no more)
func testSharedEmailInvitations(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	twin, err := d.p.SaveContact(ctx(t), portal.Contact{PortalID: d.pid, FirstName: "Ann (work)",
		Email: "ann@acme.EXAMPLE", Lists: []uuid.UUID{d.list.ID}})
	require.NoError(t, err)
	email := portal.NormalizeEmail(d.ann.Email)
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, twin.ID))
	twinTok := d.lastToken(t, twin.Email, portal.TokenInvitation)
	d.invited(t, d.ann)

	err = d.p.AcceptInvitation(ctx(t), d.pid, twinTok, goodPassword)
	requireConflict(t, err, "email")
	_, err = s.Login(ctx(t), d.pid, twin.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "no login was made")
	d.login(t, email) // ann's login is untouched

	before := len(d.sent(t))
	n, err := d.p.Invite(ctx(t), d.pid)
	require.NoError(t, err)
	require.Equal(t, 1, n, "bob; not ann, who is in, nor her twin, whose e-mail is ann's login")
	for _, m := range d.sent(t)[before:] {
		require.Equal(t, d.bob.Email, m.To)
	}
	err = d.p.InviteContact(ctx(t), d.pid, twin.ID)
	requireConflict(t, err, "email", "an invitation that could not be accepted is refused")

	// Once ann logs in with another e-mail, the twin's invitation works:
	// the refused accept did not use it up.
	ann := d.ann
	ann.Email = "ann@home.example"
	_, err = d.p.SaveContact(ctx(t), ann)
	require.NoError(t, err)
	require.NoError(t, d.p.AcceptInvitation(ctx(t), d.pid, twinTok, goodPassword))
	tok := d.login(t, email)
	sess, err := d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err)
	require.Equal(t, twin.ID, sess.ContactID)
	d.login(t, "ann@home.example")
}

// covers: S11, A3, A8 (only members of the chosen lists get in; leaving the
// lists ends access at the next request, even with a live session)
func testAccessGroups(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	tok := d.login(t, email)
	_, err := d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err)

	ann := d.ann
	ann.Lists = nil
	_, err = d.p.SaveContact(ctx(t), ann)
	require.NoError(t, err)
	_, err = d.p.Authenticate(ctx(t), d.pid, tok)
	require.ErrorIs(t, err, portal.ErrForbidden, "left every list")
	_, _, wrong := d.p.Login(ctx(t), d.pid, email, goodPassword+"!")
	require.ErrorIs(t, wrong, portal.ErrUnauthenticated)
	_, _, err = d.p.Login(ctx(t), d.pid, email, goodPassword)
	require.Equal(t, wrong, err, "the right password, but no access group: answered as a wrong one (A8)")
	l, err := s.Login(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, l.Failures, "it counts as a failure too, so the throttle tells nothing either")

	_, err = d.p.SaveContact(ctx(t), d.ann) // back in the list
	require.NoError(t, err)
	_, err = d.p.Authenticate(ctx(t), d.pid, tok)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "the refused session was ended")
	d.login(t, email)

	d.set(t, func(st *portal.Settings) { st.Access.Lists = nil })
	_, _, err = d.p.Login(ctx(t), d.pid, email, goodPassword)
	require.Equal(t, wrong, err, "no list chosen: nobody gets in")
}

// covers: A2, S13 (consent required and recorded; new e-mail, new contact;
// registration only under self-registration)
func testRegistration(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	reg := portal.Registration{Email: "  New.Person@Example.COM ", FirstName: "New", Consent: true}
	require.ErrorIs(t, d.p.Register(ctx(t), d.pid, reg), portal.ErrForbidden, "access-groups mode")

	st := d.set(t, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.SelfRegistration, Auth: portal.PasswordAuth}
	})
	noConsent := reg
	noConsent.Consent = false
	err := d.p.Register(ctx(t), d.pid, noConsent)
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve)
	require.True(t, ve.Has("consent"))
	err = d.p.Register(ctx(t), d.pid, portal.Registration{Email: "not an address", Consent: true})
	require.ErrorAs(t, err, &ve)
	require.True(t, ve.Has("email"))
	require.Empty(t, d.sent(t), "refused registrations send nothing")
	_, err = s.LoginByEmail(ctx(t), d.pid, "new.person@example.com")
	require.ErrorIs(t, err, portal.ErrNotFound, "and store nothing")

	d.clock.advance(time.Minute)
	require.NoError(t, d.p.Register(ctx(t), d.pid, reg))
	l, err := s.LoginByEmail(ctx(t), d.pid, "new.person@example.com")
	require.NoError(t, err)
	require.Equal(t, portal.ConsentVersion(st.Consent), l.ConsentVersion)
	require.Equal(t, baseTime.Add(time.Minute), l.ConsentAt)
	require.Empty(t, l.PasswordHash, "the password is set once the e-mail is proved")
	c, err := d.p.Contact(ctx(t), d.pid, l.ContactID)
	require.NoError(t, err)
	require.Equal(t, "new.person@example.com", c.Email)
	require.Equal(t, "New", c.FirstName)

	_, _, err = d.p.Login(ctx(t), d.pid, "new.person@example.com", goodPassword)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "no password yet")
	tok := d.lastToken(t, "new.person@example.com", portal.TokenRegistration)
	require.NoError(t, d.p.CompleteRegistration(ctx(t), d.pid, tok, goodPassword))
	d.login(t, "NEW.PERSON@example.com")
}

// covers: A2 (a known e-mail is linked to its contact)
func testRegistrationKnownContact(t *testing.T, s authStore) {
	d := newDoor(t, s, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.SelfRegistration, Auth: portal.PasswordAuth}
	})
	require.NoError(t, d.p.Register(ctx(t), d.pid, portal.Registration{Email: "CARL@acme.example", Consent: true}))
	l, err := s.LoginByEmail(ctx(t), d.pid, "carl@acme.example")
	require.NoError(t, err)
	require.Equal(t, d.carl.ID, l.ContactID)
	require.NoError(t, d.p.CompleteRegistration(ctx(t), d.pid, d.lastToken(t, "carl@acme.example", portal.TokenRegistration), goodPassword))
	tok := d.login(t, "carl@acme.example")
	sess, err := d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err)
	require.Equal(t, d.carl.ID, sess.ContactID, "self-registration does not need access lists")
	cs, err := s.ContactsByEmail(ctx(t), d.pid, "carl@acme.example")
	require.NoError(t, err)
	require.Len(t, cs, 1, "no second contact")
}

// covers: S13, A2 (every registration records the consent version and
// time accepted in it: that of a login made without consent, by single
// sign-on under access groups, and that of a pending registration made
// again after the consent text changed)
func testRegistrationConsentEachTime(t *testing.T, s authStore) {
	d := newDoor(t, s, func(st *portal.Settings) { st.Access.Auth = portal.SingleSignOn })
	_, _, err := d.p.SSOLogin(ctx(t), d.pid, portal.Identity{Email: d.ann.Email, EmailVerified: true})
	require.NoError(t, err)
	l, err := s.Login(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	require.Empty(t, l.ConsentVersion, "under access groups single sign-on asks no consent")

	st := d.set(t, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.SelfRegistration, Auth: portal.PasswordAuth}
	})
	d.clock.advance(time.Minute)
	require.NoError(t, d.p.Register(ctx(t), d.pid, portal.Registration{Email: d.ann.Email, Consent: true}))
	email := portal.NormalizeEmail(d.ann.Email)
	require.NoError(t, d.p.CompleteRegistration(ctx(t), d.pid, d.lastToken(t, email, portal.TokenRegistration), goodPassword))
	l, err = s.Login(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	require.Equal(t, portal.ConsentVersion(st.Consent), l.ConsentVersion, "the consent of this registration")
	require.Equal(t, baseTime.Add(time.Minute), l.ConsentAt)
	d.login(t, email)

	reg := portal.Registration{Email: "new@acme.example", Consent: true}
	require.NoError(t, d.p.Register(ctx(t), d.pid, reg))
	changed := d.set(t, func(st *portal.Settings) { st.Consent.Notice += " We now also keep your tickets for ten years." })
	require.NotEqual(t, portal.ConsentVersion(st.Consent), portal.ConsentVersion(changed.Consent))
	d.clock.advance(time.Hour)
	require.NoError(t, d.p.Register(ctx(t), d.pid, reg), "registering again before completing")
	l, err = s.LoginByEmail(ctx(t), d.pid, "new@acme.example")
	require.NoError(t, err)
	require.Equal(t, portal.ConsentVersion(changed.Consent), l.ConsentVersion, "the text accepted last")
	require.Equal(t, baseTime.Add(time.Minute+time.Hour), l.ConsentAt)
	require.NoError(t, d.p.CompleteRegistration(ctx(t), d.pid, d.lastToken(t, "new@acme.example", portal.TokenRegistration), goodPassword))
	got, err := s.LoginByEmail(ctx(t), d.pid, "new@acme.example")
	require.NoError(t, err)
	require.Equal(t, l.ConsentVersion, got.ConsentVersion, "completing keeps it")
	require.Equal(t, l.ConsentAt, got.ConsentAt)
}

// covers: A2, A4 (registering an existing login and resetting an unknown
// e-mail answer like the ordinary case)
func testNoEnumeration(t *testing.T, s authStore) {
	d := newDoor(t, s, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.SelfRegistration, Auth: portal.PasswordAuth}
	})
	email := d.invitedBySelf(t, d.ann)
	hashBefore := func() string {
		l, err := s.LoginByEmail(ctx(t), d.pid, email)
		require.NoError(t, err)
		return l.PasswordHash
	}
	before := hashBefore()
	newErr := d.p.Register(ctx(t), d.pid, portal.Registration{Email: "fresh@acme.example", Consent: true})
	existingErr := d.p.Register(ctx(t), d.pid, portal.Registration{Email: " " + strings.ToUpper(email), Consent: true})
	require.Equal(t, newErr, existingErr, "the same answer")
	require.NoError(t, existingErr)
	require.Equal(t, before, hashBefore(), "registering over a login changes nothing")
	d.login(t, email)
	// The owner of the existing login is told, with a reset link.
	require.NotEmpty(t, d.lastToken(t, email, portal.TokenReset))

	unknownErr := d.p.RequestPasswordReset(ctx(t), d.pid, "nobody@acme.example")
	knownErr := d.p.RequestPasswordReset(ctx(t), d.pid, email)
	require.Equal(t, knownErr, unknownErr, "the same answer")
	require.NoError(t, unknownErr)
	_, ok := d.last(t, "nobody@acme.example")
	require.False(t, ok, "nothing is sent to an unknown e-mail")
}

// invitedBySelf registers c and sets its password.
func (d *door) invitedBySelf(t *testing.T, c portal.Contact) string {
	t.Helper()
	require.NoError(t, d.p.Register(ctx(t), d.pid, portal.Registration{Email: c.Email, Consent: true}))
	email := portal.NormalizeEmail(c.Email)
	require.NoError(t, d.p.CompleteRegistration(ctx(t), d.pid, d.lastToken(t, email, portal.TokenRegistration), goodPassword))
	return email
}

// covers: A4 (password login; e-mail case and spaces; one answer for an
// unknown e-mail and a wrong password)
func testPasswordLogin(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	for _, e := range []string{email, "ANN@acme.EXAMPLE", "  ann@acme.example\t"} {
		d.login(t, e)
	}
	_, _, unknown := d.p.Login(ctx(t), d.pid, "nobody@acme.example", goodPassword)
	_, _, wrong := d.p.Login(ctx(t), d.pid, email, goodPassword+"!")
	_, _, noPassword := d.p.Login(ctx(t), d.pid, d.bob.Email, goodPassword) // bob has no login yet
	require.ErrorIs(t, unknown, portal.ErrUnauthenticated)
	require.Equal(t, unknown, wrong, "the same error value")
	require.Equal(t, unknown, noPassword)
	_, _, err := d.p.Login(ctx(t), d.pid, email, strings.Repeat("x", 5000))
	require.Equal(t, unknown, err, "an overlong password is just wrong")
	long := strings.Repeat("y", portal.MaxPasswordLength)
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID))
	require.NoError(t, d.p.AcceptInvitation(ctx(t), d.pid, d.lastToken(t, d.bob.Email, portal.TokenInvitation), long))
	_, _, err = d.p.Login(ctx(t), d.pid, d.bob.Email, long+"z")
	require.Equal(t, unknown, err, "a password is not cut to fit")
	_, _, err = d.p.Login(ctx(t), d.pid, d.bob.Email, long)
	require.NoError(t, err)

	other := newDoor(t, s, nil)
	_, _, err = other.p.Login(ctx(t), other.pid, email, goodPassword)
	require.Equal(t, unknown, err, "a login of another portal")

	d.set(t, func(st *portal.Settings) { st.Access.Auth = portal.SingleSignOn })
	_, _, err = d.p.Login(ctx(t), d.pid, email, goodPassword)
	require.ErrorIs(t, err, portal.ErrForbidden, "under single sign-on the portal keeps no passwords")
}

// covers: A4, A8 (wrong passwords in a loop: slowed more and more, same
// answer)
func testThrottling(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	from := portal.WithClient(ctx(t), "198.51.100.7")
	_, _, want := d.p.Login(from, d.pid, email, "wrong password 0")
	for i := 1; i < 5; i++ {
		_, _, err := d.p.Login(from, d.pid, email, "wrong password")
		require.Equal(t, want, err)
	}
	// Five failures: the next attempt waits a second.
	_, _, err := d.p.Login(from, d.pid, email, goodPassword)
	require.Equal(t, want, err, "slowed: even the right password is refused, with the same error")
	d.clock.advance(time.Second)
	_, _, err = d.p.Login(from, d.pid, email, goodPassword)
	require.NoError(t, err, "the wait is over (a refused attempt is not counted); a success ends the throttling")
	l, err := s.Login(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	require.Zero(t, l.Failures)

	// Failures in a row, each after its back-off: the wait doubles, up to
	// MaxBackoff, and never becomes a lock.
	for i := range 14 {
		if i >= 5 {
			d.clock.advance(time.Second << (i - 5))
		}
		_, _, err := d.p.Login(from, d.pid, email, "wrong password")
		require.Equal(t, want, err)
	}
	l, err = s.Login(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	require.Equal(t, 14, l.Failures, "the login counts its failures, for the host to show")
	_, _, err = d.p.Login(from, d.pid, email, goodPassword)
	require.Equal(t, want, err, "512 s after the 14th failure")
	d.clock.advance(512 * time.Second)
	_, _, err = d.p.Login(from, d.pid, email, "wrong password")
	require.Equal(t, want, err)
	d.clock.advance(14 * time.Minute)
	_, _, err = d.p.Login(from, d.pid, email, goodPassword)
	require.Equal(t, want, err, "after the 15th: MaxBackoff, 15 minutes")
	d.clock.advance(time.Minute)
	_, _, err = d.p.Login(from, d.pid, email, goodPassword)
	require.NoError(t, err, "never a lock")
}

// An attacker who fails on a customer's login again and again, from one
// client or many, slows down the clients that fail: the customer, from
// another, gets in at once, every time. (A lock after ten failures, which
// every failure made longer, let anyone lock a customer out.)
// covers: A8
func testNoLockout(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	home := portal.WithClient(ctx(t), "203.0.113.20")
	for round := range 3 {
		for i := range 40 {
			attacker := portal.WithClient(ctx(t), fmt.Sprintf("192.0.2.%d", i%4))
			_, _, err := d.p.Login(attacker, d.pid, email, "guess")
			require.ErrorIs(t, err, portal.ErrUnauthenticated)
		}
		_, _, err := d.p.Login(home, d.pid, email, goodPassword)
		require.NoError(t, err, "round %d: the customer gets in from home", round)
		_, _, err = d.p.Login(portal.WithClient(ctx(t), "192.0.2.1"), d.pid, email, goodPassword)
		require.ErrorIs(t, err, portal.ErrUnauthenticated, "round %d: the attacker's client is slowed", round)
		d.clock.advance(time.Minute)
	}
}

// A client that fails on many logins (unknown e-mails among them) is
// slowed on every login after ClientSlowAfter failures; other clients are
// not.
// covers: A8
func testClientThrottle(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	sprayer := portal.WithClient(ctx(t), "192.0.2.66")
	for i := range 20 {
		_, _, err := d.p.Login(sprayer, d.pid, fmt.Sprintf("user%d@acme.example", i), goodPassword)
		require.ErrorIs(t, err, portal.ErrUnauthenticated)
	}
	_, _, err := d.p.Login(sprayer, d.pid, email, goodPassword)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "even a right password, from the sprayer")
	_, _, err = d.p.Login(portal.WithClient(ctx(t), "203.0.113.20"), d.pid, email, goodPassword)
	require.NoError(t, err, "from elsewhere")
	d.clock.advance(2 * time.Second)
	_, _, err = d.p.Login(sprayer, d.pid, email, goodPassword)
	require.NoError(t, err, "after the client's back-off")
}

// Password-reset and registration requests send an address at most
// MailsPerHour mails (3), whoever asks; more requests answer the same and
// send nothing until an hour has passed without one. The last link sent
// still works.
// covers: A8
func testMailLimit(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	sent := func() int {
		n := 0
		for _, m := range d.sent(t) {
			if m.To == email && m.Kind == portal.TokenReset {
				n++
			}
		}
		return n
	}
	for range 7 {
		require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email))
	}
	assert.Equal(t, 3, sent(), "seven requests in a row, three mails")
	d.clock.advance(59 * time.Minute)
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email))
	assert.Equal(t, 3, sent(), "not while requests keep coming")
	d.clock.advance(time.Hour + time.Second)
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email))
	assert.Equal(t, 4, sent(), "over an hour after the last request")
	tok := d.lastToken(t, email, portal.TokenReset)
	require.NoError(t, d.p.ResetPassword(ctx(t), d.pid, tok, "a new password 1"))
}

// Register writes a registration whole, or nothing: a new contact with its
// login, or a login of a known contact that still has the e-mail; a
// conflict, writing nothing, when the e-mail or the contact has a login,
// when a new contact's ID is taken, or when a known contact is gone or has
// another e-mail now.
// covers: A2, X8
func testRegisterStore(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	contact := func(email string) portal.Contact {
		return portal.Contact{ID: newID(t), PortalID: pid, Email: email, FirstName: "New", CreatedAt: at(1), UpdatedAt: at(1)}
	}
	change := func(c portal.Contact, isNew bool, email string) portal.RegisterChange {
		return portal.RegisterChange{Contact: c, New: isNew, Login: portal.Login{PortalID: pid, ContactID: c.ID, Email: email,
			ConsentVersion: "v1", ConsentAt: at(1), CreatedAt: at(1), UpdatedAt: at(1)}}
	}
	fresh := contact("New@Example.com")
	require.NoError(t, s.Register(ctx(t), change(fresh, true, "new@example.com")))
	require.Equal(t, nilEmpty(fresh), nilEmpty(contactKind.read(t, s, pid, fresh.ID)), "a new contact")
	l, err := s.LoginByEmail(ctx(t), pid, "new@example.com")
	require.NoError(t, err)
	require.Equal(t, change(fresh, true, "new@example.com").Login, l)
	cs, err := s.ContactsByEmail(ctx(t), pid, "new@example.com")
	require.NoError(t, err)
	require.Len(t, cs, 1, "indexed")
	require.Equal(t, fresh.ID, cs[0].ID)

	known, moved, gone := contact("Known@Example.com"), contact("moved@example.com"), contact("gone@example.com")
	for _, c := range []portal.Contact{known, moved} {
		require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: c}))
	}
	// A contact whose login is under another e-mail than its own.
	loggedIn := contact("first@example.com")
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: loggedIn}))
	require.NoError(t, s.CreateLogin(ctx(t), change(loggedIn, false, "first@example.com").Login))
	loggedIn.Email = "second@example.com"
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: loggedIn}))
	require.NoError(t, s.Register(ctx(t), change(known, false, "known@example.com")))
	l, err = s.Login(ctx(t), pid, known.ID)
	require.NoError(t, err)
	require.Equal(t, "known@example.com", l.Email, "a known contact's login")
	require.Equal(t, nilEmpty(known), nilEmpty(contactKind.read(t, s, pid, known.ID)), "the contact as it was")

	for name, ch := range map[string]portal.RegisterChange{
		"the e-mail has a login":      change(contact("other@example.com"), true, "new@example.com"),
		"the contact has a login":     change(loggedIn, false, "second@example.com"),
		"a new contact's ID is taken": change(portal.Contact{ID: moved.ID, PortalID: pid, Email: "x@example.com"}, true, "x@example.com"),
		"the known contact is gone":   change(gone, false, "gone@example.com"),
		"its e-mail is another now":   change(moved, false, "was@example.com"),
	} {
		require.ErrorIs(t, s.Register(ctx(t), ch), portal.ErrConflict, name)
		_, err := s.LoginByEmail(ctx(t), pid, ch.Login.Email)
		if ch.Login.Email != "new@example.com" && ch.Login.Email != "known@example.com" {
			require.ErrorIs(t, err, portal.ErrNotFound, "%s: no login", name)
		}
		if ch.New && ch.Contact.ID != moved.ID {
			_, err := getContact(s, ctx(t), pid, ch.Contact.ID)
			require.ErrorIs(t, err, portal.ErrNotFound, "%s: no contact", name)
		}
	}
	require.Equal(t, nilEmpty(moved), nilEmpty(contactKind.read(t, s, pid, moved.ID)), "a taken ID's contact stays")
	_, err = s.Login(ctx(t), pid, moved.ID)
	require.ErrorIs(t, err, portal.ErrNotFound)
}

// A first registration of an e-mail that contacts share is the login of
// the one with the lowest ID; of an unknown e-mail, a new contact's.
// covers: A2
func testRegisterChoosesTheContact(t *testing.T, s authStore) {
	d := newDoor(t, s, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.SelfRegistration, Auth: portal.PasswordAuth}
	})
	ids := ascendingIDs(t, 3)
	for _, cid := range []uuid.UUID{ids[2], ids[1]} { // the host's IDs: through the store
		require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: portal.Contact{ID: cid, PortalID: d.pid,
			Email: "Shared@Example.com", CreatedAt: baseTime, UpdatedAt: baseTime}}))
	}
	require.NoError(t, d.p.Register(ctx(t), d.pid, portal.Registration{Email: "shared@example.COM", Consent: true}))
	l, err := s.LoginByEmail(ctx(t), d.pid, "shared@example.com")
	require.NoError(t, err)
	require.Equal(t, ids[1], l.ContactID, "the lowest ID of the contacts with the e-mail")

	require.NoError(t, d.p.Register(ctx(t), d.pid, portal.Registration{Email: "nobody@example.com", FirstName: "Nils", Consent: true}))
	l, err = s.LoginByEmail(ctx(t), d.pid, "nobody@example.com")
	require.NoError(t, err)
	c, err := d.p.Contact(ctx(t), d.pid, l.ContactID)
	require.NoError(t, err)
	require.Equal(t, []string{"nobody@example.com", "Nils"}, []string{c.Email, c.FirstName}, "a new contact")
}

// covers: A2, S11 (a first registration, or a first single sign-on, whose
// chosen contact's e-mail changes before it is written is decided again,
// and a new contact gets the login; a contact whose login is under
// another e-mail than its own gets none: a registration's answer does not
// say so, a sign-on's does)
func testRegisterDecidedAgain(t *testing.T, s authStore) {
	m := &racer{authStore: s}
	d := newDoor(t, m, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.SelfRegistration, Auth: portal.PasswordAuth}
	})
	leaves := func(c portal.Contact) func() {
		return func() {
			c.Email = "elsewhere." + c.Email
			_, err := d.p.SaveContact(ctx(t), c)
			require.NoError(t, err)
		}
	}
	newcomer := func(email string, was uuid.UUID) {
		t.Helper()
		l, err := s.LoginByEmail(ctx(t), d.pid, portal.NormalizeEmail(email))
		require.NoError(t, err, "a login of %s was made", email)
		require.NotEqual(t, was, l.ContactID, "by a new contact: the old one has another e-mail now")
		_, err = s.Login(ctx(t), d.pid, was)
		require.ErrorIs(t, err, portal.ErrNotFound)
	}
	m.beforeRegister = leaves(d.bob)
	require.NoError(t, d.p.Register(ctx(t), d.pid, portal.Registration{Email: d.bob.Email, FirstName: "Newcomer", Consent: true}))
	require.Nil(t, m.beforeRegister, "the hook ran")
	newcomer(d.bob.Email, d.bob.ID)

	// Ann's login is under her old e-mail; her contact has a new one.
	ann := d.ann
	require.NoError(t, s.CreateLogin(ctx(t), portal.Login{PortalID: d.pid, ContactID: ann.ID,
		Email: portal.NormalizeEmail(ann.Email), CreatedAt: baseTime, UpdatedAt: baseTime}))
	ann.Email = "ann.contact@acme.example"
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: ann}))
	before := len(d.sent(t))
	require.NoError(t, d.p.Register(ctx(t), d.pid, portal.Registration{Email: ann.Email, Consent: true}),
		"the answer does not say")
	require.Len(t, d.sent(t), before, "and nothing is sent")
	_, err := s.LoginByEmail(ctx(t), d.pid, ann.Email)
	require.ErrorIs(t, err, portal.ErrNotFound)

	d.set(t, func(st *portal.Settings) { st.Access.Auth = portal.SingleSignOn })
	m.beforeRegister = leaves(d.carl)
	_, _, err = d.p.SSOLogin(ctx(t), d.pid, portal.Identity{Email: d.carl.Email, EmailVerified: true, Consent: true})
	require.NoError(t, err)
	require.Nil(t, m.beforeRegister, "the hook ran")
	newcomer(d.carl.Email, d.carl.ID)
	_, _, err = d.p.SSOLogin(ctx(t), d.pid, portal.Identity{Email: ann.Email, EmailVerified: true, Consent: true})
	require.ErrorIs(t, err, portal.ErrConflict, "the contact logs in under another e-mail")
	_, err = s.LoginByEmail(ctx(t), d.pid, ann.Email)
	require.ErrorIs(t, err, portal.ErrNotFound)
}

// Concurrent first registrations of one unknown e-mail, through the Portal,
// make one contact and one login between them (they made as many contacts
// as requests).
// covers: A2, X8
func testRegisterRace(t *testing.T, s authStore) {
	d := newDoor(t, s, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.SelfRegistration, Auth: portal.PasswordAuth}
	})
	const n = 6
	errs := make([]error, n)
	startTogether(n, func(i int) {
		errs[i] = d.p.Register(ctx(t), d.pid, portal.Registration{Email: "Twice@Example.com", FirstName: "Twice", Consent: true})
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	cs, err := s.ContactsByEmail(ctx(t), d.pid, "twice@example.com")
	require.NoError(t, err)
	assert.Len(t, cs, 1, "one contact")
	l, err := s.LoginByEmail(ctx(t), d.pid, "twice@example.com")
	require.NoError(t, err)
	assert.Equal(t, cs[0].ID, l.ContactID)
	assert.NotEmpty(t, l.ConsentVersion, "the consent is recorded")
}

// The store counts every failure of concurrent attempts, forgets counts
// older than since, clears a key and keeps tenants apart.
// covers: A8
func testThrottleStore(t *testing.T, s authStore) {
	pid, other := newTenant(t, s), newTenant(t, s)
	at := baseTime
	const n = 12
	startTogether(n, func(int) {
		_, err := s.AddFailure(ctx(t), pid, "k", at, at.Add(-time.Hour))
		assert.NoError(t, err)
	})
	th, err := s.Throttle(ctx(t), pid, "k")
	require.NoError(t, err)
	assert.Equal(t, portal.Throttle{Failures: n, FailedAt: at}, th, "every failure counted")
	th, err = s.AddFailure(ctx(t), pid, "k", at.Add(time.Minute), at)
	require.NoError(t, err)
	assert.Equal(t, portal.Throttle{Failures: n + 1, FailedAt: at.Add(time.Minute)}, th)
	th, err = s.AddFailure(ctx(t), pid, "k", at.Add(2*time.Hour), at.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, portal.Throttle{Failures: 1, FailedAt: at.Add(2 * time.Hour)}, th, "older failures forgotten")

	th, err = s.Throttle(ctx(t), other, "k")
	require.NoError(t, err)
	assert.Zero(t, th, "another tenant's key")
	_, err = s.AddFailure(ctx(t), pid, "old", at, at)
	require.NoError(t, err)
	n2, err := s.DeleteThrottles(ctx(t), pid, at.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, n2, "only the key failed before since")
	require.NoError(t, s.ClearThrottle(ctx(t), pid, "k"))
	th, err = s.Throttle(ctx(t), pid, "k")
	require.NoError(t, err)
	assert.Zero(t, th)
	_, err = s.AddFailure(ctx(t), newID(t), "k", at, at)
	require.ErrorIs(t, err, portal.ErrNotFound, "an unknown tenant")
}

// covers: A4 (hashes are self-describing; raised parameters rehash on login)
func testRehash(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	raised, err := portal.New(d.s, portal.Options{Now: d.clock.Now, Auth: portal.AuthOptions{
		Password: portal.PasswordParams{Memory: 128, Time: 2, Threads: 1}}})
	require.NoError(t, err)
	_, _, err = raised.Login(ctx(t), d.pid, email, goodPassword)
	require.NoError(t, err, "the old hash verifies with its own parameters")
	l, err := s.Login(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(l.PasswordHash, "$argon2id$v=19$m=128,t=2,p=1$"), l.PasswordHash)
	_, _, err = raised.Login(ctx(t), d.pid, email, goodPassword)
	require.NoError(t, err, "the new hash verifies")
}

// covers: A4 (reset: single-use expiring token, new password, every other
// session ends)
func testPasswordReset(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	s1, s2 := d.login(t, email), d.login(t, email)
	pv, _, err := d.p.Preview(ctx(t), d.pid, d.ann.ID, "agent@helpdesk.example")
	require.NoError(t, err)
	bobEmail := d.invited(t, d.bob)
	bobs := d.login(t, bobEmail)

	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, " ANN@acme.example "))
	m, ok := d.last(t, email)
	require.True(t, ok)
	require.Equal(t, portal.TokenReset, m.Kind)
	require.Equal(t, d.clock.Now().Add(time.Hour), m.ExpiresAt, "default: one hour")
	const newPassword = "a brand new passphrase"
	require.NoError(t, d.p.ResetPassword(ctx(t), d.pid, m.Token, newPassword))
	for _, tok := range []string{s1, s2} {
		_, err := d.p.Authenticate(ctx(t), d.pid, tok)
		require.ErrorIs(t, err, portal.ErrUnauthenticated, "the contact's sessions ended")
	}
	_, err = d.p.Authenticate(ctx(t), d.pid, pv)
	require.NoError(t, err, "a helpdesk user's preview is not the contact's session")
	_, err = d.p.Authenticate(ctx(t), d.pid, bobs)
	require.NoError(t, err, "another contact's session stays")
	_, _, err = d.p.Login(ctx(t), d.pid, email, goodPassword)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "the old password is gone")
	_, _, err = d.p.Login(ctx(t), d.pid, email, newPassword)
	require.NoError(t, err)

	require.ErrorIs(t, d.p.ResetPassword(ctx(t), d.pid, m.Token, "yet another passphrase"), portal.ErrInvalid, "used")
	require.ErrorIs(t, d.p.AcceptInvitation(ctx(t), d.pid, m.Token, "yet another passphrase"), portal.ErrInvalid, "of another kind")
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email))
	late := d.lastToken(t, email, portal.TokenReset)
	d.clock.advance(time.Hour)
	require.ErrorIs(t, d.p.ResetPassword(ctx(t), d.pid, late, "yet another passphrase"), portal.ErrInvalid, "expired")
}

// covers: A4, S11 (a contact's new e-mail is its login's: the old one no
// longer logs in and reset mails go to the new one; an e-mail another
// contact logs in with is refused naming "email")
func testEmailChange(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	old := d.invited(t, d.ann)
	bobEmail := d.invited(t, d.bob)
	tok := d.login(t, old)
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, old))
	stale := d.lastToken(t, old, portal.TokenReset)

	ann := d.ann
	ann.Email = " Ann.Smith@Acme.example "
	_, err := d.p.SaveContact(ctx(t), ann)
	require.NoError(t, err)
	const email = "ann.smith@acme.example"
	_, _, unknown := d.p.Login(ctx(t), d.pid, "nobody@acme.example", goodPassword)
	_, _, err = d.p.Login(ctx(t), d.pid, old, goodPassword)
	require.Equal(t, unknown, err, "the old e-mail is nobody's now")
	d.login(t, email)
	_, err = d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err, "the contact's session stays")
	require.ErrorIs(t, d.p.ResetPassword(ctx(t), d.pid, stale, "a brand new passphrase"), portal.ErrInvalid,
		"the link mailed to the old address ends")

	before := len(d.sent(t))
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, old))
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email))
	sent := d.sent(t)[before:]
	require.Len(t, sent, 1, "nothing to the old address")
	require.Equal(t, email, sent[0].To)
	require.Equal(t, portal.TokenReset, sent[0].Kind)

	// Bob may not take an e-mail that Ann logs in with.
	bob := d.bob
	bob.Email, bob.FirstName = "ANN.SMITH@acme.example", "Robert"
	_, err = d.p.SaveContact(ctx(t), bob)
	requireConflict(t, err, "email")
	d.requireEmailAndNameKept(t, d.bob)
	d.login(t, bobEmail)
	d.login(t, email)
}

// covers: A4, S11 (an e-mail change decided on a login or an address that
// changed before it was written is decided again on what they are now)
func testEmailChangeDecidedAgain(t *testing.T, s authStore) {
	m := &racer{authStore: s}
	d := newDoor(t, m, nil)

	// Bob accepts his invitation meanwhile: his new login follows too.
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID))
	tok := d.lastToken(t, d.bob.Email, portal.TokenInvitation)
	m.beforeContact = func() { require.NoError(t, d.p.AcceptInvitation(ctx(t), d.pid, tok, goodPassword)) }
	bob := d.bob
	bob.Email = "robert@acme.example"
	_, err := d.p.SaveContact(ctx(t), bob)
	require.NoError(t, err)
	require.Nil(t, m.beforeContact, "the hook ran")
	d.login(t, "robert@acme.example")
	_, err = s.LoginByEmail(ctx(t), d.pid, "bob@acme.example")
	require.ErrorIs(t, err, portal.ErrNotFound, "no login under the old address")

	// Bob's login takes the address Ann asks for meanwhile: Ann's change
	// is refused naming "email", and nothing of hers changes.
	annEmail := d.invited(t, d.ann)
	m.beforeContact = func() {
		bob.Email = "shared@acme.example"
		_, err := d.p.SaveContact(ctx(t), bob)
		require.NoError(t, err)
	}
	ann := d.ann
	ann.Email, ann.FirstName = "Shared@acme.example", "Annie"
	_, err = d.p.SaveContact(ctx(t), ann)
	require.Nil(t, m.beforeContact, "the hook ran")
	requireConflict(t, err, "email")
	d.requireEmailAndNameKept(t, d.ann)
	d.login(t, annEmail)
	d.login(t, "shared@acme.example")
	_, err = s.LoginByEmail(ctx(t), d.pid, "robert@acme.example")
	require.ErrorIs(t, err, portal.ErrNotFound)
}

// covers: A3, A4 (a token is mailed only to the address it was made for:
// when the contact's e-mail changes between the delivery's read of it and
// the token, an invitation goes to the new address, a reset goes nowhere,
// and no token made for the old address stays)
func testMailFollowsAnEmailChange(t *testing.T, s authStore) {
	m := &racer{authStore: s}
	d := newDoor(t, m, nil)
	tokensLeft := func() int { // counted by ending them
		n, err := s.DeleteExpiredTokens(ctx(t), d.pid, baseTime.AddDate(1, 0, 0))
		require.NoError(t, err)
		return n
	}
	bob := d.bob
	move := func(email string) func() {
		return func() {
			bob.Email = email
			_, err := d.p.SaveContact(ctx(t), bob)
			require.NoError(t, err)
		}
	}

	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID))
	m.beforeToken = move("robert@acme.example")
	n, err := d.p.DeliverMail(ctx(t), d.pid)
	require.NoError(t, err)
	require.Nil(t, m.beforeToken, "the hook ran")
	require.Equal(t, 1, n)
	sent := d.mail.Sent()
	require.Len(t, sent, 1, "one mail, and none to the old address")
	require.Equal(t, "robert@acme.example", sent[0].To)
	require.NoError(t, d.p.AcceptInvitation(ctx(t), d.pid, sent[0].Token, goodPassword))
	require.Zero(t, tokensLeft(), "no token made for the old address stays")
	d.login(t, "robert@acme.example")

	before := len(d.mail.Sent())
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, "robert@acme.example"))
	m.beforeToken = move("bobby@acme.example")
	_, err = d.p.DeliverMail(ctx(t), d.pid)
	require.NoError(t, err)
	require.Nil(t, m.beforeToken, "the hook ran")
	require.Len(t, d.mail.Sent(), before, "no reset went to an address nobody logs in with now")
	require.Zero(t, tokensLeft())
	d.login(t, "bobby@acme.example")
}

// covers: A4 (a login left behind at an old address, by a host that wrote
// its contact through the store alone, follows the contact's address at
// its next save, and the links mailed to the old address end with it)
func testLoginCatchesUpWithItsContact(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	old := d.invited(t, d.ann)
	ann := d.ann
	ann.Email = "ann.new@acme.example"
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: ann}))
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, old))
	link := d.lastToken(t, old, portal.TokenReset)

	ann.FirstName = "Annie"
	_, err := d.p.SaveContact(ctx(t), ann)
	require.NoError(t, err)
	d.login(t, "ann.new@acme.example")
	require.ErrorIs(t, d.p.ResetPassword(ctx(t), d.pid, link, "a brand new passphrase"), portal.ErrInvalid,
		"the link mailed to the login's old address ends")
}

// midLogin is a store that runs a hook once, right after it answers the
// first LoginByEmail: what another request does while Login spends the
// password hash's time.
type midLogin struct {
	authStore
	once sync.Once
	hook func()
}

func (m *midLogin) LoginByEmail(ctx context.Context, portalID uuid.UUID, email string) (portal.Login, error) {
	l, err := m.authStore.LoginByEmail(ctx, portalID, email)
	m.once.Do(m.hook)
	return l, err
}

// covers: A4 (a reset that lands while a login with the old password is
// being checked wins: that login gets no session and writes nothing back,
// so the old password does not come back, whether the login had failures
// to clear or a hash to raise)
func testResetDuringLogin(t *testing.T, s authStore) {
	const newPassword = "a brand new passphrase"
	for _, tc := range []struct {
		name     string
		failures int
		params   portal.PasswordParams
	}{
		{name: "plain", params: cheap},
		{name: "with failures", failures: 2, params: cheap},
		{name: "with a rehash", params: portal.PasswordParams{Memory: 128, Time: 2, Threads: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDoor(t, s, nil)
			email := d.invited(t, d.ann)
			for range tc.failures {
				_, _, err := d.p.Login(ctx(t), d.pid, email, "wrong password")
				require.ErrorIs(t, err, portal.ErrUnauthenticated)
			}
			require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email))
			reset := d.lastToken(t, email, portal.TokenReset)
			mid := &midLogin{authStore: d.s, hook: func() {
				require.NoError(t, d.p.ResetPassword(ctx(t), d.pid, reset, newPassword), "the owner resets")
			}}
			attacker, err := portal.New(mid, portal.Options{Now: d.clock.Now, Auth: portal.AuthOptions{Password: tc.params}})
			require.NoError(t, err)

			tok, sess, err := attacker.Login(ctx(t), d.pid, email, goodPassword)
			require.ErrorIs(t, err, portal.ErrUnauthenticated, "the password changed while it was checked")
			require.Empty(t, tok)
			require.Zero(t, sess)
			n, err := s.DeleteSessions(ctx(t), d.pid, d.ann.ID, false)
			require.NoError(t, err)
			require.Zero(t, n, "no session of the contact outlives the reset")
			_, _, err = d.p.Login(ctx(t), d.pid, email, goodPassword)
			require.ErrorIs(t, err, portal.ErrUnauthenticated, "the old password did not come back")
			d.clock.advance(time.Minute)
			_, _, err = d.p.Login(ctx(t), d.pid, email, newPassword)
			require.NoError(t, err, "the new password is the one")
		})
	}
}

// covers: A4 (a login whose hash another login raised meanwhile is checked
// again against the new hash, not refused)
func testRehashDuringLogin(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	o := portal.Options{Now: d.clock.Now, Auth: portal.AuthOptions{Password: portal.PasswordParams{Memory: 128, Time: 2, Threads: 1}}}
	other, err := portal.New(d.s, o)
	require.NoError(t, err)
	mid := &midLogin{authStore: d.s, hook: func() {
		_, _, err := other.Login(ctx(t), d.pid, email, goodPassword)
		require.NoError(t, err, "another login rehashes first")
	}}
	raised, err := portal.New(mid, o)
	require.NoError(t, err)
	before, err := s.Login(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	tok, _, err := raised.Login(ctx(t), d.pid, email, goodPassword)
	require.NoError(t, err, "the password is still right")
	_, err = d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err)
	after, err := s.Login(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	require.NotEqual(t, before.PasswordHash, after.PasswordHash)
	require.True(t, strings.HasPrefix(after.PasswordHash, "$argon2id$v=19$m=128,t=2,p=1$"), after.PasswordHash)
}

// covers: S11, A4 (single sign-on: the host vouches for a verified e-mail)
func testSingleSignOn(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	id := portal.Identity{Email: " ANN@acme.example", EmailVerified: true}
	_, _, err := d.p.SSOLogin(ctx(t), d.pid, id)
	require.ErrorIs(t, err, portal.ErrForbidden, "the portal uses passwords")

	d.set(t, func(st *portal.Settings) { st.Access.Auth = portal.SingleSignOn })
	unverified := id
	unverified.EmailVerified = false
	_, _, err = d.p.SSOLogin(ctx(t), d.pid, unverified)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "an unverified e-mail grants nothing")
	_, err = s.LoginByEmail(ctx(t), d.pid, "ann@acme.example")
	require.ErrorIs(t, err, portal.ErrNotFound)

	tok, sess, err := d.p.SSOLogin(ctx(t), d.pid, id)
	require.NoError(t, err)
	require.Equal(t, d.ann.ID, sess.ContactID)
	_, err = d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err)
	_, _, err = d.p.SSOLogin(ctx(t), d.pid, id)
	require.NoError(t, err, "the second time, the login exists")
	_, _, err = d.p.SSOLogin(ctx(t), d.pid, portal.Identity{Email: d.carl.Email, EmailVerified: true})
	require.ErrorIs(t, err, portal.ErrForbidden, "carl is in no access group")
	_, _, err = d.p.SSOLogin(ctx(t), d.pid, portal.Identity{Email: "stranger@acme.example", EmailVerified: true})
	require.ErrorIs(t, err, portal.ErrForbidden, "no such contact in the groups")
	require.ErrorIs(t, d.p.RequestPasswordReset(ctx(t), d.pid, d.ann.Email), portal.ErrForbidden, "no passwords under SSO")

	d.set(t, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.SelfRegistration, Auth: portal.SingleSignOn}
	})
	stranger := portal.Identity{Email: "Stranger@acme.example", EmailVerified: true, FirstName: "Stan"}
	_, _, err = d.p.SSOLogin(ctx(t), d.pid, stranger)
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve, "registering needs consent")
	require.True(t, ve.Has("identity.consent"))
	stranger.Consent = true
	_, sess, err = d.p.SSOLogin(ctx(t), d.pid, stranger)
	require.NoError(t, err)
	c, err := d.p.Contact(ctx(t), d.pid, sess.ContactID)
	require.NoError(t, err)
	require.Equal(t, "stranger@acme.example", c.Email)
	require.Equal(t, "Stan", c.FirstName)
	l, err := s.Login(ctx(t), d.pid, c.ID)
	require.NoError(t, err)
	require.NotEmpty(t, l.ConsentVersion)
	require.Empty(t, l.PasswordHash)
	require.ErrorIs(t, d.p.Register(ctx(t), d.pid, portal.Registration{Email: "x@acme.example", Consent: true}), portal.ErrForbidden,
		"under SSO one registers through the identity provider")
}

// covers: A6 (256-bit tokens from crypto/rand; the store keeps SHA-256)
func testSessionTokens(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	seen := map[string]bool{}
	for range 20 {
		tok, sess, err := d.p.Login(ctx(t), d.pid, email, goodPassword)
		require.NoError(t, err)
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		require.NoError(t, err)
		require.Len(t, raw, 32, "256 bits")
		require.False(t, seen[tok])
		seen[tok] = true
		require.Equal(t, portal.TokenHash(sha256.Sum256([]byte(tok))), sess.Hash)
		stored, err := s.Session(ctx(t), d.pid, sess.Hash)
		require.NoError(t, err)
		require.Equal(t, sess, stored)
	}
	tok := d.login(t, email)
	for i := range tok {
		b := []byte(tok)
		b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
		_, err := d.p.Authenticate(ctx(t), d.pid, string(b))
		require.ErrorIs(t, err, portal.ErrUnauthenticated, "character %d changed", i)
	}
	other := newDoor(t, s, nil)
	_, err := other.p.Authenticate(ctx(t), other.pid, tok)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "another portal's session")
	_, err = d.p.Authenticate(ctx(t), d.pid, "")
	require.ErrorIs(t, err, portal.ErrUnauthenticated)
}

// covers: A6, S15 (idle timeout from the settings; each request slides it,
// with a bounded number of store writes)
func testIdleTimeout(t *testing.T, s authStore) {
	d := newDoor(t, s, func(st *portal.Settings) { st.IdleTimeout = 30 * time.Minute })
	email := d.invited(t, d.ann)
	tok := d.login(t, email)
	start := d.s.touches.Load()
	for range 100 {
		d.clock.advance(time.Second)
		_, err := d.p.Authenticate(ctx(t), d.pid, tok)
		require.NoError(t, err)
	}
	touches := d.s.touches.Load() - start
	require.LessOrEqual(t, touches, int64(1), "100 requests in 100 s write at most once (every 3 minutes)")

	// The store's last activity lags by up to a tenth of the timeout, so a
	// session idle for 90% of it may end: requests 26 minutes apart keep it.
	for range 12 { // active for five hours
		d.clock.advance(26 * time.Minute)
		_, err := d.p.Authenticate(ctx(t), d.pid, tok)
		require.NoError(t, err, "each request slides the idle window")
	}
	d.clock.advance(30 * time.Minute)
	_, err := d.p.Authenticate(ctx(t), d.pid, tok)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "idle for the timeout")
	d.clock.advance(-time.Hour)
	_, err = d.p.Authenticate(ctx(t), d.pid, tok)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "and ended: turning the clock back does not revive it")
}

// covers: A6 (an absolute lifetime, however active)
func testSessionLifetime(t *testing.T, s authStore) {
	d := newDoor(t, s, nil, func(o *portal.Options) { o.Auth.SessionLifetime = 3 * time.Hour })
	email := d.invited(t, d.ann)
	tok := d.login(t, email)
	for range 5 {
		d.clock.advance(35 * time.Minute)
		_, err := d.p.Authenticate(ctx(t), d.pid, tok)
		require.NoError(t, err)
	}
	d.clock.advance(5 * time.Minute)
	_, err := d.p.Authenticate(ctx(t), d.pid, tok)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "three hours after login")
}

// covers: A6, P9 (logout ends the session at once, only that one)
func testLogout(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	tok, other := d.login(t, email), d.login(t, email)
	require.NoError(t, d.p.Logout(ctx(t), d.pid, tok))
	_, err := d.p.Authenticate(ctx(t), d.pid, tok)
	require.ErrorIs(t, err, portal.ErrUnauthenticated)
	_, err = d.p.Authenticate(ctx(t), d.pid, other)
	require.NoError(t, err)
	require.NoError(t, d.p.Logout(ctx(t), d.pid, tok), "twice is fine")
	require.NoError(t, d.p.Logout(ctx(t), d.pid, "garbage"))
}

// covers: S14 (no login, registration or session use while off; on again,
// everything is back)
func testPortalSwitchDoor(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	tok := d.login(t, email)
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID))
	bobTok := d.lastToken(t, d.bob.Email, portal.TokenInvitation)

	_, err := d.p.SetEnabled(ctx(t), d.pid, false)
	require.NoError(t, err)
	_, err = d.p.Authenticate(ctx(t), d.pid, tok)
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
	_, _, err = d.p.Login(ctx(t), d.pid, email, goodPassword)
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
	_, _, err = d.p.Preview(ctx(t), d.pid, d.ann.ID, "agent")
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
	require.ErrorIs(t, d.p.AcceptInvitation(ctx(t), d.pid, bobTok, goodPassword), portal.ErrPortalDisabled)
	require.ErrorIs(t, d.p.RequestPasswordReset(ctx(t), d.pid, email), portal.ErrPortalDisabled)
	d.set(t, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.SelfRegistration, Auth: portal.PasswordAuth}
	})
	require.ErrorIs(t, d.p.Register(ctx(t), d.pid, portal.Registration{Email: "x@acme.example", Consent: true}), portal.ErrPortalDisabled)
	_, _, err = d.p.SSOLogin(ctx(t), d.pid, portal.Identity{Email: email, EmailVerified: true})
	require.ErrorIs(t, err, portal.ErrPortalDisabled)

	d.set(t, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.AccessGroups, Lists: []uuid.UUID{d.list.ID}, Auth: portal.PasswordAuth}
	})
	_, err = d.p.SetEnabled(ctx(t), d.pid, true)
	require.NoError(t, err)
	_, err = d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err, "the session lives on")
	d.login(t, email)
	require.NoError(t, d.p.AcceptInvitation(ctx(t), d.pid, bobTok, goodPassword), "the refused use left the invitation")
}

// covers: A5 (a read-only preview as a contact, marked as such)
func testPreview(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	_, _, err := d.p.Preview(ctx(t), d.pid, d.ann.ID, "")
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve)
	require.True(t, ve.Has("by"))
	_, _, err = d.p.Preview(ctx(t), d.pid, newID(t), "agent")
	require.ErrorIs(t, err, portal.ErrNotFound)

	tok, sess, err := d.p.Preview(ctx(t), d.pid, d.carl.ID, "Åse from support")
	require.NoError(t, err)
	got, err := d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err, "a preview is not held to the access groups")
	assert.Equal(t, sess, got)
	assert.True(t, got.Preview)
	assert.Equal(t, "Åse from support", got.PreviewBy)
	assert.Equal(t, portal.Viewer{PortalID: d.pid, ContactID: d.carl.ID, Preview: true}, got.Viewer())

	tok, _, err = d.p.Preview(ctx(t), d.pid, d.ann.ID, "agent")
	require.NoError(t, err)
	got, err = d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err)
	page, err := d.p.ListTickets(ctx(t), got.Viewer(), portal.ListQuery{Limit: 10})
	require.NoError(t, err, "a preview reads")
	require.Len(t, page.Rows, 1)
	_, err = d.p.TicketDetail(ctx(t), got.Viewer(), d.ticket.ID)
	require.NoError(t, err)
	_, err = s.Login(ctx(t), d.pid, d.ann.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "a preview needs no credentials of the contact")
}

// covers: A6, S15 (purging removes only ended sessions and expired tokens)
func testPurge(t *testing.T, s authStore) {
	d := newDoor(t, s, func(st *portal.Settings) { st.IdleTimeout = time.Hour })
	email := d.invited(t, d.ann)
	stale := d.login(t, email)
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID)) // expires in 7 days
	d.sent(t)
	d.clock.advance(50 * time.Minute)
	fresh := d.login(t, email)
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email)) // expires in an hour
	d.sent(t)
	d.clock.advance(15 * time.Minute)

	sessions, tokens, err := d.p.PurgeExpired(ctx(t), d.pid)
	require.NoError(t, err)
	require.Equal(t, 1, sessions, "the session idle for 65 minutes")
	require.Zero(t, tokens)
	_, err = d.p.Authenticate(ctx(t), d.pid, fresh)
	require.NoError(t, err)
	_, err = d.p.Authenticate(ctx(t), d.pid, stale)
	require.ErrorIs(t, err, portal.ErrUnauthenticated)

	d.clock.advance(time.Hour)
	_, tokens, err = d.p.PurgeExpired(ctx(t), d.pid)
	require.NoError(t, err)
	require.Equal(t, 1, tokens, "the reset token")
	require.NoError(t, d.p.AcceptInvitation(ctx(t), d.pid, d.lastToken(t, d.bob.Email, portal.TokenInvitation), goodPassword),
		"the invitation stays")
}

// midAccept is a store that runs a hook once, right after it answers the
// first read of contacts (Contacts) that follows a TakeToken: what another request does
// while an invitation is being accepted.
type midAccept struct {
	authStore
	taken atomic.Bool
	once  sync.Once
	hook  func()
}

func (m *midAccept) TakeToken(ctx context.Context, portalID uuid.UUID, kind portal.TokenKind, hash portal.TokenHash) (portal.Token, error) {
	tk, err := m.authStore.TakeToken(ctx, portalID, kind, hash)
	m.taken.Store(err == nil)
	return tk, err
}

func (m *midAccept) Contacts(ctx context.Context, portalID uuid.UUID, ids []uuid.UUID) ([]portal.Contact, error) {
	c, err := m.authStore.Contacts(ctx, portalID, ids)
	if m.hook != nil && m.taken.CompareAndSwap(true, false) {
		m.once.Do(m.hook)
	}
	return c, err
}

// covers: A3, X8 (an accept refused for its password puts its token back,
// but never over an invitation sent meanwhile)
func testRefusedAcceptKeepsANewerInvitation(t *testing.T, s authStore) {
	m := &midAccept{authStore: s}
	d := newDoor(t, m, nil)
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID))
	first := d.lastToken(t, d.bob.Email, portal.TokenInvitation)
	var newer string
	m.hook = func() {
		require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID))
		newer = d.lastToken(t, d.bob.Email, portal.TokenInvitation)
	}
	err := d.p.AcceptInvitation(ctx(t), d.pid, first, "bob@acme.example") // the e-mail as password: refused
	require.ErrorIs(t, err, portal.ErrInvalid)
	require.NotEmpty(t, newer, "the hook ran")
	require.ErrorIs(t, d.p.AcceptInvitation(ctx(t), d.pid, first, goodPassword), portal.ErrInvalid,
		"the older token stays replaced")
	require.NoError(t, d.p.AcceptInvitation(ctx(t), d.pid, newer, goodPassword), "the newer invitation works")
}

// covers: A3, X8 (an invitation accepted while the helpdesk changes the
// contact's e-mail makes no login under the old address)
func testAcceptDuringEmailChange(t *testing.T, s authStore) {
	m := &midAccept{authStore: s}
	d := newDoor(t, m, nil)
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID))
	tok := d.lastToken(t, d.bob.Email, portal.TokenInvitation)
	m.hook = func() {
		bob := d.bob
		bob.Email = "robert@acme.example"
		_, err := d.p.SaveContact(ctx(t), bob)
		require.NoError(t, err)
	}
	err := d.p.AcceptInvitation(ctx(t), d.pid, tok, goodPassword)
	require.ErrorIs(t, err, portal.ErrInvalid, "the change of address ended the invitation")
	_, err = s.LoginByEmail(ctx(t), d.pid, "bob@acme.example")
	require.ErrorIs(t, err, portal.ErrNotFound, "no login under the old address")
	_, err = s.Login(ctx(t), d.pid, d.bob.ID)
	require.ErrorIs(t, err, portal.ErrNotFound)

	// An accept refused (its password) while the address changes does not
	// bring back the token the change ended.
	carl := d.carl
	carl.Lists = []uuid.UUID{d.list.ID}
	_, err = d.p.SaveContact(ctx(t), carl)
	require.NoError(t, err)
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.carl.ID))
	old := d.lastToken(t, d.carl.Email, portal.TokenInvitation)
	m.once = sync.Once{}
	m.hook = func() {
		carl.Email = "carl.new@acme.example"
		_, err := d.p.SaveContact(ctx(t), carl)
		require.NoError(t, err)
	}
	require.ErrorIs(t, d.p.AcceptInvitation(ctx(t), d.pid, old, "carl@acme.example"), portal.ErrInvalid)
	require.ErrorIs(t, d.p.AcceptInvitation(ctx(t), d.pid, old, goodPassword), portal.ErrInvalid,
		"the token of the old address stays ended")

	require.ErrorIs(t, s.CreateLogin(ctx(t), portal.Login{PortalID: d.pid, ContactID: d.bob.ID, Email: "bob@acme.example",
		CreatedAt: baseTime, UpdatedAt: baseTime}), portal.ErrConflict, "the store refuses a login under an address the contact no longer has")
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID))
	require.NoError(t, d.p.AcceptInvitation(ctx(t), d.pid, d.lastToken(t, "robert@acme.example", portal.TokenInvitation), goodPassword))
	d.login(t, "robert@acme.example")
}

// covers: A3 (RestoreToken never replaces a token put since)
func testRestoreToken(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	cid := newID(t)
	tok := func(b byte) portal.Token {
		return portal.Token{PortalID: pid, Hash: portal.TokenHash{b}, Kind: portal.TokenInvitation, ContactID: cid,
			CreatedAt: baseTime, ExpiresAt: baseTime.Add(time.Hour)}
	}
	old, newer := tok(1), tok(2)
	require.NoError(t, s.PutToken(ctx(t), old))
	_, err := s.TakeToken(ctx(t), pid, old.Kind, old.Hash)
	require.NoError(t, err)
	require.NoError(t, s.PutToken(ctx(t), newer))
	require.ErrorIs(t, s.RestoreToken(ctx(t), old), portal.ErrConflict, "a newer token of the kind exists")
	_, err = s.TakeToken(ctx(t), pid, old.Kind, old.Hash)
	require.ErrorIs(t, err, portal.ErrNotFound, "the old one stays gone")
	got, err := s.TakeToken(ctx(t), pid, newer.Kind, newer.Hash)
	require.NoError(t, err)
	require.Equal(t, newer, got)
	require.NoError(t, s.RestoreToken(ctx(t), newer), "nothing replaced it")
	got, err = s.TakeToken(ctx(t), pid, newer.Kind, newer.Hash)
	require.NoError(t, err)
	require.Equal(t, newer, got)
	other := newer
	other.PortalID = newID(t)
	require.ErrorIs(t, s.RestoreToken(ctx(t), other), portal.ErrNotFound, "an unknown tenant")
}
