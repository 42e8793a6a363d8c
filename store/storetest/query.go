package storetest

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
)

var queryTests = []test{
	{name: "EveryOperatorFiltersAsDocumented", fn: testQueryOperators},
	{name: "ListsMatchAReferenceForAnyQuery", fn: testQueryReference},
	{name: "SearchIsLiteralAndIgnoresCase", fn: testQuerySearch},
	{name: "PagingSurvivesWrites", fn: testQueryPagingUnderWrites},
	{name: "UnknownValuesSortLastAscendingFirstDescending", fn: testQuerySortUnknown},
	{name: "TenantsNeverMeet", fn: testQueryTenancy},
}

// small is an enabled portal with one contact, over s.
type small struct {
	p        *portal.Portal
	pid      uuid.UUID
	pipeline portal.Pipeline
	channel  portal.Channel
	contact  portal.Contact
	viewer   portal.Viewer
}

var queryNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newSmall(t *testing.T, s portal.Store) *small {
	t.Helper()
	p, err := portal.New(s, portal.Options{Now: func() time.Time { return queryNow }})
	require.NoError(t, err)
	w := &small{p: p}
	tenant, err := p.CreateTenant(ctx(t), "Query")
	require.NoError(t, err)
	w.pid = tenant.ID
	w.channel, err = p.SaveChannel(ctx(t), portal.Channel{PortalID: w.pid, Name: "Desk", Kind: portal.HelpDesk})
	require.NoError(t, err)
	w.pipeline, err = p.SavePipeline(ctx(t), portal.Pipeline{PortalID: w.pid, Name: "Support", Stages: []portal.Stage{
		{Name: "New", State: portal.StageOpen}, {Name: "Closed", State: portal.StageClosed}}})
	require.NoError(t, err)
	w.contact, err = p.SaveContact(ctx(t), portal.Contact{PortalID: w.pid, FirstName: "Ann", Email: "ann@example.com"})
	require.NoError(t, err)
	w.viewer = portal.Viewer{PortalID: w.pid, ContactID: w.contact.ID}
	w.settings(t, func(s *portal.Settings) { s.Enabled, s.DefaultChannel = true, w.channel.ID })
	return w
}

// settings changes the tenant's current settings and saves them.
func (w *small) settings(t *testing.T, change func(*portal.Settings)) {
	t.Helper()
	changeSettings(t, w.p, w.pid, change)
}

func (w *small) ticket(t *testing.T, tk portal.Ticket) portal.Ticket {
	t.Helper()
	tk.PortalID, tk.PipelineID = w.pid, w.pipeline.ID
	if tk.StageID == uuid.Nil {
		tk.StageID = w.pipeline.Stages[0].ID
	}
	tk.ContactIDs = append(tk.ContactIDs, w.contact.ID)
	tk, err := w.p.SaveTicket(ctx(t), tk)
	require.NoError(t, err)
	return tk
}

// all lists every page of q (pages of q.Limit) and returns the subjects.
func (w *small) all(t *testing.T, q portal.ListQuery) []string {
	t.Helper()
	table, err := portaltest.ListTable(ctx(t), w.p, w.viewer, q)
	require.NoError(t, err)
	var out []string
	for _, row := range table[1:] {
		out = append(out, row[0])
	}
	return out
}

