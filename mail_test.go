package portal_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
)

var cheapHash = portal.AuthOptions{Password: portal.PasswordParams{Memory: 64, Time: 1}}

// mailBench is a bench that mails to box and hashes passwords cheaply; its
// contact has a password login.
type mailBench struct {
	*bench
	box *portaltest.Mailbox
}

// newMailBench makes a mailBench on a new memory store.
func newMailBench(t *testing.T) *mailBench {
	t.Helper()
	box := &portaltest.Mailbox{}
	b := &mailBench{bench: newBench(t, portal.Options{Mailer: box, Auth: cheapHash}), box: box}
	b.withPassword(t)
	return b
}

// on returns a portal with the bench's mailbox and hashing on st, a store
// that wraps the bench's.
func (b *mailBench) on(t *testing.T, st portal.Store) *portal.Portal {
	t.Helper()
	p, err := portal.New(st, portal.Options{Mailer: b.box, Auth: cheapHash})
	require.NoError(t, err)
	return p
}

// covers: A3, A8 (a failing Mailer fails the delivery, never the request;
// the mail is tried again later, and dropped after MaxMailAttempts)
func TestFailingMailerIsRetriedLater(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	box := &portaltest.Mailbox{Fail: errors.New("smtp: 451 try later")}
	b := newBench(t, portal.Options{Mailer: box, Now: func() time.Time { return now }, Auth: cheapHash})
	require.NoError(t, b.p.InviteContact(ctx, b.pid, b.contact), "the request only queues the mail")

	n, err := b.p.DeliverMail(ctx, b.pid)
	require.ErrorIs(t, err, portal.ErrInternal)
	assert.NotContains(t, err.Error(), "try later", "the cause is for logs, not for customers")
	assert.Zero(t, n)
	n, err = b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	assert.Zero(t, n, "not due again yet")

	box.Fail = nil
	now = now.Add(time.Minute)
	n, err = b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "sent on the next attempt")
	m, ok := box.Last(b.email)
	require.True(t, ok)
	require.NoError(t, b.p.AcceptInvitation(ctx, b.pid, m.Token, benchPassword))

	box.Fail = errors.New("smtp: 550 mailbox unavailable")
	require.NoError(t, b.p.InviteContact(ctx, b.pid, b.contact))
	for i := range portal.MaxMailAttempts {
		_, err := b.p.DeliverMail(ctx, b.pid)
		require.ErrorIs(t, err, portal.ErrInternal, "attempt %d", i+1)
		now = now.Add(time.Hour)
	}
	box.Fail = nil
	n, err = b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	assert.Zero(t, n, "dropped after MaxMailAttempts")
	assert.Len(t, box.Sent(), 1)
}

// recorder is a Store that records which of the methods a getting-in
// request may use are called, in order.
type recorder struct {
	fullStore
	mu    sync.Mutex
	calls []string
}

func (r *recorder) note(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, name)
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

func (r *recorder) Settings(ctx context.Context, portalID uuid.UUID) (portal.Settings, error) {
	r.note("Settings")
	return r.fullStore.Settings(ctx, portalID)
}

func (r *recorder) LoginByEmail(ctx context.Context, portalID uuid.UUID, email string) (portal.Login, error) {
	r.note("LoginByEmail")
	return r.fullStore.LoginByEmail(ctx, portalID, email)
}

func (r *recorder) Login(ctx context.Context, portalID, contactID uuid.UUID) (portal.Login, error) {
	r.note("Login")
	return r.fullStore.Login(ctx, portalID, contactID)
}

func (r *recorder) Contacts(ctx context.Context, portalID uuid.UUID, ids []uuid.UUID) ([]portal.Contact, error) {
	r.note("Contacts")
	return r.fullStore.Contacts(ctx, portalID, ids)
}

