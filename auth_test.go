package portal_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
)

// covers: X1, A2–A8 (a store without an AuthStore serves every viewer a
// host vouches for; every way in answers ErrUnsupported and writes
// nothing)
func TestWaysInNeedAnAuthStore(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	d := newDemo(t, struct{ portal.Store }{st}, nil) // the memory store, its AuthStore hidden
	p, v, pid := d.p, d.viewer, d.data.Tenant.ID

	view, err := p.ListTickets(ctx, v, portal.ListQuery{Limit: portal.MaxPageSize})
	require.NoError(t, err)
	assert.NotEmpty(t, view.Rows)
	_, err = p.Reply(ctx, v, d.ticket, portal.ReplyInput{Text: "Thank you"})
	require.NoError(t, err)
	var csv bytes.Buffer
	n, err := p.ExportCSV(ctx, v, portal.ListQuery{}, &csv, portal.CSVOptions{})
	require.NoError(t, err)
	assert.Equal(t, len(view.Rows), n, "a first page that holds the whole view")
	c := d.data.Contacts[0]
	c.Email = "moved@example.com"
	_, err = p.SaveContact(ctx, c)
	require.NoError(t, err, "a contact's e-mail changes with no login to follow it")
	sessions, tokens, err := p.PurgeExpired(ctx, pid)
	require.NoError(t, err)
	assert.Zero(t, sessions+tokens)

	email, password := d.data.Contacts[1].Email, "correct horse battery staple"
	ways := map[string]error{}
	_, _, ways["Login"] = p.Login(ctx, pid, email, password)
	_, _, ways["SSOLogin"] = p.SSOLogin(ctx, pid, portal.Identity{Email: email, EmailVerified: true})
	ways["Register"] = p.Register(ctx, pid, portal.Registration{Email: "new@example.com", Consent: true})
	ways["CompleteRegistration"] = p.CompleteRegistration(ctx, pid, "token", password)
	_, ways["Invite"] = p.Invite(ctx, pid)
	ways["InviteContact"] = p.InviteContact(ctx, pid, v.ContactID)
	ways["AcceptInvitation"] = p.AcceptInvitation(ctx, pid, "token", password)
	ways["RequestPasswordReset"] = p.RequestPasswordReset(ctx, pid, email)
	ways["ResetPassword"] = p.ResetPassword(ctx, pid, "token", password)
	_, ways["Authenticate"] = p.Authenticate(ctx, pid, "token")
	ways["Logout"] = p.Logout(ctx, pid, "token")
	_, _, ways["Preview"] = p.Preview(ctx, pid, v.ContactID, "agent@example.com")
	_, ways["LoginThrottled"] = p.LoginThrottled(ctx, pid, email)
	ways["LoginFailed"] = p.LoginFailed(ctx, pid, email)
	ways["LoginSucceeded"] = p.LoginSucceeded(ctx, pid, email)
	mailing, err := portal.New(struct{ portal.Store }{st}, portal.Options{Mailer: &portaltest.Mailbox{}})
	require.NoError(t, err)
	_, ways["DeliverMail"] = mailing.DeliverMail(ctx, pid)
	ways["RunMailDelivery"] = mailing.RunMailDelivery(ctx, pid, portal.DeliverOptions{})
	for name, err := range ways {
		assert.ErrorIs(t, err, portal.ErrUnsupported, name)
		assert.ErrorIs(t, err, errors.ErrUnsupported, name)
	}
	_, err = st.LoginByEmail(ctx, pid, "new@example.com")
	assert.ErrorIs(t, err, portal.ErrNotFound, "nothing was written")
	events, err := p.Events(ctx, pid, 0, portal.MaxEvents)
	require.NoError(t, err)
	assert.Len(t, events, 1, "the reply's event, and no other")
}