// Every S5 operator, pushed to the store as the visibility filter, on a
// ticket with every value known and one with every value unknown (which
// matches only is_unknown).
// covers: S5, S8
func testQueryOperators(t *testing.T, s portal.Store) {
	w := newSmall(t, s)
	for _, p := range []portal.Property{
		{Name: "orderNumber", Label: "Order", Type: portal.Number},
		{Name: "warranty", Label: "Warranty", Type: portal.Boolean},
		{Name: "product", Label: "Product", Type: portal.Enumeration, Options: []portal.Option{{Value: "printer", Label: "Printer"}, {Value: "scanner", Label: "Scanner"}}},
		{Name: "note", Label: "Note", Type: portal.Text},
		{Name: "due", Label: "Due", Type: portal.Date},
	} {
		require.NoError(t, w.p.RegisterProperty(ctx(t), w.pid, portal.TicketObject, p))
	}
	owner, err := w.p.SaveOwner(ctx(t), portal.Owner{PortalID: w.pid, FirstName: "Ida"})
	require.NoError(t, err)
	created := time.Date(2026, 1, 31, 23, 59, 0, 0, time.UTC)
	w.ticket(t, portal.Ticket{Subject: "Full", Priority: portal.PriorityHigh, OwnerID: owner.ID,
		StageID: w.pipeline.Stages[1].ID, CreatedAt: created, LastActivityAt: created,
		Properties: portal.Properties{"orderNumber": 12.5, "warranty": true, "product": "printer",
			"note": "Printer virker ikke – ÆBLE 50%_off", "due": created}})
	w.ticket(t, portal.Ticket{Subject: "Empty", CreatedAt: queryNow.Add(-time.Hour)})

	f := func(prop string, op portal.Operator, vals ...string) portal.Filter {
		return portal.Filter{Property: prop, Operator: op, Values: vals}
	}
	full, empty, both, none := []string{"Full"}, []string{"Empty"}, []string{"Empty", "Full"}, []string(nil)
	cases := []struct {
		filter portal.Filter
		want   []string
	}{
		{f("note", portal.EqualsAny, "x", "printer virker ikke – æble 50%_OFF"), full},
		{f("note", portal.EqualsAny, "printer"), none},
		{f("note", portal.NotEqualsAny, "printer"), full},
		{f("note", portal.ContainsAny, "zzz", "æble"), full},
		{f("note", portal.ContainsAny, "%"), full},
		{f("note", portal.ContainsAny, "%_"), full},
		{f("note", portal.ContainsAny, "5_%"), none},
		{f("note", portal.NotContainsAny, "æble"), none},
		{f("note", portal.NotContainsAny, "scanner"), full},
		{f("note", portal.StartsWith, "pRiNtEr"), full},
		{f("note", portal.StartsWith, "virker"), none},
		{f("note", portal.EndsWith, "OFF"), full},
		{f("note", portal.IsKnown), full},
		{f("note", portal.IsUnknown), empty},
		{f("subject", portal.EqualsAny, "FULL", "empty"), both},
		{f("orderNumber", portal.Eq, "12.5"), full},
		{f("orderNumber", portal.Ne, "12.5"), none},
		{f("orderNumber", portal.Ne, "3"), full},
		{f("orderNumber", portal.Lt, "12.5"), none},
		{f("orderNumber", portal.Lte, "12.5"), full},
		{f("orderNumber", portal.Gt, "12"), full},
		{f("orderNumber", portal.Gte, "13"), none},
		{f("orderNumber", portal.Between, "12.5", "20"), full},
		{f("orderNumber", portal.Between, "1", "12.4"), none},
		{f("orderNumber", portal.IsUnknown), empty},
		{f("due", portal.Eq, "2026-01-31"), full},
		{f("due", portal.Eq, "2026-01-31T23:59:00Z"), full},
		{f("due", portal.Eq, "2026-02-01"), none},
		{f("due", portal.Ne, "2026-01-31"), none},
		{f("due", portal.Lt, "2026-01-31"), none},
		{f("due", portal.Lte, "2026-01-31"), full},
		{f("due", portal.Gt, "2026-01-30"), full},
		{f("due", portal.Gt, "2026-01-31"), none},
		{f("due", portal.Gte, "2026-01-31"), full},
		{f("due", portal.Between, "2026-01-01", "2026-01-31"), full},
		{f("due", portal.IsUnknown), empty},
		{f("createdAt", portal.BeforeDaysAgo, "30"), full},
		{f("createdAt", portal.AfterDaysAgo, "30"), empty},
		{f("createdAt", portal.AfterDaysAgo, "365"), both},
		{f("createdAt", portal.Between, "2026-01-31", "2026-01-31"), full},
		{f("priority", portal.IsAnyOf, "high", "urgent"), full},
		{f("priority", portal.IsNoneOf, "high"), none},
		{f("priority", portal.IsNoneOf, "low"), full},
		{f("priority", portal.IsUnknown), empty},
		{f("product", portal.IsAnyOf, "printer"), full},
		{f("product", portal.IsNoneOf, "scanner"), full},
		{f("owner", portal.IsAnyOf, owner.ID.String()), full},
		{f("owner", portal.IsNoneOf, uuid.NewString()), full},
		{f("owner", portal.IsUnknown), empty},
		{f("stage", portal.IsAnyOf, w.pipeline.Stages[0].ID.String()), empty},
		{f("status", portal.IsAnyOf, "closed"), full},
		{f("status", portal.IsAnyOf, "open"), empty},
		{f("warranty", portal.Eq, "true"), full},
		{f("warranty", portal.Ne, "true"), none},
		{f("warranty", portal.Eq, "false"), none},
		{f("warranty", portal.IsUnknown), empty},
		{f("requestedBy", portal.IsUnknown), both},
	}
	for _, tc := range cases {
		w.settings(t, func(s *portal.Settings) { s.Display.Visibility = portal.FilterGroups{{tc.filter}} })
		got := w.all(t, portal.ListQuery{Limit: 10, Sort: "subject"})
		assert.Equal(t, tc.want, got, "%s %s %v", tc.filter.Property, tc.filter.Operator, tc.filter.Values)
	}
	// Groups are OR-ed, filters in a group AND-ed.
	w.settings(t, func(s *portal.Settings) {
		s.Display.Visibility = portal.FilterGroups{
			{f("priority", portal.IsAnyOf, "high"), f("orderNumber", portal.Gt, "100")},
			{f("subject", portal.StartsWith, "emp")},
		}
	})
	assert.Equal(t, empty, w.all(t, portal.ListQuery{Limit: 10}))
}

