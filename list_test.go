package portal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/memstore"
)

// covers: P11, X6 (a page says how many tickets its view holds, exactly up
// to TotalBound, then "more"; with the store's TicketCounter or, for a
// store without one, by paging)
func TestTotals(t *testing.T) {
	ctx := context.Background()
	n := portal.TotalBound + 10
	for name, wrap := range map[string]func(*memstore.Store) portal.Store{
		"counter":    func(st *memstore.Store) portal.Store { return st },
		"no counter": func(st *memstore.Store) portal.Store { return struct{ portal.Store }{st} },
	} {
		t.Run(name, func(t *testing.T) {
			st := memstore.New()
			p, v := totalsWorld(t, st, wrap(st), n)
			total := func(q portal.ListQuery) (int, bool) {
				t.Helper()
				q.Limit, q.Total = 25, true
				tv, err := p.ListTickets(ctx, v, q)
				require.NoError(t, err)
				return tv.Total, tv.TotalMore
			}
			got, more := total(portal.ListQuery{})
			assert.Equal(t, portal.TotalBound, got)
			assert.True(t, more, "more than the bound")
			got, more = total(portal.ListQuery{Status: portal.StatusOpen})
			assert.Equal(t, n/2, got, "the filters in force")
			assert.False(t, more)
			for _, term := range []string{"10", "7", "999"} {
				want := 0
				for i := range n {
					if strings.Contains(fmt.Sprint(i), term) {
						want++
					}
				}
				got, _ = total(portal.ListQuery{Search: "sag " + term})
				assert.Equal(t, want, got, "the search %q in force", term)
			}
			got, _ = total(portal.ListQuery{Search: "no such words"})
			assert.Zero(t, got)

			first, err := p.ListTickets(ctx, v, portal.ListQuery{Status: portal.StatusOpen, Limit: 200, Total: true})
			require.NoError(t, err)
			second, err := p.ListTickets(ctx, v, portal.ListQuery{Status: portal.StatusOpen, Limit: 200, Cursor: first.Next, Total: true})
			require.NoError(t, err)
			assert.Equal(t, n/2, second.Total, "every page says the view's total")
			third, err := p.ListTickets(ctx, v, portal.ListQuery{Status: portal.StatusOpen, Limit: 200, Cursor: second.Next})
			require.NoError(t, err, "a cursor pages with or without the total")
			assert.Zero(t, third.Total, "not asked for")
		})
	}
}

// totalsWorld is a contact with n tickets, every other one open, over
// store (st, the memory store under it, takes the tickets).
func totalsWorld(t *testing.T, st *memstore.Store, store portal.Store, n int) (*portal.Portal, portal.Viewer) {
	t.Helper()
	ctx := context.Background()
	p, err := portal.New(store, portal.Options{Now: func() time.Time { return clock }})
	require.NoError(t, err)
	tenant, err := p.CreateTenant(ctx, "Totals")
	require.NoError(t, err)
	pid := tenant.ID
	desk, err := p.SaveChannel(ctx, portal.Channel{PortalID: pid, Name: "Desk", Kind: portal.HelpDesk})
	require.NoError(t, err)
	pl, err := p.SavePipeline(ctx, portal.Pipeline{PortalID: pid, Name: "Support", Stages: []portal.Stage{
		{Name: "New", State: portal.StageOpen}, {Name: "Closed", State: portal.StageClosed}}})
	require.NoError(t, err)
	c, err := p.SaveContact(ctx, portal.Contact{PortalID: pid, FirstName: "Søren", Email: "s@aeble.dk"})
	require.NoError(t, err)
	for i := range n {
		at := clock.Add(-time.Duration(i) * time.Minute)
		require.NoError(t, st.PutTicket(ctx, portal.Ticket{ID: uuid.New(), PortalID: pid, Subject: fmt.Sprintf("Printeren, sag %d", i),
			PipelineID: pl.ID, StageID: pl.Stages[i%2].ID, ChannelID: desk.ID, RequesterID: c.ID, ContactIDs: []uuid.UUID{c.ID},
			CreatedAt: at, LastActivityAt: at}))
	}
	s, err := p.Settings(ctx, pid)
	require.NoError(t, err)
	s.Enabled, s.DefaultChannel = true, desk.ID
	_, err = p.SaveSettings(ctx, pid, s)
	require.NoError(t, err)
	return p, portal.Viewer{PortalID: pid, ContactID: c.ID}
}
