package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// These tests state the mail queue's contract (MailStore, A8), and, through
// the Portal façade, that a request only queues its mail and a delivery
// sends it.

// mailStoreTests hold MailStore to its contract, called directly.
var mailStoreTests = []test{
	{name: "QueuedMailsComeBackDueInOrder", fn: auth(testMailQueue)},
	{name: "OneOfConcurrentClaimsTakesAMail", fn: auth(testMailClaimRace)},
}

// mailTests check the mail queue's delivery through Portal.
var mailTests = []test{
	{name: "RequestsQueueAndDeliveriesSend", fn: auth(testMailDelivery)},
	{name: "ConcurrentDeliveriesSendEachMailOnce", fn: auth(testConcurrentDelivery)},
}

func queued(t *testing.T, pid uuid.UUID, kind portal.TokenKind, email string, due time.Time) portal.QueuedMail {
	return portal.QueuedMail{ID: newID(t), PortalID: pid, Kind: kind, ContactID: newID(t), Email: email,
		QueuedAt: baseTime, DueAt: due, Attempts: 0}
}

// covers: A8
func testMailQueue(t *testing.T, s authStore) {
	pid, other := newTenant(t, s), newTenant(t, s)
	late := queued(t, pid, portal.TokenReset, "Ann@Acme.example", baseTime.Add(time.Minute))
	early := queued(t, pid, portal.TokenInvitation, "bob@acme.example", baseTime)
	early.Attempts = 2
	later := queued(t, pid, portal.TokenRegistration, "carl@acme.example", baseTime.Add(time.Hour))
	for _, m := range []portal.QueuedMail{late, early, later} {
		require.NoError(t, s.QueueMail(ctx(t), m))
	}
	require.ErrorIs(t, s.QueueMail(ctx(t), late), portal.ErrConflict, "the ID exists")
	require.ErrorIs(t, s.QueueMail(ctx(t), queued(t, newID(t), portal.TokenReset, "x@acme.example", baseTime)),
		portal.ErrNotFound, "an unknown tenant")

	due, err := s.DueMails(ctx(t), pid, baseTime.Add(time.Minute), 10)
	require.NoError(t, err)
	assert.Equal(t, []portal.QueuedMail{early, late}, due, "due at or before the time, by DueAt; the rest waits")
	due, err = s.DueMails(ctx(t), pid, baseTime.Add(time.Hour), 1)
	require.NoError(t, err)
	assert.Equal(t, []portal.QueuedMail{early}, due, "limited")
	due, err = s.DueMails(ctx(t), other, baseTime.Add(time.Hour), 10)
	require.NoError(t, err)
	assert.Empty(t, due, "another tenant's queue")

	next := baseTime.Add(2 * time.Minute)
	require.NoError(t, s.ClaimMail(ctx(t), pid, early.ID, early.DueAt, next))
	require.ErrorIs(t, s.ClaimMail(ctx(t), pid, early.ID, early.DueAt, next.Add(time.Minute)), portal.ErrConflict,
		"another delivery took it")
	require.ErrorIs(t, s.ClaimMail(ctx(t), other, early.ID, next, next.Add(time.Minute)), portal.ErrNotFound,
		"not in another tenant")
	require.ErrorIs(t, s.ClaimMail(ctx(t), pid, newID(t), baseTime, next), portal.ErrNotFound)
	due, err = s.DueMails(ctx(t), pid, baseTime.Add(time.Minute), 10)
	require.NoError(t, err)
	assert.Equal(t, []portal.QueuedMail{late}, due, "a claimed mail waits until its new DueAt")
	due, err = s.DueMails(ctx(t), pid, next, 10)
	require.NoError(t, err)
	early.DueAt, early.Attempts = next, 3
	assert.Equal(t, []portal.QueuedMail{late, early}, due, "then it is due again, one attempt more")

	require.NoError(t, s.DeleteMail(ctx(t), other, early.ID), "another tenant's delete changes nothing")
	require.NoError(t, s.DeleteMail(ctx(t), pid, early.ID))
	require.NoError(t, s.DeleteMail(ctx(t), pid, early.ID), "a missing mail")
	due, err = s.DueMails(ctx(t), pid, baseTime.Add(time.Hour), 10)
	require.NoError(t, err)
	assert.Equal(t, []portal.QueuedMail{late, later}, due)
}

// covers: A8
func testMailClaimRace(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	m := queued(t, pid, portal.TokenReset, "ann@acme.example", baseTime)
	require.NoError(t, s.QueueMail(ctx(t), m))
	var won, lost atomic.Int32
	startTogether(8, func(i int) {
		err := s.ClaimMail(ctx(t), pid, m.ID, m.DueAt, baseTime.Add(time.Duration(i+1)*time.Minute))
		switch {
		case err == nil:
			won.Add(1)
		case assert.ErrorIs(t, err, portal.ErrConflict):
			lost.Add(1)
		}
	})
	assert.Equal(t, int32(1), won.Load(), "one claim takes the mail")
	assert.Equal(t, int32(7), lost.Load())
	due, err := s.DueMails(ctx(t), pid, baseTime.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, due, 1)
	assert.Equal(t, 1, due[0].Attempts, "one attempt counted")
}

// covers: A2, A3, A4, A8 (a request queues; the delivery makes the token
// and sends; a mail that no longer applies is dropped)
func testMailDelivery(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	before := len(d.mail.Sent())
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email))
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, "nobody@acme.example"))
	require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID))
	require.Len(t, d.mail.Sent(), before, "nothing is sent inside a request")

	bob := d.bob
	bob.Lists = nil // bob leaves the access groups before his invitation goes out
	_, err := d.p.SaveContact(ctx(t), bob)
	require.NoError(t, err)
	n, err := d.p.DeliverMail(ctx(t), d.pid)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "ann's reset; no mail for an unknown e-mail, nor for a contact who left the groups")
	sent := d.mail.Sent()[before:]
	require.Len(t, sent, 1)
	assert.Equal(t, portal.TokenReset, sent[0].Kind)
	require.NoError(t, d.p.ResetPassword(ctx(t), d.pid, sent[0].Token, goodPassword+"!"), "the delivered token works")

	n, err = d.p.DeliverMail(ctx(t), d.pid)
	require.NoError(t, err)
	assert.Zero(t, n, "the queue is empty")

	ann := d.ann
	ann.Lists = nil // ann leaves the groups: a new password would open nothing
	_, err = d.p.SaveContact(ctx(t), ann)
	require.NoError(t, err)
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email))
	n, err = d.p.DeliverMail(ctx(t), d.pid)
	require.NoError(t, err)
	assert.Zero(t, n, "no reset for a contact outside the access groups")
	_, err = d.p.DeliverMail(ctx(t), newID(t))
	require.ErrorIs(t, err, portal.ErrNotFound, "an unknown tenant")
}

// covers: A8
func testConcurrentDelivery(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	for range 3 {
		require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.ann.ID))
		require.NoError(t, d.p.InviteContact(ctx(t), d.pid, d.bob.ID))
	}
	var total atomic.Int32
	startTogether(4, func(int) {
		n, err := d.p.DeliverMail(ctx(t), d.pid)
		assert.NoError(t, err)
		total.Add(int32(n))
	})
	assert.Equal(t, int32(6), total.Load(), "the deliveries' counts add up to the mails queued")
	assert.Len(t, d.mail.Sent(), 6, "each mail sent once")
}
