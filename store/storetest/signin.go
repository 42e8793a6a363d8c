package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// Passwordless login (A7) through the Portal over the store under test: a
// sign-in link is a token like a reset's, of its own kind, so it holds
// only if the store keeps tokens by kind and tenant.
var signInTests = []test{
	{name: "SignInLinkLetsTheContactInOnce", fn: auth(testSignInLink)},
	{name: "SignInLinkFollowsTheRulesOfALogin", fn: auth(testSignInRules)},
	{name: "SignInLinksAreLimitedPerAddressAndClient", fn: auth(testSignInLimits)},
	{name: "SignInRefusesEveryForgedToken", fn: auth(testSignInForgeries)},
}

func withLinks(st *portal.Settings) { st.Access.SignInLinks = true }

// signInToken asks for a link to email and returns the token mailed to
// want (the login's address).
func (d *door) signInToken(t *testing.T, email, want string) string {
	t.Helper()
	require.NoError(t, d.p.RequestSignInLink(ctx(t), d.pid, email))
	return d.lastToken(t, want, portal.TokenSignIn)
}

// covers: A7 (a single-use link, 15 minutes, a session of the login's
// contact; the same answer and work for unknown addresses)
func testSignInLink(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	require.ErrorIs(t, d.p.RequestSignInLink(ctx(t), d.pid, email), portal.ErrForbidden, "links are off by default")
	d.set(t, withLinks)

	before := len(d.sent(t))
	queued := func() int {
		ms, err := s.DueMails(ctx(t), d.pid, d.clock.Now(), 100)
		require.NoError(t, err)
		return len(ms)
	}
	for i, address := range []string{" ANN@acme.example ", "nobody@acme.example", d.carl.Email, d.bob.Email} {
		require.NoError(t, d.p.RequestSignInLink(ctx(t), d.pid, address), "the same answer for %s", address)
		require.Equal(t, i+1, queued(), "the same work for %s: one queued mail", address)
	}
	sent := d.sent(t)[before:]
	require.Len(t, sent, 1, "only ann has a login: nobody has none, carl is outside the groups, bob has no login yet")
	m := sent[0]
	assert.Equal(t, email, m.To)
	assert.Equal(t, portal.TokenSignIn, m.Kind)
	assert.Equal(t, d.clock.Now().Add(15*time.Minute), m.ExpiresAt, "default: 15 minutes")
	assert.True(t, strings.HasPrefix(m.Link, "https://support.example.com/portal/signin?token="), m.Link)
	assert.Contains(t, m.Body, m.Link)

	d.clock.advance(14 * time.Minute)
	tok, sess, err := d.p.SignIn(ctx(t), d.pid, m.Token)
	require.NoError(t, err)
	assert.Equal(t, portal.Viewer{PortalID: d.pid, ContactID: d.ann.ID}, sess.Viewer())
	assert.False(t, sess.Preview)
	got, err := d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err)
	assert.Equal(t, sess, got)
	_, _, err = d.p.SignIn(ctx(t), d.pid, m.Token)
	requireField(t, err, "token")

	// A new link replaces an earlier one; a link expires after 15 minutes.
	first := d.signInToken(t, email, email)
	second := d.signInToken(t, email, email)
	_, _, err = d.p.SignIn(ctx(t), d.pid, first)
	requireField(t, err, "token")
	d.clock.advance(15 * time.Minute)
	_, _, err = d.p.SignIn(ctx(t), d.pid, second)
	requireField(t, err, "token")

	// A link is the login's: an e-mail change ends it.
	late := d.signInToken(t, email, email)
	ann := d.ann
	ann.Email = "ann.smith@acme.example"
	_, err = d.p.SaveContact(ctx(t), ann)
	require.NoError(t, err)
	_, _, err = d.p.SignIn(ctx(t), d.pid, late)
	requireField(t, err, "token")
	d.signInToken(t, "ann.smith@acme.example", "ann.smith@acme.example")

	// Under self-registration, a registered login signs in with a link
	// before it has a password, as its registration link would let it.
	d.set(t, func(st *portal.Settings) {
		st.Access = portal.Access{Mode: portal.SelfRegistration, Auth: portal.PasswordAuth, SignInLinks: true}
	})
	require.NoError(t, d.p.Register(ctx(t), d.pid, portal.Registration{Email: "dora@new.example", FirstName: "Dora", Consent: true}))
	tok, sess, err = d.p.SignIn(ctx(t), d.pid, d.signInToken(t, "dora@new.example", "dora@new.example"))
	require.NoError(t, err)
	require.NotEmpty(t, tok)
	dora, err := d.p.Contact(ctx(t), d.pid, sess.ContactID)
	require.NoError(t, err)
	assert.Equal(t, "dora@new.example", dora.Email)
}

