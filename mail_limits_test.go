package portal_test

import (
	"context"
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

// Concurrent requests from one client send no more mails than its limits
// allow: each count is decided on the store's atomic answer. covers: A8
func TestMailLimitsHoldUnderConcurrency(t *testing.T) {
	b := newMailBench(t)
	assertConcurrentResetsLimited(t, b.p, b)
}

// assertConcurrentResetsLimited sends 50 reset requests for the bench's
// contact at once through p, all from one client, and asserts that no more
// mails go out than the limit allows (MailsPerHour 3).
func assertConcurrentResetsLimited(t *testing.T, p *portal.Portal, b *mailBench) {
	t.Helper()
	ctx := portal.WithClient(context.Background(), "198.51.100.7")
	_, err := p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = p.RequestPasswordReset(ctx, b.pid, b.email)
		}()
	}
	wg.Wait()
	n, err := p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	t.Logf("50 concurrent requests from one client: %d reset mails (MailsPerHour 3)", n)
	assert.LessOrEqual(t, n, 3)
}

// oneShot runs hook once, the first time it fires after it is armed.
type oneShot struct {
	armed atomic.Bool
	hook  func()
}

// arm sets the hook the next firing runs.
func (o *oneShot) arm(hook func()) {
	o.hook = hook
	o.armed.Store(true)
}

// fire runs the hook if it is armed, and disarms it.
func (o *oneShot) fire() {
	if o.armed.CompareAndSwap(true, false) {
		o.hook()
	}
}

// hookStore fires its hook on the first LoginByEmail after it is armed,
// before the read.
type hookStore struct {
	fullStore
	oneShot
}

func (s *hookStore) LoginByEmail(ctx context.Context, portalID uuid.UUID, email string) (portal.Login, error) {
	s.fire()
	return s.fullStore.LoginByEmail(ctx, portalID, email)
}

// signedInTwiceOn signs the bench's contact in twice through a portal on
// st, a store that wraps the bench's: once as its owner, once as a thief
// who knows the password.
func signedInTwiceOn(t *testing.T, b *mailBench, st portal.Store) (p *portal.Portal, owner, thief portal.Session) {
	t.Helper()
	ctx := context.Background()
	p = b.on(t, st)
	_, owner, err := p.Login(ctx, b.pid, b.email, benchPassword)
	require.NoError(t, err)
	_, thief, err = p.Login(ctx, b.pid, b.email, benchPassword)
	require.NoError(t, err)
	return p, owner, thief
}

// changePassword changes, through p, the password of owner's login from
// benchPassword to a new one.
func changePassword(t *testing.T, p *portal.Portal, owner portal.Session) {
	t.Helper()
	_, _, err := p.ChangePassword(context.Background(), owner, benchPassword, "a brand new secret passphrase")
	require.NoError(t, err)
}

// The owner changes its password while the delivery makes the link of a
// thief's e-mail change: the link, made after the owner's change ended the
// contact's links, still does not move the login, for it was asked with
// the old password. covers: P16, A4
func TestEmailChangeLinkDiesWithThePasswordChangedWhileItIsMade(t *testing.T) {
	ctx := context.Background()
	b := newMailBench(t)
	hs := &hookStore{fullStore: b.st}
	p, owner, thief := signedInTwiceOn(t, b, hs)

	time.Sleep(time.Millisecond)
	require.NoError(t, p.RequestEmailChange(ctx, thief, "thief@evil.example", benchPassword))
	hs.arm(func() { changePassword(t, p, owner) })
	n, err := p.DeliverMail(ctx, b.pid) // emailFree's LoginByEmail runs the owner's change
	t.Logf("delivered %d", n)
	require.NoError(t, err)
	m, ok := b.box.Last("thief@evil.example")
	require.True(t, ok, "the link was mailed after the password changed")
	err = p.ConfirmEmailChange(ctx, b.pid, m.Token)
	assert.Error(t, err, "a link made for a change asked before the new password must not work")
	c, _ := p.Contact(ctx, b.pid, b.contact)
	t.Logf("contact's e-mail after the owner's password change: %s", c.Email)
}

// A contact asks to move its login to a new address, then signs in on
// another device before the delivery runs: a login is no password change,
// and the confirmation goes out. covers: P16
func TestALoginDoesNotVoidAnEmailChange(t *testing.T) {
	ctx := context.Background()
	b := newMailBench(t)
	_, s, err := b.p.Login(ctx, b.pid, b.email, benchPassword)
	require.NoError(t, err)
	time.Sleep(time.Millisecond)
	require.NoError(t, b.p.RequestEmailChange(ctx, s, "ann@new.example", benchPassword))
	time.Sleep(time.Millisecond)
	_, _, err = b.p.Login(ctx, b.pid, b.email, benchPassword) // her phone
	require.NoError(t, err)
	n, err := b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	_, ok := b.box.Last("ann@new.example")
	t.Logf("delivered %d; confirmation mail sent: %v", n, ok)
	assert.True(t, ok, "a login is no password change: the confirmation goes out")
}

// slowStore answers Throttle after a delay, as a database across a
// network does.
type slowStore struct{ fullStore }

func (s *slowStore) Throttle(ctx context.Context, portalID uuid.UUID, key string) (portal.Throttle, error) {
	time.Sleep(2 * time.Millisecond)
	return s.fullStore.Throttle(ctx, portalID, key)
}

// The same on a store that answers a count slowly, as a database across a
// network does. covers: A8
func TestMailLimitsHoldOnASlowStore(t *testing.T) {
	b := newMailBench(t)
	assertConcurrentResetsLimited(t, b.on(t, &slowStore{b.st}), b)
}

