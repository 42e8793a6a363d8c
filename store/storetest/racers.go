package storetest

import (
	"context"

	"github.com/helpdeskkit/portal"
)

// The racers below run a hook, once, right before the store writes: what
// another request does between Portal's reads or decision and its write.
// A test sets the hook of the write its call should race with.

// racer is a store with the ways in that runs a hook right before it
// writes a contact (beforeContact), a token (beforeToken), a registration
// (beforeRegister) or a ticket's participants (beforeParticipants).
type racer struct {
	authStore
	beforeContact, beforeToken, beforeRegister, beforeParticipants func()
}

func (r *racer) Register(ctx context.Context, c portal.RegisterChange) error {
	runOnce(&r.beforeRegister)
	return r.authStore.Register(ctx, c)
}

func (r *racer) PutContact(ctx context.Context, c portal.ContactChange) error {
	runOnce(&r.beforeContact)
	return r.authStore.PutContact(ctx, c)
}

func (r *racer) PutToken(ctx context.Context, t portal.Token) error {
	runOnce(&r.beforeToken)
	return r.authStore.PutToken(ctx, t)
}

func (r *racer) SetParticipants(ctx context.Context, c portal.ParticipantChange) error {
	runOnce(&r.beforeParticipants)
	return r.authStore.SetParticipants(ctx, c)
}

// storeRacer is a store, with or without the ways in, that runs a hook
// right before it writes a reply (beforeReply) or a rating (beforeRate).
// It hides the store's AuthStore: the tests that use it need none.
type storeRacer struct {
	portal.Store
	beforeReply, beforeRate func()
}

func (r *storeRacer) AddReply(ctx context.Context, c portal.ReplyChange) error {
	runOnce(&r.beforeReply)
	return r.Store.AddReply(ctx, c)
}

func (r *storeRacer) RateTicket(ctx context.Context, c portal.RateChange) error {
	runOnce(&r.beforeRate)
	return r.Store.RateTicket(ctx, c)
}

// runOnce runs *hook, when set, after clearing it.
func runOnce(hook *func()) {
	if h := *hook; h != nil {
		*hook = nil
		h()
	}
}
