package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// fullStore is a store with the ways in, as the memory and SQL stores
// are.
type fullStore interface {
	portal.Store
	portal.AuthStore
}

// busyStore answers replies and submissions as a store whose database
// stays busy past its retry budget, while busy is set.
type busyStore struct {
	fullStore
	busy atomic.Bool
}

func (s *busyStore) AddReply(ctx context.Context, c portal.ReplyChange) error {
	if s.busy.Load() {
		return &portal.BusyError{Op: "add reply", Err: errors.New("Error 1213: deadlock")}
	}
	return s.fullStore.AddReply(ctx, c)
}

func (s *busyStore) SubmitTicket(ctx context.Context, c portal.SubmitChange) (portal.SubmitResult, error) {
	if s.busy.Load() {
		return portal.SubmitResult{}, &portal.BusyError{Op: "submit ticket", Err: errors.New("Error 1213: deadlock")}
	}
	return s.fullStore.SubmitTicket(ctx, c)
}

// A busy database (X7) is "try again": 503 with Retry-After, the form
// again with what was typed under the same key, so that sending it again
// makes one reply or ticket; the cause goes to the log.
// covers: X7, P5, P8
func TestBusyStoreKeepsTheForm(t *testing.T) {
	var store *busyStore
	tp := newTestPortalOn(t, func(st portal.Store) portal.Store {
		store = &busyStore{fullStore: st.(fullStore)}
		return store
	})
	c := tp.client()
	c.logIn(tp.login(0))
	ticket := c.firstTicket("?view=mine&status=open")
	keyOf := func(body string) string {
		m := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(body)
		require.NotNil(t, m, "the form has a key")
		return m[1]
	}
	key := keyOf(c.get("/tickets/" + ticket).body)
	reply := url.Values{"csrf": {c.csrf("/tickets/" + ticket)}, "key": {key}, "body": {"Is anyone there?"}}

	store.busy.Store(true)
	res := c.post("/tickets/"+ticket+"/reply", reply)
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, res.body)
	assert.NotEmpty(t, res.Header.Get("Retry-After"))
	assert.Contains(t, res.body, "send it again in a moment")
	assert.Contains(t, res.body, "Is anyone there?", "what was typed is kept")
	assert.Equal(t, key, keyOf(res.body), "under the same key")
	assert.Contains(t, tp.logs.String(), "Error 1213", "the cause is logged")

	form := c.get("/new").body
	sub := url.Values{"csrf": {c.csrf("/new")}, "key": {keyOf(form)}, "subject": {"Printeren"}, "content": {"Den virker ikke."}}
	res = c.post("/new", sub)
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, res.body)
	assert.Contains(t, res.body, "Den virker ikke.")
	assert.Equal(t, sub.Get("key"), keyOf(res.body))

	// Files cannot be carried back: the page says to choose them again.
	res = c.reply(ticket, c.csrf("/tickets/"+ticket), "With a photo", map[string][]byte{"photo.png": pngBytes})
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, res.body)
	assert.Contains(t, res.body, "choose them again")
	// Any other page of a busy store: 503, and no promise about sending.
	code, _, text := status(&portal.BusyError{Op: "snapshot"})
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "error.busy", text)

	store.busy.Store(false)
	res = c.post("/tickets/"+ticket+"/reply", reply)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	res = c.post("/new", sub)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
}
