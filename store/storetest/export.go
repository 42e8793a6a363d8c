package storetest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
)

// pageTests hold a store's page reads to their contract: QueryTickets
// into a reused page, and TicketPageReader against QueryTickets.
var pageTests = []test{
	{name: "ReadPagesAreQueryPages", fn: testReadTicketPage},
	{name: "QueryIntoAReusedPage", fn: testQueryReusedPage},
	{name: "CountTicketsStopsAtMax", fn: testCountTickets},
}

// exportTests check the export through Portal.
var exportTests = []test{
	{name: "ExportIsEveryPageOfTheList", fn: testExportIsEveryPage},
}

// QueryTickets answered into a page that held another answer (as an
// export reuses its page) answers exactly what it answers into a new page:
// nothing of the answer before is left in it.
// covers: P7
func testQueryReusedPage(t *testing.T, s portal.Store) {
	base, schema := generatedQuery(t, s, 40, 3)
	// The page starts out holding what no answer holds: tickets with
	// associations and properties that a store might append into.
	reused := portal.TicketPage{
		Tickets: make([]portal.Ticket, 12), Keys: make([]portal.SortKey, 12), More: true, Related: true,
		Requesters: []portal.Contact{{ID: uuid.New(), FirstName: "Stale"}},
		Owners:     []portal.Owner{{ID: uuid.New(), FirstName: "Stale"}},
	}
	for i := range reused.Tickets {
		reused.Tickets[i] = portal.Ticket{ID: uuid.New(), Subject: "stale",
			ContactIDs: make([]uuid.UUID, 1, 8), CompanyIDs: make([]uuid.UUID, 1, 8), Properties: portal.Properties{"stale": "yes"}}
		reused.Keys[i] = portal.SortKey{Text: "stale"}
	}
	for _, sortBy := range []string{portal.PropLastActivityAt, portal.PropCreatedAt, portal.PropSubject} {
		prop, ok := schema.Lookup(portal.TicketObject, sortBy)
		require.True(t, ok)
		q := base
		q.Sort, q.Limit = portal.Sort{Property: prop, Desc: sortBy == portal.PropLastActivityAt}, 4
		pages := 0
		for {
			var fresh portal.TicketPage
			require.NoError(t, s.QueryTickets(ctx(t), q, &fresh))
			require.NoError(t, s.QueryTickets(ctx(t), q, &reused))
			assert.Equal(t, pageOf(fresh), pageOf(reused), "sort %s, page %d", sortBy, pages)
			pages++
			if !fresh.More {
				break
			}
			last := len(fresh.Tickets) - 1
			q.After, q.AfterID = &fresh.Keys[last], fresh.Tickets[last].ID
		}
		assert.Greater(t, pages, 2, "sort %s", sortBy)
	}
	// A query that finds nothing empties the page.
	q := base
	q.Limit = 4
	q.ContactID, q.CompanyID = uuid.New(), uuid.Nil
	require.NoError(t, s.QueryTickets(ctx(t), q, &reused))
	assert.Empty(t, reused.Tickets)
	assert.Empty(t, reused.Keys)
	assert.False(t, reused.More)
	assert.Empty(t, reused.Requesters)
	assert.Empty(t, reused.Owners)
}

// A TicketCounter counts what the pages of a query hold together,
// whatever its cursor and limit, and stops at max (P11).
// covers: P11
func testCountTickets(t *testing.T, s portal.Store) {
	counter, ok := s.(portal.TicketCounter)
	if !ok {
		t.Skip("the store is no portal.TicketCounter")
	}
	base, _ := generatedQuery(t, s, 40, 5)
	for _, search := range [][]string{nil, {"printer"}, {"æ"}, {"no-such-text"}} {
		q := base
		q.Search, q.Limit = search, portal.MaxPageSize
		var page portal.TicketPage
		require.NoError(t, s.QueryTickets(ctx(t), q, &page))
		require.False(t, page.More)
		want := len(page.Tickets)
		q.Limit = 2
		if want > 0 { // a cursor too, which the count ignores
			q.After, q.AfterID = &page.Keys[0], page.Tickets[0].ID
		}
		for _, max := range []int{1, want - 1, want, want + 1, 1000} {
			if max < 1 {
				continue
			}
			n, err := counter.CountTickets(ctx(t), q, max)
			require.NoError(t, err)
			assert.Equal(t, min(want, max), n, "search %q, max %d", search, max)
		}
	}
	q := base
	q.ContactID, q.CompanyID = uuid.New(), uuid.Nil
	n, err := counter.CountTickets(ctx(t), q, 10)
	require.NoError(t, err)
	assert.Zero(t, n, "an unknown contact's scope is empty")
}