// Over generated data and a fixed seed, any scope, view, visibility,
// status, column filter, search, sort and page size lists exactly the
// tickets a reference computes, never one outside scope; pages of any size
// concatenate to the same order; a ticket outside scope or hidden never
// opens, and no ticket detail holds an internal note, a comment or a
// message from an internal sender.
// covers: S4, S5, S8, S9, P1, P2, P3, P4
func testQueryReference(t *testing.T, s portal.Store) {
	p, err := portal.New(s, portal.Options{Now: portaltest.Now})
	require.NoError(t, err)
	d, err := portaltest.Generate(ctx(t), p, portaltest.Size{Companies: 4, ContactsPerCompany: 3, Tickets: 120}, 42)
	require.NoError(t, err)
	pid := d.Tenant.ID
	closed := map[uuid.UUID]bool{}
	for _, pl := range d.Pipelines {
		for _, st := range pl.ClosedStages() {
			closed[st.ID] = true
		}
	}
	messages := map[uuid.UUID]portal.Message{}
	for _, m := range d.Messages {
		messages[m.ID] = m
	}
	vip := d.Lists[1].ID
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"", "printer", "ikke", "æ", "%", "_", "vand espresso", "LÆKKER vand"}
	type visibility struct {
		groups portal.FilterGroups
		match  func(portal.Ticket) bool
	}
	visibilities := []visibility{
		{nil, func(portal.Ticket) bool { return true }},
		{portal.FilterGroups{{{Property: "owner", Operator: portal.IsKnown}}},
			func(t portal.Ticket) bool { return t.OwnerID != uuid.Nil }},
		{portal.FilterGroups{{{Property: "priority", Operator: portal.IsAnyOf, Values: []string{"high", "urgent"}}}},
			func(t portal.Ticket) bool { return t.Priority == "high" || t.Priority == "urgent" }},
		{portal.FilterGroups{
			{{Property: "owner", Operator: portal.IsUnknown}},
			{{Property: "subject", Operator: portal.NotContainsAny, Values: []string{"e"}}},
		}, func(t portal.Ticket) bool {
			return t.OwnerID == uuid.Nil || !strings.Contains(portal.Fold(t.Subject), portal.Fold("e"))
		}},
	}
	for round := range 16 {
		scope := []portal.Scope{portal.OwnTickets, portal.CompanyTickets, portal.CompanyTicketsForGroup}[round%3]
		vis := visibilities[rng.IntN(len(visibilities))]
		changeSettings(t, p, pid, func(settings *portal.Settings) {
			settings.Permissions = portal.Permissions{Scope: scope}
			if scope == portal.CompanyTicketsForGroup {
				settings.Permissions.ContactFilter = portal.FilterGroups{{{Property: "lists", Operator: portal.IsAnyOf, Values: []string{vip.String()}}}}
			}
			settings.Display.Visibility = vis.groups
			settings.Display.Columns = append(portal.RecommendedColumns(), portal.Column{Property: "priority"})
		})
		for range 6 {
			c := d.Contacts[rng.IntN(len(d.Contacts))]
			companyScope := c.CompanyID != uuid.Nil &&
				(scope == portal.CompanyTickets || scope == portal.CompanyTicketsForGroup && slices.Contains(c.Lists, vip))
			q := portal.ListQuery{
				View:   []portal.View{"", portal.OrganizationTickets, portal.OwnedByMe}[rng.IntN(3)],
				Status: []string{"", "open", "closed"}[rng.IntN(3)],
				Search: words[rng.IntN(len(words))],
				Sort:   []string{"", "subject", "requestedBy", "createdAt", "owner", "lastActivityAt", "status", "priority"}[rng.IntN(8)],
				Desc:   rng.IntN(2) == 0,
				Limit:  portal.MaxPageSize,
			}
			var priorities []string
			if rng.IntN(3) == 0 {
				priorities = []string{"low", "medium"}
				q.Filters = []portal.Filter{{Property: "priority", Operator: portal.IsAnyOf, Values: priorities}}
			}
			v := portal.Viewer{PortalID: pid, ContactID: c.ID}
			whole, err := portaltest.ListAll(ctx(t), p, v, q)
			if q.View == portal.OrganizationTickets && !companyScope {
				require.ErrorIs(t, err, portal.ErrForbidden)
				continue
			}
			require.NoError(t, err)
			org := q.View == portal.OrganizationTickets || q.View == "" && companyScope
			var want []uuid.UUID
			for _, tk := range d.Tickets {
				in := slices.Contains(tk.ContactIDs, c.ID) || org && slices.Contains(tk.CompanyIDs, c.CompanyID)
				status := map[bool]string{true: "closed", false: "open"}[closed[tk.StageID]]
				text := portal.Fold(tk.Subject) + "\n" + portal.Fold(tk.Content)
				ok := in && vis.match(tk) && (q.Status == "" || q.Status == status) &&
					(priorities == nil || slices.Contains(priorities, string(tk.Priority)))
				for _, word := range strings.Fields(portal.Fold(q.Search)) {
					ok = ok && strings.Contains(text, word)
				}
				if ok {
					want = append(want, tk.ID)
				}
			}
			assert.ElementsMatch(t, want, whole, "round %d, %s, scope %s, %+v", round, c.Email, scope, q)
			q.Limit = 1 + rng.IntN(6)
			paged, err := portaltest.ListAll(ctx(t), p, v, q)
			require.NoError(t, err)
			assert.Equal(t, whole, paged, "pages of %d concatenate to the whole list", q.Limit)
			q.Total = true
			first, err := p.ListTickets(ctx(t), v, q)
			require.NoError(t, err)
			assert.Equal(t, len(want), first.Total, "the total of %+v (P11)", q)
			assert.False(t, first.TotalMore)

			for _, id := range whole {
				det, err := p.TicketDetail(ctx(t), v, id)
				require.NoError(t, err)
				for _, m := range det.Conversation {
					orig, ok := messages[m.ID]
					require.True(t, ok, "message %s is the dataset's", m.ID)
					assert.False(t, orig.Kind.Internal(), "internal message %s shown", m.ID)
					assert.False(t, strings.HasSuffix(orig.From, "@"+portaltest.InternalDomain), "internal sender shown")
				}
			}
			for _, tk := range d.Tickets {
				in := slices.Contains(tk.ContactIDs, c.ID) || companyScope && slices.Contains(tk.CompanyIDs, c.CompanyID)
				if !in || !vis.match(tk) {
					_, err := p.TicketDetail(ctx(t), v, tk.ID)
					require.ErrorIs(t, err, portal.ErrNotFound, "ticket %q opened by %s", tk.Subject, c.Email)
				}
			}
		}
	}
}