// covers: A3, A4, S13 (what a LoginChange changes: only the fields it
// names, in the order of its fields; a write-back only over its checked
// hash)
func TestLoginChangeApply(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 12, 5, 9, m, 0, 0, time.UTC) }
	stored := portal.Login{PortalID: uuid.New(), ContactID: uuid.New(), Email: "ann@acme.example",
		PasswordHash: "$argon2id$old", Failures: 3, FailedAt: at(1), ConsentVersion: "sha256:a", ConsentAt: at(0),
		CreatedAt: at(0), UpdatedAt: at(0)}
	with := func(f func(l *portal.Login)) portal.Login { l := stored; f(&l); return l }
	for _, tc := range []struct {
		name   string
		change portal.LoginChange
		want   portal.Login
	}{
		{"nothing", portal.LoginChange{At: at(9)}, stored},
		{"password", portal.LoginChange{At: at(9), Password: "$argon2id$new"}, with(func(l *portal.Login) {
			l.PasswordHash, l.Failures, l.FailedAt, l.UpdatedAt = "$argon2id$new", 0, time.Time{}, at(9)
		})},
		{"write-back", portal.LoginChange{At: at(9), IfPassword: "$argon2id$old", Password: "$argon2id$old"}, with(func(l *portal.Login) {
			l.Failures, l.FailedAt, l.UpdatedAt = 0, time.Time{}, at(9)
		})},
		{"consent", portal.LoginChange{At: at(9), Consent: "sha256:b"}, with(func(l *portal.Login) {
			l.ConsentVersion, l.ConsentAt, l.UpdatedAt = "sha256:b", at(9), at(9)
		})},
		{"failure", portal.LoginChange{At: at(9), Failed: true}, with(func(l *portal.Login) {
			l.Failures, l.FailedAt = 4, at(9)
		})},
		{"password, then a failure", portal.LoginChange{At: at(9), Password: "$argon2id$new", Failed: true}, with(func(l *portal.Login) {
			l.PasswordHash, l.Failures, l.FailedAt, l.UpdatedAt = "$argon2id$new", 1, at(9), at(9)
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.change.Apply(stored)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for _, checked := range []string{"$argon2id$other", "$argon2id$old "} {
		_, err := portal.LoginChange{At: at(9), IfPassword: checked, Password: "$argon2id$new"}.Apply(stored)
		assert.ErrorIs(t, err, portal.ErrConflict, "checked against %q", checked)
	}
	bare := with(func(l *portal.Login) { l.PasswordHash = "" })
	_, err := portal.LoginChange{At: at(9), IfPassword: "$argon2id$old", Password: "$argon2id$old"}.Apply(bare)
	assert.ErrorIs(t, err, portal.ErrConflict, "a login without a password never has the checked hash")
}

// covers: S13 (the consent version changes with the texts and only with
// them)
func TestConsentVersionFollowsTheTexts(t *testing.T) {
	c := portal.DefaultSettings().Consent
	v := portal.ConsentVersion(c)
	assert.Equal(t, v, portal.ConsentVersion(c), "stable")
	assert.Regexp(t, `^sha256:[0-9a-f]{24}$`, v)
	changed := c
	changed.Checkbox += "!"
	assert.NotEqual(t, v, portal.ConsentVersion(changed))
	moved := portal.Consent{Notice: c.Notice + c.Checkbox[:1], Checkbox: c.Checkbox[1:]}
	assert.NotEqual(t, v, portal.ConsentVersion(moved), "text moved between the two fields")
}

// covers: S12 (a template for every system page, with defaults; validated)
func TestSystemPagesHaveValidatedTemplates(t *testing.T) {
	def := portal.DefaultSettings().SystemPages
	for name, v := range map[string]string{"register": def.Register, "login": def.Login, "logout": def.Logout,
		"accessDenied": def.AccessDenied, "resetRequest": def.ResetRequest, "passwordReset": def.PasswordReset} {
		assert.NotEmpty(t, v, name)
	}
	require.NoError(t, portal.DefaultSettings().Validate(portal.Refs{}))
	for field, set := range map[string]func(*portal.SystemPages){
		"systemPages.register":      func(p *portal.SystemPages) { p.Register = "../etc/passwd" },
		"systemPages.login":         func(p *portal.SystemPages) { p.Login = "" },
		"systemPages.logout":        func(p *portal.SystemPages) { p.Logout = "Logout Page" },
		"systemPages.accessDenied":  func(p *portal.SystemPages) { p.AccessDenied = "<script>" },
		"systemPages.resetRequest":  func(p *portal.SystemPages) { p.ResetRequest = "-starts-with-hyphen" },
		"systemPages.passwordReset": func(p *portal.SystemPages) { p.PasswordReset = string(make([]byte, 65)) },
	} {
		s := portal.DefaultSettings()
		set(&s.SystemPages)
		err := s.Validate(portal.Refs{})
		var ve *portal.ValidationError
		require.ErrorAs(t, err, &ve, field)
		assert.True(t, ve.Has(field), "%s: %v", field, err)
		assert.Len(t, ve.Problems, 1, field)
	}
}

// covers: A4 (parameters too weak for a password hash are refused)
func TestNewRefusesNonsensePasswordParameters(t *testing.T) {
	_, err := portal.New(memstore.New(), portal.Options{Auth: portal.AuthOptions{Password: portal.PasswordParams{KeyLen: 4}}})
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("options.auth.password.keyLen"))
}

// covers: A2, A4 (without a Mailer, mail operations fail the same way for
// every e-mail, so the failure tells nothing about which have a login)
func TestNoMailerFailsAlikeForEveryEmail(t *testing.T) {
	ctx := context.Background()
	p, err := portal.New(memstore.New(), portal.Options{})
	require.NoError(t, err)
	tenant, err := p.CreateTenant(ctx, "Acme")
	require.NoError(t, err)
	ch, err := p.SaveChannel(ctx, portal.Channel{PortalID: tenant.ID, Name: "Desk", Kind: portal.HelpDesk})
	require.NoError(t, err)
	s, err := p.Settings(ctx, tenant.ID)
	require.NoError(t, err)
	s.Enabled, s.DefaultChannel = true, ch.ID
	_, err = p.SaveSettings(ctx, tenant.ID, s)
	require.NoError(t, err)
	_, err = p.SaveContact(ctx, portal.Contact{PortalID: tenant.ID, Email: "ann@acme.example"})
	require.NoError(t, err)
	a := p.RequestPasswordReset(ctx, tenant.ID, "ann@acme.example")
	b := p.RequestPasswordReset(ctx, tenant.ID, "nobody@acme.example")
	require.ErrorIs(t, a, portal.ErrInternal)
	require.Equal(t, a, b)
	_, err = p.Invite(ctx, tenant.ID)
	require.ErrorIs(t, err, portal.ErrInternal)
}

// bench is a portal whose contact has a password login.
type bench struct {
	p       *portal.Portal
	st      *memstore.Store
	pid     uuid.UUID
	contact uuid.UUID
	email   string
}

const benchPassword = "correct horse battery staple"

func newBench(tb testing.TB, opts portal.Options) *bench {
	tb.Helper()
	ctx := context.Background()
	b := &bench{st: memstore.New(), email: "ann@acme.example"}
	var err error
	b.p, err = portal.New(b.st, opts)
	require.NoError(tb, err)
	tenant, err := b.p.CreateTenant(ctx, "Acme")
	require.NoError(tb, err)
	b.pid = tenant.ID
	ch, err := b.p.SaveChannel(ctx, portal.Channel{PortalID: b.pid, Name: "Desk", Kind: portal.HelpDesk})
	require.NoError(tb, err)
	l, err := b.p.SaveContactList(ctx, portal.ContactList{PortalID: b.pid, Name: "Users"})
	require.NoError(tb, err)
	c, err := b.p.SaveContact(ctx, portal.Contact{PortalID: b.pid, Email: b.email, Lists: []uuid.UUID{l.ID}})
	require.NoError(tb, err)
	b.contact = c.ID
	s, err := b.p.Settings(ctx, b.pid)
	require.NoError(tb, err)
	s.Enabled, s.DefaultChannel, s.Access.Lists = true, ch.ID, []uuid.UUID{l.ID}
	_, err = b.p.SaveSettings(ctx, b.pid, s)
	require.NoError(tb, err)
	return b
}

// withPassword gives the bench's contact a login with benchPassword.
func (b *bench) withPassword(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	box := &portaltest.Mailbox{}
	inviter, err := portal.New(b.st, portal.Options{Mailer: box})
	require.NoError(tb, err)
	require.NoError(tb, inviter.InviteContact(ctx, b.pid, b.contact))
	_, err = inviter.DeliverMail(ctx, b.pid)
	require.NoError(tb, err)
	m, _ := box.Last(b.email)
	require.NoError(tb, b.p.AcceptInvitation(ctx, b.pid, m.Token, benchPassword))
}

// BenchmarkAuthenticate measures validating a session token on the memory
// store (A6): settings, session and contact reads, the access-group check.
// The baseline is the least any session check does: a SHA-256 of the token
// and a map lookup.
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	w := newBench(b, portal.Options{Auth: portal.AuthOptions{Password: portal.PasswordParams{Memory: 64, Time: 1}}})
	w.withPassword(b)
	tok, sess, err := w.p.Login(ctx, w.pid, w.email, benchPassword)
	require.NoError(b, err)

	b.Run("portal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.p.Authenticate(ctx, w.pid, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sha256+map", func(b *testing.B) {
		m := map[[32]byte]portal.Session{sess.Hash: sess}
		for i := range 1000 {
			m[sha256.Sum256(fmt.Append(nil, i))] = sess
		}
		b.ReportAllocs()
		for b.Loop() {
			raw, err := base64.RawURLEncoding.DecodeString(tok)
			if err != nil || len(raw) != 32 {
				b.Fatal(err)
			}
			s, ok := m[sha256.Sum256([]byte(tok))]
			if !ok || s.ContactID != w.contact {
				b.Fatal("no session")
			}
		}
	})
}

// BenchmarkLogin reports the cost of a password login with the default
// argon2id parameters (19 MiB, 2 passes, 1 thread): a success, a wrong
// password and an unknown e-mail, which must cost the same.
func BenchmarkLogin(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	w := newBench(b, portal.Options{Now: func() time.Time { return now }})
	w.withPassword(b)
	params := portal.AuthOptions{}.WithDefaults().Password
	for _, tc := range []struct{ name, email, password string }{
		{"ok", w.email, benchPassword},
		{"wrong-password", w.email, benchPassword + "!"},
		{"unknown-email", "nobody@acme.example", benchPassword},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _, err := w.p.Login(ctx, w.pid, tc.email, tc.password)
				if (err == nil) != (tc.name == "ok") {
					b.Fatal(err)
				}
			}
			// The password hash's cost, as chosen: argon2id's memory and passes.
			b.ReportMetric(float64(params.Memory)/1024, "argon2-MiB")
			b.ReportMetric(float64(params.Time), "argon2-passes")
		})
	}
}

// A password that is short, common, all digits or the contact's e-mail,
// or not valid UTF-8, is refused naming the password, and the invitation
// survives every refusal.
// covers: A3
func TestPasswordRules(t *testing.T) {
	ctx := context.Background()
	box := &portaltest.Mailbox{}
	b := newBench(t, portal.Options{Mailer: box, Auth: cheapHash})
	require.NoError(t, b.p.InviteContact(ctx, b.pid, b.contact))
	_, err := b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	m, ok := box.Last(b.email)
	require.True(t, ok)
	for _, pw := range []string{"", "short", "123456789", "Password123", "qwertyuiop", b.email,
		string([]byte{0xff, 0xfe, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'})} {
		requireField(t, b.p.AcceptInvitation(ctx, b.pid, m.Token, pw), "password")
	}
	require.NoError(t, b.p.AcceptInvitation(ctx, b.pid, m.Token, "æøå-unusual-10"), "the token survived the refusals")
}