// generatedQuery generates a helpdesk of n tickets (seed) through Portal
// and returns the query of its first contact's company view, unfiltered,
// and its schema.
func generatedQuery(t *testing.T, s portal.Store, n int, seed uint64) (portal.TicketQuery, portal.Schema) {
	t.Helper()
	p, err := portal.New(s, portal.Options{Now: portaltest.Now})
	require.NoError(t, err)
	d, err := portaltest.Generate(ctx(t), p, portaltest.Size{Companies: 2, ContactsPerCompany: 3, Tickets: n}, seed)
	require.NoError(t, err)
	schema, err := p.Schema(ctx(t), d.Tenant.ID)
	require.NoError(t, err)
	all, err := portal.CompileTicketFilter(nil, schema)
	require.NoError(t, err)
	c := d.Contacts[0]
	return portal.TicketQuery{PortalID: d.Tenant.ID, ContactID: c.ID, CompanyID: c.CompanyID,
		Visibility: all, Filter: all, Now: portaltest.Now()}, schema
}

// pageOf is p with its empty slices nil (the contract makes them one
// value) and its related records in ID order (any order is allowed).
func pageOf(p portal.TicketPage) portal.TicketPage {
	if len(p.Tickets) == 0 {
		p.Tickets, p.Keys = nil, nil
	}
	p.Requesters = slices.Clone(p.Requesters)
	slices.SortFunc(p.Requesters, func(a, b portal.Contact) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	if len(p.Requesters) == 0 {
		p.Requesters = nil
	}
	p.Owners = slices.Clone(p.Owners)
	slices.SortFunc(p.Owners, func(a, b portal.Owner) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	if len(p.Owners) == 0 {
		p.Owners = nil
	}
	return p
}

// The CSV export of a view is the concatenation of all its list pages, on
// every store: the same rows in the same order, the shown columns only, no
// ticket outside scope and no internal message.
// covers: P7, S8, S9
func testExportIsEveryPage(t *testing.T, s portal.Store) {
	p, err := portal.New(s, portal.Options{Now: portaltest.Now})
	require.NoError(t, err)
	d, err := portaltest.Generate(ctx(t), p, portaltest.Size{Companies: 3, ContactsPerCompany: 3, Tickets: 120}, 9)
	require.NoError(t, err)
	changeSettings(t, p, d.Tenant.ID, func(settings *portal.Settings) {
		settings.Permissions.Scope = portal.CompanyTickets
		settings.Display.Columns = []portal.Column{{Property: "subject"}, {Property: "content"}, {Property: "owner"},
			{Property: "status"}, {Property: "lastActivityAt"}}
	})

	var internal []string
	for _, m := range d.Messages {
		if m.Kind.Internal() && len(m.Text) > 20 {
			internal = append(internal, m.Text)
		}
	}
	v := portal.Viewer{PortalID: d.Tenant.ID, ContactID: d.Contacts[0].ID}
	for _, q := range []portal.ListQuery{
		{Limit: 4},
		{Limit: 5, Sort: "owner", Status: portal.StatusOpen},
		{Limit: 3, View: portal.OwnedByMe, Search: "ikke"},
	} {
		want, err := portaltest.ListTable(ctx(t), p, v, q)
		require.NoError(t, err)
		var buf bytes.Buffer
		n, err := p.ExportCSV(ctx(t), v, q, &buf, portal.CSVOptions{NoBOM: true})
		require.NoError(t, err)
		got, err := csv.NewReader(&buf).ReadAll()
		require.NoError(t, err)
		assert.Equal(t, want, got, "query %+v", q)
		assert.Equal(t, len(want)-1, n)
		for _, text := range internal {
			assert.NotContains(t, buf.String(), strings.TrimSpace(text))
		}
	}
}

// A store that lets the export read its tickets (portal.TicketPageReader)
// reads, page after page, exactly the tickets, keys and "more" that
// QueryTickets answers; an error from the reader stops the page and comes
// back as it is.
// covers: P7
func testReadTicketPage(t *testing.T, s portal.Store) {
	r, ok := s.(portal.TicketPageReader)
	if !ok {
		t.Skip("the store is not a portal.TicketPageReader")
	}
	base, schema := generatedQuery(t, s, 60, 5)
	for _, sortBy := range []string{portal.PropCreatedAt, portal.PropSubject} {
		prop, ok := schema.Lookup(portal.TicketObject, sortBy)
		require.True(t, ok)
		q := base
		q.Sort, q.Limit = portal.Sort{Property: prop}, 7
		pages := 0
		for {
			var want, got portal.TicketPage
			require.NoError(t, s.QueryTickets(ctx(t), q, &want))
			var err error
			got.More, err = r.ReadTicketPage(ctx(t), q, func(tk *portal.Ticket, key *portal.SortKey) error {
				got.Tickets = append(got.Tickets, tk.Clone())
				got.Keys = append(got.Keys, *key)
				return nil
			})
			require.NoError(t, err)
			assert.Equal(t, want, got, "sort %s, page %d", sortBy, pages)
			pages++
			if !want.More || len(want.Tickets) == 0 {
				break
			}
			last := len(want.Tickets) - 1
			q.After, q.AfterID = &want.Keys[last], want.Tickets[last].ID
		}
		assert.Greater(t, pages, 1)
	}

	stop := errors.New("stop")
	n := 0
	q := base
	q.Limit = 7
	_, err := r.ReadTicketPage(ctx(t), q, func(*portal.Ticket, *portal.SortKey) error {
		n++
		return stop
	})
	assert.Same(t, stop, err)
	assert.Equal(t, 1, n)
}