// covers: P2
func testQuerySearch(t *testing.T, s portal.Store) {
	w := newSmall(t, s)
	for _, subject := range []string{"ÆBLE-most", "æblegrød", "50% rabat", "under_score", `sagde "hej"`, `sti\til`, "it's", "plain"} {
		w.ticket(t, portal.Ticket{Subject: subject, Content: "indhold"})
	}
	w.ticket(t, portal.Ticket{Subject: "split", Content: "second half"})
	for search, want := range map[string][]string{
		"æble":          {"ÆBLE-most", "æblegrød"},
		"ÆBLEGRØD":      {"æblegrød"},
		"%":             {"50% rabat"},
		"_":             {"under_score"},
		`"hej"`:         {`sagde "hej"`},
		`\`:             {`sti\til`},
		"'":             {"it's"},
		"50% rabat":     {"50% rabat"},
		"indhold plain": {"plain"},
		"split second":  {"split"},
		"splitsecond":   nil,
		"nothing":       nil,
	} {
		got := w.all(t, portal.ListQuery{Limit: 3, Search: search, Sort: "subject"})
		assert.ElementsMatch(t, want, got, "search %q", search)
	}
}

// Paging while tickets are added and changed never repeats or skips a
// ticket that existed throughout.
// covers: P2
func testQueryPagingUnderWrites(t *testing.T, s portal.Store) {
	w := newSmall(t, s)
	var before []portal.Ticket
	for i := range 12 {
		before = append(before, w.ticket(t, portal.Ticket{Subject: "T" + string(rune('a'+i)),
			CreatedAt: queryNow.Add(-time.Duration(i+1) * time.Hour)}))
	}
	q := portal.ListQuery{Limit: 3} // newest first
	var seen []string
	for i := 0; ; i++ {
		tv, err := w.p.ListTickets(ctx(t), w.viewer, q)
		require.NoError(t, err)
		for _, r := range tv.Rows {
			seen = append(seen, r.Cells[0].Text)
		}
		// Between pages: a newer and an older ticket arrive, and an existing
		// ticket changes a field that is not the sort key.
		w.ticket(t, portal.Ticket{Subject: "new" + string(rune('a'+i)), CreatedAt: queryNow.Add(-time.Minute)})
		w.ticket(t, portal.Ticket{Subject: "old" + string(rune('a'+i)), CreatedAt: queryNow.Add(-100 * time.Hour)})
		changed := before[(i*5)%len(before)]
		changed.Subject += "!"
		_, err = w.p.SaveTicket(ctx(t), changed)
		require.NoError(t, err)
		before[(i*5)%len(before)] = changed
		if tv.Next == "" {
			break
		}
		q.Cursor = tv.Next
	}
	for i := range 12 {
		name := "T" + string(rune('a'+i))
		n := 0
		for _, s := range seen {
			if strings.TrimRight(s, "!") == name {
				n++
			}
		}
		assert.Equal(t, 1, n, "%s seen %d times in %v", name, n, seen)
	}
}

// covers: P2, S8
func testQuerySortUnknown(t *testing.T, s portal.Store) {
	w := newSmall(t, s)
	w.settings(t, func(s *portal.Settings) {
		s.Display.Columns = []portal.Column{{Property: "subject"}, {Property: "owner"}, {Property: "priority"}}
		s.Display.OwnerName = portal.OwnerFullName
	})
	ida, err := w.p.SaveOwner(ctx(t), portal.Owner{PortalID: w.pid, FirstName: "Ida", LastName: "Ås"})
	require.NoError(t, err)
	bo, err := w.p.SaveOwner(ctx(t), portal.Owner{PortalID: w.pid, FirstName: "bo", LastName: "Zed"})
	require.NoError(t, err)
	w.ticket(t, portal.Ticket{Subject: "x-none"})
	w.ticket(t, portal.Ticket{Subject: "x-ida", OwnerID: ida.ID, Priority: portal.PriorityUrgent})
	w.ticket(t, portal.Ticket{Subject: "x-bo", OwnerID: bo.ID, Priority: portal.PriorityLow})
	w.ticket(t, portal.Ticket{Subject: "x-none2"})
	asc := w.all(t, portal.ListQuery{Limit: 2, Sort: "owner"})
	assert.Equal(t, []string{"x-bo", "x-ida"}, asc[:2], "bo Zed before Ida Ås, ignoring case")
	assert.ElementsMatch(t, []string{"x-none", "x-none2"}, asc[2:], "no owner sorts last ascending")
	desc := w.all(t, portal.ListQuery{Limit: 2, Sort: "owner", Desc: true})
	assert.ElementsMatch(t, []string{"x-none", "x-none2"}, desc[:2], "and first descending")
	assert.Equal(t, []string{"x-ida", "x-bo"}, desc[2:])
	assert.Equal(t, []string{"x-bo", "x-ida", "x-none", "x-none2"}[0:2], w.all(t, portal.ListQuery{Limit: 4, Sort: "priority"})[0:2],
		"priority by option order: low before urgent")
}

// covers: X5
func testQueryTenancy(t *testing.T, s portal.Store) {
	a, b := newSmall(t, s), newSmall(t, s)
	a.ticket(t, portal.Ticket{Subject: "A's"})
	bt := b.ticket(t, portal.Ticket{Subject: "B's"})
	assert.Equal(t, []string{"A's"}, a.all(t, portal.ListQuery{Limit: 5}))
	assert.Equal(t, []string{"B's"}, b.all(t, portal.ListQuery{Limit: 5}))
	_, err := a.p.TicketDetail(ctx(t), a.viewer, bt.ID)
	require.ErrorIs(t, err, portal.ErrNotFound)
	// A viewer naming the other tenant with its own contact is nobody there.
	_, err = a.p.ListTickets(ctx(t), portal.Viewer{PortalID: b.pid, ContactID: a.contact.ID}, portal.ListQuery{Limit: 5})
	require.ErrorIs(t, err, portal.ErrUnauthenticated)
}
