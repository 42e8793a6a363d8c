package storetest

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var listInputTests = []test{
	{name: "HostileSearchIsInvalidOrAnsweredNeverAPanic", fn: testInputHostileSearch},
	{name: "PageSizeLimits", fn: testInputPageSize},
	{name: "UnknownViewerIsRefused", fn: testInputUnknownViewer},
}

// A search that is not valid UTF-8, holds NUL, or is very long is refused
// (or answered correctly), and never panics or reaches the store as a
// pattern.
// covers: P2
func testInputHostileSearch(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	v := w.viewer(w.ann)
	var words []string
	for i := range 21 {
		words = append(words, fmt.Sprintf("w%d", i))
	}
	for name, tc := range map[string]struct {
		search string
		// want is the correct answer, should a store-independent Portal
		// choose to answer rather than refuse.
		want []string
	}{
		"invalid UTF-8":         {"\xff\xfeæble", nil},
		"a lone continuation":   {"ann\x80", nil},
		"NUL":                   {"ann\x00", nil},
		"only NUL":              {"\x00", nil},
		"10,000 characters":     {strings.Repeat("æ", 10000), nil},
		"10,000 spaces":         {strings.Repeat(" ", 10000), annOwn},
		"501 characters":        {strings.Repeat("a", 501), nil},
		"21 distinct words":     {strings.Join(words, " "), nil},
		"10,000 NUL characters": {strings.Repeat("\x00", 10000), nil},
	} {
		var err error
		var tv portal.TicketView
		require.NotPanics(t, func() {
			tv, err = w.p.ListTickets(ctx(t), v, portal.ListQuery{Search: tc.search, Limit: 10, Sort: portal.PropSubject})
		}, name)
		if err != nil {
			requireField(t, err, "search", name)
			continue
		}
		assertNames(t, tc.want, w.names(tv.Rows), name)
	}
	// At the limits, a search is answered.
	for name, tc := range map[string]struct {
		search string
		want   []string
	}{
		"500 characters":    {strings.Repeat("a", 500), nil},
		"20 distinct words": {strings.Join(words[:20], " "), nil},
		"repeated words":    {strings.TrimSpace(strings.Repeat("ann ", 30) + "alone"), []string{"Ann alone"}},
		"SQL":               {"'; DROP TABLE tickets; --", nil},
		"LIKE escape":       {`ann\ %`, nil},
		"regexp":            {"^ann.*$", nil},
	} {
		q := bySubject
		q.Search = tc.search
		assertNames(t, tc.want, w.list(v, q), name)
	}
	assert.Equal(t, annOwn, w.list(v, bySubject), "and the data is unharmed")
}

// covers: P2
func testInputPageSize(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	v := w.viewer(w.ann)
	for _, n := range []int{-1, 0, portal.MaxPageSize + 1, math.MaxInt, math.MinInt} {
		requireField(t, w.listErr(v, portal.ListQuery{Limit: n}), "limit", "limit %d", n)
	}
	for _, n := range []int{1, portal.DefaultPageSize, portal.MaxPageSize} {
		tv, err := w.p.ListTickets(ctx(t), v, portal.ListQuery{Sort: portal.PropSubject, Limit: n})
		require.NoError(t, err, "limit %d", n)
		assert.Equal(t, annOwn[:min(n, len(annOwn))], w.names(tv.Rows), "limit %d", n)
		assert.Equal(t, n < len(annOwn), tv.Next != "", "limit %d", n)
	}
}

// covers: P1, X5
func testInputUnknownViewer(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	for name, v := range map[string]portal.Viewer{
		"unknown contact": {PortalID: w.pid, ContactID: uuid.New()},
		"nil contact":     {PortalID: w.pid},
	} {
		_, err := w.p.ListTickets(ctx(t), v, portal.ListQuery{Limit: 10})
		require.ErrorIs(t, err, portal.ErrUnauthenticated, name)
		_, err = w.p.TicketDetail(ctx(t), v, w.id("Ann alone"))
		require.ErrorIs(t, err, portal.ErrUnauthenticated, name)
	}
	_, err := w.p.ListTickets(ctx(t), portal.Viewer{PortalID: uuid.New(), ContactID: w.ann.ID}, portal.ListQuery{Limit: 10})
	require.Error(t, err, "unknown tenant")
	assert.True(t, errors.Is(err, portal.ErrNotFound) || errors.Is(err, portal.ErrUnauthenticated), "unknown tenant: %v", err)
}