// colleague gives the bench's tenant a second login, Bob's
// (bob@acme.example, benchPassword), through an invitation.
func (b *mailBench) colleague(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	s, err := b.p.Settings(ctx, b.pid)
	require.NoError(t, err)
	bob, err := b.p.SaveContact(ctx, portal.Contact{PortalID: b.pid, Email: "bob@acme.example", Lists: s.Access.Lists})
	require.NoError(t, err)
	require.NoError(t, b.p.InviteContact(ctx, b.pid, bob.ID))
	_, err = b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	m, ok := b.box.Last("bob@acme.example")
	require.True(t, ok)
	require.NoError(t, b.p.AcceptInvitation(ctx, b.pid, m.Token, benchPassword))
}

// Whether an address is another login's costs a contact's request of its
// own limit, with or without WithClient: a session cannot probe addresses
// without end. covers: P16, A8
func TestEmailChangeProbesAreLimited(t *testing.T) {
	ctx := context.Background()
	b := newMailBench(t)
	b.colleague(t)
	_, sess, err := b.p.Login(ctx, b.pid, b.email, benchPassword)
	require.NoError(t, err)
	taken := 0
	for i := range 200 {
		addr := "guess" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@acme.example"
		if i == 199 {
			addr = "bob@acme.example"
		}
		if err := b.p.RequestEmailChange(ctx, sess, addr, benchPassword); err != nil {
			var ce *portal.ConflictError
			require.ErrorAs(t, err, &ce)
			taken++
			t.Logf("probe %d: %s has a login (%v)", i+1, addr, err)
		}
	}
	assert.Zero(t, taken, "the 200th probe in an hour should be refused like the others, not answered")
}

// Another contact's e-mail-change requests naming the owner's address,
// refused as another login's, do not spend the owner's address: its own
// reset still goes out. covers: P16, A8
func TestEmailChangeRequestsDoNotSpendAnotherAddress(t *testing.T) {
	ctx := context.Background()
	b := newMailBench(t)
	b.colleague(t)
	_, bs, err := b.p.Login(ctx, b.pid, "bob@acme.example", benchPassword)
	require.NoError(t, err)
	before := len(b.box.Sent())
	for _, ip := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"} {
		for range 3 {
			err := b.p.RequestEmailChange(portal.WithClient(ctx, ip), bs, b.email, benchPassword)
			require.Error(t, err) // ErrConflict: Ann logs in with it
		}
	}
	_, err = b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	require.NoError(t, b.p.RequestPasswordReset(portal.WithClient(ctx, "203.0.113.9"), b.pid, b.email))
	n, err := b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	t.Logf("mails sent while Bob spent Ann's budget: %d; Ann's own reset: %d mail(s)", len(b.box.Sent())-before, n)
	assert.Equal(t, 1, n)
}

// loginHookStore fires its hook right after the first Login read once it
// is armed, and returns what it read before the hook.
type loginHookStore struct {
	fullStore
	oneShot
}

func (s *loginHookStore) Login(ctx context.Context, portalID, contactID uuid.UUID) (portal.Login, error) {
	l, err := s.fullStore.Login(ctx, portalID, contactID)
	s.fire()
	return l, err
}

// The owner's password change lands between ConfirmEmailChange's check of
// the password mark and its write: the store checks the password again as
// it moves the login, and the thief's link moves nothing. covers: P16, A4
func TestEmailChangeConfirmRacingAPasswordChangeMovesNothing(t *testing.T) {
	ctx := context.Background()
	b := newMailBench(t)
	hs := &loginHookStore{fullStore: b.st}
	p, owner, thief := signedInTwiceOn(t, b, hs)
	require.NoError(t, p.RequestEmailChange(ctx, thief, "thief@evil.example", benchPassword))
	_, err := p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	m, ok := b.box.Last("thief@evil.example")
	require.True(t, ok)
	changed := false
	hs.arm(func() {
		changePassword(t, p, owner)
		changed = true
	})
	err = p.ConfirmEmailChange(ctx, b.pid, m.Token)
	require.True(t, changed)
	c, _ := p.Contact(ctx, b.pid, b.contact)
	t.Logf("confirm: %v; e-mail now %s", err, c.Email)
	assert.Equal(t, b.email, c.Email, "the owner's new password landed before the login moved: the link must not move it")
}

// An address's hour ends exactly an hour after its last counted mail, by
// the same rule for the check and the count: a request then is sent, and
// does not lock the address for another hour. covers: A8
func TestMailLimitEndsAnHourAfterTheLastMail(t *testing.T) {
	ctx := portal.WithClient(context.Background(), "198.51.100.7")
	var mu sync.Mutex
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	box := &portaltest.Mailbox{}
	b := newBench(t, portal.Options{Mailer: box, Auth: cheapHash, Now: clock})
	b.withPassword(t)
	t0 := clock()
	for range 3 {
		require.NoError(t, b.p.RequestPasswordReset(ctx, b.pid, b.email))
	}
	n, err := b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	set(t0.Add(time.Hour))
	require.NoError(t, b.p.RequestPasswordReset(ctx, b.pid, b.email))
	n1, err := b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	set(t0.Add(time.Hour + time.Minute))
	require.NoError(t, b.p.RequestPasswordReset(ctx, b.pid, b.email))
	n2, err := b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	t.Logf("at +1h: %d mail(s); at +1h1m: %d mail(s)", n1, n2)
	assert.Equal(t, 1, n1+n2, "an hour after the third mail, the owner gets one again")
}