func (r *recorder) ContactsByEmail(ctx context.Context, portalID uuid.UUID, email string) ([]portal.Contact, error) {
	r.note("ContactsByEmail")
	return r.fullStore.ContactsByEmail(ctx, portalID, email)
}

func (r *recorder) PutToken(ctx context.Context, t portal.Token) error {
	r.note("PutToken")
	return r.fullStore.PutToken(ctx, t)
}

func (r *recorder) AddFailure(ctx context.Context, portalID uuid.UUID, key string, at, since time.Time) (portal.Throttle, error) {
	r.note("AddFailure")
	return r.fullStore.AddFailure(ctx, portalID, key, at, since)
}

func (r *recorder) QueueMail(ctx context.Context, m portal.QueuedMail) error {
	r.note("QueueMail")
	return r.fullStore.QueueMail(ctx, m)
}

// covers: A4, A8 (a reset request does the same work whether or not the
// e-mail has a login: its time tells nothing, and no mail server is
// waited on)
func TestResetRequestDoesTheSameWorkForEveryAddress(t *testing.T) {
	ctx := context.Background()
	b := newMailBench(t)
	rec := &recorder{fullStore: b.st}
	p := b.on(t, rec)
	sentBefore := len(b.box.Sent())

	require.NoError(t, p.RequestPasswordReset(ctx, b.pid, b.email))
	known := rec.take()
	require.NoError(t, p.RequestPasswordReset(ctx, b.pid, "nobody@acme.example"))
	unknown := rec.take()
	assert.Equal(t, known, unknown, "the same store calls, in the same order")
	assert.Contains(t, known, "QueueMail")
	assert.NotContains(t, known, "LoginByEmail", "the request does not look the e-mail up")
	assert.Len(t, b.box.Sent(), sentBefore, "nothing sent inside the requests")

	n, err := p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the known e-mail's mail; the unknown one's is dropped")
}

// chanMailer hands each mail to a channel.
type chanMailer chan portal.Mail