// covers: A7, S11, S14, A8 (access groups, the portal switch and the
// settings switch hold at the link's use; a sign-in ends its client's
// throttling of the login; no links under single sign-on)
func testSignInRules(t *testing.T, s authStore) {
	d := newDoor(t, s, withLinks)
	email := d.invited(t, d.ann)
	bob := d.invited(t, d.bob)

	// Ann leaves the access groups after her link was mailed.
	tok := d.signInToken(t, email, email)
	ann := d.ann
	ann.Lists = nil
	_, err := d.p.SaveContact(ctx(t), ann)
	require.NoError(t, err)
	_, _, err = d.p.SignIn(ctx(t), d.pid, tok)
	require.ErrorIs(t, err, portal.ErrForbidden, "outside the groups, as a session would be")
	require.NoError(t, d.p.RequestSignInLink(ctx(t), d.pid, email))
	m, ok := d.last(t, email)
	require.True(t, ok)
	require.Equal(t, tok, m.Token, "no new link goes to a contact outside the groups")

	// Switched off, or the portal off, between the mail and its use.
	tok = d.signInToken(t, bob, bob)
	d.set(t, func(st *portal.Settings) { st.Access.SignInLinks = false })
	_, _, err = d.p.SignIn(ctx(t), d.pid, tok)
	require.ErrorIs(t, err, portal.ErrForbidden)
	d.set(t, withLinks)
	require.NoError(t, d.p.RequestSignInLink(ctx(t), d.pid, bob))
	d.set(t, func(st *portal.Settings) { st.Access.SignInLinks = false })
	before := len(d.mail.Sent())
	assert.Equal(t, before, len(d.sent(t)), "a link asked for before the switch went off is not sent")
	d.set(t, withLinks)
	tok = d.signInToken(t, bob, bob)
	d.set(t, func(st *portal.Settings) { st.Enabled = false })
	_, _, err = d.p.SignIn(ctx(t), d.pid, tok)
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
	require.ErrorIs(t, d.p.RequestSignInLink(ctx(t), d.pid, bob), portal.ErrPortalDisabled)
	d.set(t, func(st *portal.Settings) { st.Enabled = true })

	// A sign-in from a client ends that client's wait on the login.
	from := portal.WithClient(ctx(t), "198.51.100.7")
	for range 5 {
		_, _, err := d.p.Login(from, d.pid, bob, "wrong password")
		require.ErrorIs(t, err, portal.ErrUnauthenticated)
	}
	_, _, err = d.p.Login(from, d.pid, bob, goodPassword)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "slowed")
	_, _, err = d.p.SignIn(from, d.pid, d.signInToken(t, bob, bob))
	require.NoError(t, err)
	_, _, err = d.p.Login(from, d.pid, bob, goodPassword)
	require.NoError(t, err, "the link proved the customer: the wait is over")

	// Under single sign-on the identity provider alone lets people in.
	st, err := d.p.Settings(ctx(t), d.pid)
	require.NoError(t, err)
	st.Access.Auth = portal.SingleSignOn
	_, err = d.p.SaveSettings(ctx(t), d.pid, st)
	requireField(t, err, "access.signInLinks")
}

// covers: A7, A8 (a customer's requests send at most MailsPerHour links
// to one address and ClientMailsPerHour from one client; the answer stays
// the same)
func testSignInLimits(t *testing.T, s authStore) {
	d := newDoor(t, s, withLinks, func(o *portal.Options) { o.Auth.ClientMailsPerHour = 4 })
	email := d.invited(t, d.ann)
	bob := d.invited(t, d.bob)
	count := func(to string) int {
		n := 0
		for _, m := range d.sent(t) {
			if m.To == to && m.Kind == portal.TokenSignIn {
				n++
			}
		}
		return n
	}
	for range 5 {
		require.NoError(t, d.p.RequestSignInLink(ctx(t), d.pid, email))
	}
	assert.Equal(t, 3, count(email), "three an hour to one address, as resets")

	from := portal.WithClient(ctx(t), "203.0.113.9")
	for i := range 4 {
		require.NoError(t, d.p.RequestSignInLink(from, d.pid, "someone"+string(rune('a'+i))+"@acme.example"))
	}
	require.NoError(t, d.p.RequestSignInLink(from, d.pid, bob), "over the client's limit: the same answer")
	assert.Zero(t, count(bob), "the client's fifth request in the hour sends nothing")
	require.NoError(t, d.p.RequestSignInLink(portal.WithClient(ctx(t), "203.0.113.10"), d.pid, bob))
	assert.Equal(t, 1, count(bob), "another client is not slowed")
	d.clock.advance(time.Hour + time.Second)
	require.NoError(t, d.p.RequestSignInLink(from, d.pid, bob))
	assert.Equal(t, 2, count(bob), "an hour later the client may ask again")
}

// covers: A7, X5 (a token that is malformed, of another kind or of
// another tenant is refused like a used one, naming "token")
func testSignInForgeries(t *testing.T, s authStore) {
	d := newDoor(t, s, withLinks)
	email := d.invited(t, d.ann)
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email))
	reset := d.lastToken(t, email, portal.TokenReset)
	link := d.signInToken(t, email, email)
	other := newDoor(t, s, withLinks)
	for name, tok := range map[string]string{"empty": "", "short": "abc", "spaces": strings.Repeat(" ", 43),
		"a reset token": reset, "unknown": strings.Repeat("A", 43), "padded": link + "=", "path": "../" + link} {
		_, _, err := d.p.SignIn(ctx(t), d.pid, tok)
		requireField(t, err, "token", name)
	}
	_, _, err := other.p.SignIn(ctx(t), other.pid, link)
	requireField(t, err, "token", "another tenant's")
	_, sess, err := d.p.SignIn(ctx(t), d.pid, link)
	require.NoError(t, err, "the link is still good, after every forgery")
	assert.Equal(t, d.ann.ID, sess.ContactID)
	require.NoError(t, d.p.ResetPassword(ctx(t), d.pid, reset, "a brand new passphrase"), "and so is the reset")
}