func (c chanMailer) Send(ctx context.Context, m portal.Mail) error {
	select {
	case c <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// covers: A8 (the delivery loop sends a queued mail at once, not at its
// next poll, and stops with its context)
func TestRunMailDeliverySendsWhatARequestQueues(t *testing.T) {
	mails := make(chanMailer)
	b := newBench(t, portal.Options{Mailer: mails, Auth: cheapHash})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.p.RunMailDelivery(ctx, b.pid, portal.DeliverOptions{PollInterval: time.Hour}) }()

	require.NoError(t, b.p.InviteContact(context.Background(), b.pid, b.contact))
	select {
	case m := <-mails:
		assert.Equal(t, portal.TokenInvitation, m.Kind)
		assert.Equal(t, b.email, m.To)
	case err := <-done:
		t.Fatalf("the loop stopped: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("no mail a minute after the request, with the next poll an hour away")
	}
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)

	noMailer, err := portal.New(b.st, portal.Options{})
	require.NoError(t, err)
	require.ErrorIs(t, noMailer.RunMailDelivery(context.Background(), b.pid, portal.DeliverOptions{}), portal.ErrInternal)
	require.ErrorIs(t, b.p.RunMailDelivery(context.Background(), uuid.New(), portal.DeliverOptions{}), portal.ErrNotFound)
	require.ErrorIs(t, b.p.RunMailDelivery(context.Background(), b.pid, portal.DeliverOptions{RetryMin: -1}), portal.ErrInvalid)
}

// covers: A2, X8 (a registration whose commit's acknowledgement is lost
// was made: it is answered as done and its mail goes out once; one that
// truly failed writes nothing and says so)
func TestLostRegistrationAcknowledgement(t *testing.T) {
	ctx := context.Background()
	store := &faultyStore{fullStore: memstore.New()}
	box := &portaltest.Mailbox{}
	p, err := portal.New(store, portal.Options{Mailer: box, Auth: cheapHash})
	require.NoError(t, err)
	tenant, err := p.CreateTenant(ctx, "Acme")
	require.NoError(t, err)
	ch, err := p.SaveChannel(ctx, portal.Channel{PortalID: tenant.ID, Name: "Desk", Kind: portal.HelpDesk})
	require.NoError(t, err)
	s, err := p.Settings(ctx, tenant.ID)
	require.NoError(t, err)
	s.Enabled, s.DefaultChannel, s.Access.Mode = true, ch.ID, portal.SelfRegistration
	_, err = p.SaveSettings(ctx, tenant.ID, s)
	require.NoError(t, err)

	store.fail.Store(true)
	err = p.Register(ctx, tenant.ID, portal.Registration{Email: "ann@acme.example", Consent: true})
	require.ErrorIs(t, err, portal.ErrInternal, "a failed registration says so")
	_, err = store.LoginByEmail(ctx, tenant.ID, "ann@acme.example")
	require.ErrorIs(t, err, portal.ErrNotFound, "and wrote nothing")
	store.fail.Store(false)

	store.lost.Store(true)
	require.NoError(t, p.Register(ctx, tenant.ID, portal.Registration{Email: "ann@acme.example", Consent: true}),
		"committed, though the store said otherwise")
	store.lost.Store(false)
	cs, err := store.ContactsByEmail(ctx, tenant.ID, "ann@acme.example")
	require.NoError(t, err)
	assert.Len(t, cs, 1, "one contact")
	n, err := p.DeliverMail(ctx, tenant.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "one registration mail")
	m, ok := box.Last("ann@acme.example")
	require.True(t, ok)
	assert.Equal(t, portal.TokenRegistration, m.Kind)
	require.NoError(t, p.CompleteRegistration(ctx, tenant.ID, m.Token, benchPassword))
}

// claimFails is a store whose ClaimMail fails as a broken database would.
type claimFails struct{ fullStore }

func (claimFails) ClaimMail(context.Context, uuid.UUID, uuid.UUID, time.Time, time.Time) error {
	return errInjected
}

// covers: A8 (a delivery that cannot take its mails ends, with the error,
// instead of reading them again and again)
func TestDeliverMailEndsWhenMailsCannotBeTaken(t *testing.T) {
	ctx := context.Background()
	box := &portaltest.Mailbox{}
	b := newBench(t, portal.Options{Mailer: box, Auth: cheapHash})
	require.NoError(t, b.p.InviteContact(ctx, b.pid, b.contact))
	p, err := portal.New(claimFails{b.st}, portal.Options{Mailer: box, Auth: cheapHash})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := p.DeliverMail(ctx, b.pid)
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, portal.ErrInternal)
	case <-time.After(time.Minute):
		t.Fatal("DeliverMail did not return")
	}
	assert.Empty(t, box.Sent())
	n, err := b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the mail is still queued, for a delivery that can take it")
}

// covers: A3, X8 (a portal name with a line break, which the settings
// take, never reaches a mail's subject as one: no header can be added
// through it)
func TestMailSubjectsAreOneLine(t *testing.T) {
	ctx := context.Background()
	box := &portaltest.Mailbox{}
	b := newBench(t, portal.Options{Mailer: box, Auth: cheapHash})
	s, err := b.p.Settings(ctx, b.pid)
	require.NoError(t, err)
	s.Name = "Acme\r\nBcc: thief@evil.example"
	_, err = b.p.SaveSettings(ctx, b.pid, s)
	require.NoError(t, err)
	require.NoError(t, b.p.InviteContact(ctx, b.pid, b.contact))
	_, err = b.p.DeliverMail(ctx, b.pid)
	require.NoError(t, err)
	m, ok := box.Last(b.email)
	require.True(t, ok)
	assert.NotContains(t, m.Subject, "\n")
	assert.NotContains(t, m.Subject, "\r")
	assert.Contains(t, m.Subject, "Acme  Bcc: thief@evil.example", "the name is kept, its line break a space")
}
