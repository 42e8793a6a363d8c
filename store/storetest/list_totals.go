package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
)

// The totals of the lists (P11) are exact up to TotalBound whatever a
// store keeps to count them: each test changes what decides a ticket's
// visibility (S8), its scope or its status (the settings, the ticket, the
// pipeline, a custom property's value, the clock, the participants) and
// asks the totals at once, of the organization's view and the viewer's
// own, whole, open and closed, against hand counts and against the
// tickets paging the whole view gives. A store that keeps a verdict or a
// count and misses one change answers a stale total here.
var listTotalTests = []test{
	{name: "TotalsFollowTheVisibilityFilter", fn: testTotalsFollowVisibility},
	{name: "TotalsFollowRewrittenTickets", fn: testTotalsFollowRewrites},
	{name: "TotalsFollowStagesAndStatus", fn: testTotalsFollowStages},
	{name: "TotalsFollowACustomProperty", fn: testTotalsFollowProperty},
	{name: "TotalsFollowTheClock", fn: testTotalsFollowClock},
	{name: "TotalsFollowParticipants", fn: testTotalsFollowParticipants},
	{name: "TotalsIgnoreRepliesAndCountTicketsOnce", fn: testTotalsRepliesAndOnce},
	{name: "TotalsAreExactUpToTheBound", fn: testTotalsBound},
}

// viewTotals are a viewer's totals (P11): of the organization's view and
// of its own tickets, each whole, open and closed.
type viewTotals struct {
	Org, OrgOpen, OrgClosed    int
	Mine, MineOpen, MineClosed int
}

// totals asks each of v's views for its total (total). v must have the
// organization view.
func (w *listWorld) totals(v portal.Viewer) viewTotals {
	w.t.Helper()
	var n []int
	for _, view := range []portal.View{portal.OrganizationTickets, portal.OwnedByMe} {
		for _, status := range []string{"", portal.StatusOpen, portal.StatusClosed} {
			n = append(n, w.total(v, portal.ListQuery{View: view, Status: status}))
		}
	}
	return viewTotals{Org: n[0], OrgOpen: n[1], OrgClosed: n[2], Mine: n[3], MineOpen: n[4], MineClosed: n[5]}
}

// total returns the total of q's view, asked with a page of one ticket, so
// that a view of more is counted, not read from its page; it checks that
// the second page says the same, and that the total is the number of
// tickets paging the whole view gives, without TotalMore.
func (w *listWorld) total(v portal.Viewer, q portal.ListQuery) int {
	w.t.Helper()
	q.Total, q.Limit = true, 1
	first := w.view(v, q)
	if first.Next != "" {
		next := q
		next.Cursor = first.Next
		second := w.view(v, next)
		assert.Equal(w.t, first.Total, second.Total, "the second page's total, %+v", q)
		assert.Equal(w.t, first.TotalMore, second.TotalMore, "the second page's TotalMore, %+v", q)
	}
	q.Total, q.Limit = false, 0
	paged := len(w.list(v, q))
	assert.Equal(w.t, paged, first.Total, "the total against the pages of %+v", q)
	assert.False(w.t, first.TotalMore, "%+v", q)
	return first.Total
}

// restore changes the ticket named subject as it is stored now (an action
// may have changed it since the test last saved it) and saves it, as a
// host does.
func (w *listWorld) restore(subject string, change func(*portal.Ticket)) portal.Ticket {
	w.t.Helper()
	w.tickets[w.id(subject)] = w.stored(w.id(subject))
	return w.update(subject, change)
}

// A visibility filter set in the settings hides tickets from every total
// at once; another filter, an OR of two groups, the first filter again and
// none each give their own totals at once.
// covers: P11, S8
func testTotalsFollowVisibility(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	ids := func(xs ...uuid.UUID) []uuid.UUID { return xs }
	w.ticket(portal.Ticket{Subject: "[spam] Ann and Acme", ContactIDs: ids(w.ann.ID), CompanyIDs: ids(w.acme.ID)})
	w.ticket(portal.Ticket{Subject: "[spam] Bob closed", ContactIDs: ids(w.bob.ID), CompanyIDs: ids(w.acme.ID), StageID: w.stage("Solved")})
	w.update("Ann at Beta", func(tk *portal.Ticket) { tk.StageID = w.stage("Solved") })
	w.update("Bob and Acme", func(tk *portal.Ticket) { tk.StageID = w.stage("Rejected") })
	ann, bob := w.viewer(w.ann), w.viewer(w.bob)
	// Ann's organization: Acme without contact, Ann alone, Ann and Acme,
	// Ann and Carl (open), Ann at Beta, Bob and Acme (closed), and the two
	// spam tickets (one open, one closed); hers: the four of hers and the
	// open spam ticket.
	all := viewTotals{Org: 8, OrgOpen: 5, OrgClosed: 3, Mine: 5, MineOpen: 4, MineClosed: 1}
	require.Equal(t, all, w.totals(ann), "no visibility filter")

	noSpam := portal.FilterGroups{{flt(portal.PropSubject, portal.NotContainsAny, "[spam]")}}
	w.visibility(noSpam)
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 4, OrgClosed: 2, Mine: 4, MineOpen: 3, MineClosed: 1}, w.totals(ann), "without [spam]")
	// Bob's organization: Acme without contact, Ann and Acme, Ann and
	// Carl, Bob alone (open), Bob and Acme (closed); his: Bob alone, Bob
	// and Acme.
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 4, OrgClosed: 1, Mine: 2, MineOpen: 1, MineClosed: 1}, w.totals(bob), "Bob, without [spam]")

	// Another value: subjects with "acme" hidden, spam or not.
	w.visibility(portal.FilterGroups{{flt(portal.PropSubject, portal.NotContainsAny, "ACME")}})
	assert.Equal(t, viewTotals{Org: 4, OrgOpen: 2, OrgClosed: 2, Mine: 3, MineOpen: 2, MineClosed: 1}, w.totals(ann), "without acme")

	// An OR of two groups: not spam, or closed.
	w.visibility(portal.FilterGroups{
		{flt(portal.PropSubject, portal.NotContainsAny, "[spam]")},
		{flt(portal.PropStatus, portal.IsAnyOf, portal.StatusClosed)},
	})
	assert.Equal(t, viewTotals{Org: 7, OrgOpen: 4, OrgClosed: 3, Mine: 4, MineOpen: 3, MineClosed: 1}, w.totals(ann), "not spam, or closed")
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 4, OrgClosed: 2, Mine: 3, MineOpen: 1, MineClosed: 2}, w.totals(bob), "Bob, not spam, or closed")

	// The first filter again, then none.
	w.visibility(noSpam)
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 4, OrgClosed: 2, Mine: 4, MineOpen: 3, MineClosed: 1}, w.totals(ann), "without [spam] again")
	w.visibility(nil)
	assert.Equal(t, all, w.totals(ann), "no visibility filter again")
	assert.Equal(t, viewTotals{Org: 7, OrgOpen: 5, OrgClosed: 2, Mine: 3, MineOpen: 1, MineClosed: 2}, w.totals(bob), "Bob, no visibility filter")
}

// A ticket rewritten by the host so that the visibility filter hides it
// leaves the totals at once, and comes back when rewritten visible, by
// SaveTicket or by the store's PutTicket; a ticket moved to another
// company, or to another contact, moves between the viewers' totals; a
// hidden ticket that comes into a viewer's scope counts nowhere.
// covers: P11, S8, S4
func testTotalsFollowRewrites(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	w.visibility(portal.FilterGroups{{flt(portal.PropSubject, portal.NotContainsAny, "[spam]")}})
	w.update("Bob and Acme", func(tk *portal.Ticket) { tk.StageID = w.stage("Solved") })
	ann, carl := w.viewer(w.ann), w.viewer(w.carl)
	start := viewTotals{Org: 6, OrgOpen: 5, OrgClosed: 1, Mine: 4, MineOpen: 4, MineClosed: 0}
	require.Equal(t, start, w.totals(ann))

	// SaveTicket: hidden, then visible again.
	w.update("Ann and Acme", func(tk *portal.Ticket) { tk.Subject = "[spam] Ann and Acme" })
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 4, OrgClosed: 1, Mine: 3, MineOpen: 3, MineClosed: 0}, w.totals(ann), "Ann and Acme hidden")
	w.update("[spam] Ann and Acme", func(tk *portal.Ticket) { tk.Subject = "Ann and Acme" })
	assert.Equal(t, start, w.totals(ann), "Ann and Acme visible again")

	// PutTicket, the store's own write: hidden and closed, then visible.
	tk := w.stored(w.id("Ann and Carl"))
	tk.Subject, tk.StageID = "Ann and Carl [spam]", w.stage("Rejected")
	require.NoError(t, s.PutTicket(ctx(t), tk))
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 4, OrgClosed: 1, Mine: 3, MineOpen: 3, MineClosed: 0}, w.totals(ann), "Ann and Carl hidden")
	assert.Equal(t, viewTotals{Org: 3, OrgOpen: 3, OrgClosed: 0, Mine: 1, MineOpen: 1, MineClosed: 0}, w.totals(carl), "and hidden from Carl")
	tk.Subject = "Ann and Carl"
	require.NoError(t, s.PutTicket(ctx(t), tk))
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 4, OrgClosed: 2, Mine: 4, MineOpen: 3, MineClosed: 1}, w.totals(ann), "Ann and Carl visible, closed")
	tk.StageID = w.stage("New")
	require.NoError(t, s.PutTicket(ctx(t), tk))
	require.Equal(t, start, w.totals(ann), "Ann and Carl open again")

	// Out of Acme, into Beta.
	carlStart := viewTotals{Org: 4, OrgOpen: 4, OrgClosed: 0, Mine: 2, MineOpen: 2, MineClosed: 0}
	require.Equal(t, carlStart, w.totals(carl))
	w.update("Acme without contact", func(tk *portal.Ticket) { tk.CompanyIDs = []uuid.UUID{w.beta.ID} })
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 4, OrgClosed: 1, Mine: 4, MineOpen: 4, MineClosed: 0}, w.totals(ann), "Acme's ticket moved to Beta")
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 5, OrgClosed: 0, Mine: 2, MineOpen: 2, MineClosed: 0}, w.totals(carl), "Beta has it")

	// Another contact: Ann's ticket becomes Dora's.
	w.update("Ann alone", func(tk *portal.Ticket) { tk.ContactIDs = []uuid.UUID{w.dora.ID} })
	assert.Equal(t, viewTotals{Org: 4, OrgOpen: 3, OrgClosed: 1, Mine: 3, MineOpen: 3, MineClosed: 0}, w.totals(ann), "Ann alone is Dora's")
	dora := w.viewer(w.dora)
	assert.Equal(t, 2, w.total(dora, portal.ListQuery{View: portal.OwnedByMe}), "Dora alone and Ann alone")
	assert.Equal(t, 2, w.total(dora, portal.ListQuery{View: portal.OwnedByMe, Status: portal.StatusOpen}))

	// A hidden ticket comes into Ann's scope, and goes: no total changes.
	w.update("Nobody", func(tk *portal.Ticket) {
		tk.Subject, tk.ContactIDs, tk.CompanyIDs = "Nobody [spam]", []uuid.UUID{w.ann.ID}, []uuid.UUID{w.acme.ID}
	})
	assert.Equal(t, viewTotals{Org: 4, OrgOpen: 3, OrgClosed: 1, Mine: 3, MineOpen: 3, MineClosed: 0}, w.totals(ann), "a hidden ticket of Ann's")
	// Made visible while in her scope, it counts.
	w.update("Nobody [spam]", func(tk *portal.Ticket) { tk.Subject = "Nobody" })
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 4, OrgClosed: 1, Mine: 4, MineOpen: 4, MineClosed: 0}, w.totals(ann), "Nobody is Ann's, visible")
	w.update("Nobody", func(tk *portal.Ticket) { tk.ContactIDs, tk.CompanyIDs = nil, nil })
	assert.Equal(t, viewTotals{Org: 4, OrgOpen: 3, OrgClosed: 1, Mine: 3, MineOpen: 3, MineClosed: 0}, w.totals(ann), "Nobody is nobody's again")
}

// With a visibility filter on the status, the totals follow a stage whose
// state the pipeline flips, the customer's close, reopen and reply that
// reopens, and the host's moves between stages.
// covers: P11, S8, P13, S10
func testTotalsFollowStages(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	w.set(func(st *portal.Settings) {
		st.Actions.CustomerClose = true
		st.Actions.CloseStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.stage("Solved")}
		st.Actions.Reopen, st.Actions.ReopenDays = true, 0
		st.Actions.ReopenStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.stage("Waiting")}
		// Visible: open tickets, and urgent ones whatever their status.
		st.Display.Visibility = portal.FilterGroups{
			{flt(portal.PropStatus, portal.IsAnyOf, portal.StatusOpen)},
			{flt(portal.PropPriority, portal.IsAnyOf, string(portal.PriorityUrgent))},
		}
	})
	w.update("Ann and Acme", func(tk *portal.Ticket) { tk.Priority, tk.StageID = portal.PriorityUrgent, w.stage("Waiting") })
	w.update("Ann and Carl", func(tk *portal.Ticket) { tk.StageID = w.stage("Waiting") })
	ann, bob := w.viewer(w.ann), w.viewer(w.bob)
	allOpen := viewTotals{Org: 6, OrgOpen: 6, OrgClosed: 0, Mine: 4, MineOpen: 4, MineClosed: 0}
	require.Equal(t, allOpen, w.totals(ann))

	// Waiting becomes a closed stage: Ann and Carl is hidden, Ann and Acme
	// (urgent) closed; and open again.
	flip := func(state portal.StageState) {
		w.savePipeline(func(pl *portal.Pipeline) {
			for i := range pl.Stages {
				if pl.Stages[i].Name == "Waiting" {
					pl.Stages[i].State = state
				}
			}
		})
	}
	flip(portal.StageClosed)
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 4, OrgClosed: 1, Mine: 3, MineOpen: 2, MineClosed: 1}, w.totals(ann), "Waiting closed")
	flip(portal.StageOpen)
	assert.Equal(t, allOpen, w.totals(ann), "Waiting open again")

	// Ann closes her urgent ticket: it stays, closed. Bob closes his: it
	// is hidden.
	_, err := w.p.Close(ctx(t), ann, w.id("Ann and Acme"))
	require.NoError(t, err)
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 5, OrgClosed: 1, Mine: 4, MineOpen: 3, MineClosed: 1}, w.totals(ann), "Ann closed Ann and Acme")
	_, err = w.p.Close(ctx(t), bob, w.id("Bob and Acme"))
	require.NoError(t, err)
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 4, OrgClosed: 1, Mine: 4, MineOpen: 3, MineClosed: 1}, w.totals(ann), "Bob closed Bob and Acme")
	assert.Equal(t, viewTotals{Org: 4, OrgOpen: 3, OrgClosed: 1, Mine: 1, MineOpen: 1, MineClosed: 0}, w.totals(bob), "Bob's")

	// Ann reopens hers.
	_, err = w.p.Reopen(ctx(t), ann, w.id("Ann and Acme"))
	require.NoError(t, err)
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 5, OrgClosed: 0, Mine: 4, MineOpen: 4, MineClosed: 0}, w.totals(ann), "Ann reopened Ann and Acme")

	// The host moves Bob's ticket back to New, Ann's alone to Rejected
	// (hidden), and makes that urgent (visible, closed).
	w.restore("Bob and Acme", func(tk *portal.Ticket) { tk.StageID = w.stage("New") })
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 6, OrgClosed: 0, Mine: 4, MineOpen: 4, MineClosed: 0}, w.totals(ann), "Bob and Acme new again")
	w.restore("Ann alone", func(tk *portal.Ticket) { tk.StageID = w.stage("Rejected") })
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 5, OrgClosed: 0, Mine: 3, MineOpen: 3, MineClosed: 0}, w.totals(ann), "Ann alone rejected")
	w.restore("Ann alone", func(tk *portal.Ticket) { tk.Priority = portal.PriorityUrgent })
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 5, OrgClosed: 1, Mine: 4, MineOpen: 3, MineClosed: 1}, w.totals(ann), "Ann alone urgent")

	// A reply to it reopens it (S10).
	w.set(func(st *portal.Settings) { st.Actions.ReplyToClosed, st.Actions.ReplyReopens = true, true })
	_, err = w.p.Reply(ctx(t), ann, w.id("Ann alone"), portal.ReplyInput{Text: "Still broken"})
	require.NoError(t, err)
	w.requireOpenIn(w.id("Ann alone"), "Waiting", "the reply reopened it")
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 6, OrgClosed: 0, Mine: 4, MineOpen: 4, MineClosed: 0}, w.totals(ann), "Ann alone reopened by a reply")

	// Only closed tickets visible, and Waiting closed again: the three in
	// Waiting (Ann and Carl, Ann and Acme, Ann alone) are.
	w.visibility(portal.FilterGroups{{flt(portal.PropStatus, portal.IsAnyOf, portal.StatusClosed)}})
	assert.Equal(t, viewTotals{}, w.totals(ann), "only closed visible: none is closed")
	flip(portal.StageClosed)
	assert.Equal(t, viewTotals{Org: 3, OrgOpen: 0, OrgClosed: 3, Mine: 3, MineOpen: 0, MineClosed: 3}, w.totals(ann),
		"only closed visible, Waiting closed")
}

// A visibility filter on a custom property follows the property's values
// as the host sets, changes and removes them, and the property's options.
// covers: P11, S8, S5
func testTotalsFollowProperty(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	w.property(portal.Property{Name: "portalVisible", Label: "Portal visible", Type: portal.Boolean})
	w.visibility(portal.FilterGroups{{flt("portalVisible", portal.Eq, "true")}})
	ann := w.viewer(w.ann)
	assert.Equal(t, viewTotals{}, w.totals(ann), "no ticket is marked visible")

	set := func(subject string, v any) {
		w.t.Helper()
		w.update(subject, func(tk *portal.Ticket) {
			if tk.Properties == nil {
				tk.Properties = portal.Properties{}
			}
			if v == nil {
				delete(tk.Properties, "portalVisible")
			} else {
				tk.Properties["portalVisible"] = v
			}
		})
	}
	for _, subject := range []string{"Ann and Acme", "Ann alone", "Acme without contact", "Bob and Acme"} {
		set(subject, true)
	}
	w.update("Bob and Acme", func(tk *portal.Ticket) { tk.StageID = w.stage("Solved") })
	assert.Equal(t, viewTotals{Org: 4, OrgOpen: 3, OrgClosed: 1, Mine: 2, MineOpen: 2, MineClosed: 0}, w.totals(ann), "four marked")
	set("Ann alone", false)
	assert.Equal(t, viewTotals{Org: 3, OrgOpen: 2, OrgClosed: 1, Mine: 1, MineOpen: 1, MineClosed: 0}, w.totals(ann), "Ann alone unmarked")
	set("Acme without contact", nil)
	assert.Equal(t, viewTotals{Org: 2, OrgOpen: 1, OrgClosed: 1, Mine: 1, MineOpen: 1, MineClosed: 0}, w.totals(ann), "Acme without contact has no value")
	set("Ann and Carl", true)
	set("Ann alone", true)
	assert.Equal(t, viewTotals{Org: 4, OrgOpen: 3, OrgClosed: 1, Mine: 3, MineOpen: 3, MineClosed: 0}, w.totals(ann), "Ann and Carl, Ann alone marked")

	// An enumeration: its value, and then an option added to the property
	// and to the filter.
	audience := portal.Property{Name: "audience", Label: "Audience", Type: portal.Enumeration, Options: []portal.Option{
		{Value: "customers", Label: "Customers"}, {Value: "internal", Label: "Internal"}}}
	w.property(audience)
	w.visibility(portal.FilterGroups{{flt("audience", portal.IsAnyOf, "customers")}})
	assert.Equal(t, viewTotals{}, w.totals(ann), "no ticket has an audience")
	aud := func(subject, v string) {
		w.t.Helper()
		w.update(subject, func(tk *portal.Ticket) {
			if tk.Properties == nil {
				tk.Properties = portal.Properties{}
			}
			tk.Properties["audience"] = v
		})
	}
	for _, subject := range []string{"Ann and Acme", "Ann alone", "Acme without contact", "Bob and Acme"} {
		aud(subject, "customers")
	}
	assert.Equal(t, viewTotals{Org: 4, OrgOpen: 3, OrgClosed: 1, Mine: 2, MineOpen: 2, MineClosed: 0}, w.totals(ann), "four for customers")
	aud("Ann and Acme", "internal")
	assert.Equal(t, viewTotals{Org: 3, OrgOpen: 2, OrgClosed: 1, Mine: 1, MineOpen: 1, MineClosed: 0}, w.totals(ann), "Ann and Acme internal")
	audience.Options = append(audience.Options, portal.Option{Value: "partners", Label: "Partners"})
	w.property(audience)
	aud("Ann alone", "partners")
	assert.Equal(t, viewTotals{Org: 2, OrgOpen: 1, OrgClosed: 1, Mine: 0, MineOpen: 0, MineClosed: 0}, w.totals(ann), "Ann alone for partners")
	w.visibility(portal.FilterGroups{{flt("audience", portal.IsAnyOf, "customers", "partners")}})
	assert.Equal(t, viewTotals{Org: 3, OrgOpen: 2, OrgClosed: 1, Mine: 1, MineOpen: 1, MineClosed: 0}, w.totals(ann), "partners visible too")
}

// A visibility filter of a relative date counts from the request's clock:
// as the clock moves the totals follow, and moving it back gives the first
// totals again; a host write of the last activity date moves a ticket in
// or out. A filter's day is one of the portal's time zone, which the
// totals follow too.
// covers: P11, S8, S5
func testTotalsFollowClock(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	clock := listNow
	p, err := portal.New(s, portal.Options{Now: func() time.Time { return clock }, NewID: w.ids.newID})
	require.NoError(t, err)
	w.p = p
	w.scope(portal.CompanyTickets, nil)
	ids := func(xs ...uuid.UUID) []uuid.UUID { return xs }
	days := func(n int) time.Time { return listNow.AddDate(0, 0, -n) }
	w.ticket(portal.Ticket{Subject: "Old Ann", ContactIDs: ids(w.ann.ID), CompanyIDs: ids(w.acme.ID), CreatedAt: days(40)})
	w.ticket(portal.Ticket{Subject: "Month Ann", ContactIDs: ids(w.ann.ID), CreatedAt: days(20)})
	w.ticket(portal.Ticket{Subject: "Week Acme", CompanyIDs: ids(w.acme.ID), CreatedAt: days(5), StageID: w.stage("Solved")})
	ann := w.viewer(w.ann)
	// The scope world's six of Ann's organization (four hers) were created
	// at listNow, all open.
	require.Equal(t, viewTotals{Org: 9, OrgOpen: 8, OrgClosed: 1, Mine: 6, MineOpen: 6, MineClosed: 0}, w.totals(ann))

	w.visibility(portal.FilterGroups{{flt(portal.PropCreatedAt, portal.AfterDaysAgo, "30")}})
	now := viewTotals{Org: 8, OrgOpen: 7, OrgClosed: 1, Mine: 5, MineOpen: 5, MineClosed: 0}
	assert.Equal(t, now, w.totals(ann), "created in the last 30 days: not Old Ann")
	clock = listNow.AddDate(0, 0, 15)
	assert.Equal(t, viewTotals{Org: 7, OrgOpen: 6, OrgClosed: 1, Mine: 4, MineOpen: 4, MineClosed: 0}, w.totals(ann), "15 days on: not Month Ann")
	clock = listNow.AddDate(0, 0, 26)
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 6, OrgClosed: 0, Mine: 4, MineOpen: 4, MineClosed: 0}, w.totals(ann), "26 days on: not Week Acme")
	clock = listNow
	assert.Equal(t, now, w.totals(ann), "back at the start")

	w.visibility(portal.FilterGroups{{flt(portal.PropCreatedAt, portal.BeforeDaysAgo, "10")}})
	assert.Equal(t, viewTotals{Org: 2, OrgOpen: 2, OrgClosed: 0, Mine: 2, MineOpen: 2, MineClosed: 0}, w.totals(ann), "created over 10 days ago")
	clock = listNow.AddDate(0, 0, 6)
	assert.Equal(t, viewTotals{Org: 3, OrgOpen: 2, OrgClosed: 1, Mine: 2, MineOpen: 2, MineClosed: 0}, w.totals(ann), "6 days on: Week Acme too")
	clock = listNow.AddDate(0, 0, 15)
	assert.Equal(t, viewTotals{Org: 9, OrgOpen: 8, OrgClosed: 1, Mine: 6, MineOpen: 6, MineClosed: 0}, w.totals(ann), "15 days on: all")
	clock = listNow

	// The last activity date: Month Ann's is its creation date until the
	// host moves it.
	w.visibility(portal.FilterGroups{{flt(portal.PropLastActivityAt, portal.AfterDaysAgo, "10")}})
	assert.Equal(t, viewTotals{Org: 7, OrgOpen: 6, OrgClosed: 1, Mine: 4, MineOpen: 4, MineClosed: 0}, w.totals(ann), "active in the last 10 days")
	w.update("Month Ann", func(tk *portal.Ticket) { tk.LastActivityAt = days(2) })
	w.update("Week Acme", func(tk *portal.Ticket) { tk.LastActivityAt = days(2) })
	assert.Equal(t, viewTotals{Org: 8, OrgOpen: 7, OrgClosed: 1, Mine: 5, MineOpen: 5, MineClosed: 0}, w.totals(ann), "Month Ann active 2 days ago")
	clock = listNow.AddDate(0, 0, 5)
	assert.Equal(t, viewTotals{Org: 8, OrgOpen: 7, OrgClosed: 1, Mine: 5, MineOpen: 5, MineClosed: 0}, w.totals(ann), "5 days on")
	clock = listNow.AddDate(0, 0, 9)
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 6, OrgClosed: 0, Mine: 4, MineOpen: 4, MineClosed: 0}, w.totals(ann),
		"9 days on: only those active at listNow")

	// A day of a visibility filter is a day in the portal's time zone: a
	// change of zone alone moves tickets in or out.
	clock = listNow
	w.visibility(portal.FilterGroups{{flt(portal.PropCreatedAt, portal.Lt, "2025-06-16")}})
	all := viewTotals{Org: 9, OrgOpen: 8, OrgClosed: 1, Mine: 6, MineOpen: 6, MineClosed: 0}
	assert.Equal(t, all, w.totals(ann), "created before 16 June, UTC")
	w.set(func(st *portal.Settings) { st.TimeZone = "Pacific/Kiritimati" }) // UTC+14: listNow is 16 June, 02:00
	assert.Equal(t, viewTotals{Org: 3, OrgOpen: 2, OrgClosed: 1, Mine: 2, MineOpen: 2, MineClosed: 0}, w.totals(ann),
		"created before 16 June at Kiritimati: not those of listNow")
	w.set(func(st *portal.Settings) { st.TimeZone = "" })
	assert.Equal(t, all, w.totals(ann), "UTC again")
}

// A participant a colleague adds to a ticket counts it among its own
// tickets (and so its organization's view) at once, and no longer when it
// is taken off; the visibility filter holds for participants too; the
// one who added it counts as before.
// covers: P11, P12, S8
func testTotalsFollowParticipants(t *testing.T, s portal.Store) {
	w := newParticipantWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	ann, bob, eve := w.viewer(w.ann), w.viewer(w.bob), w.viewer(w.eve)
	annStart := viewTotals{Org: 6, OrgOpen: 6, OrgClosed: 0, Mine: 4, MineOpen: 4, MineClosed: 0}
	require.Equal(t, annStart, w.totals(ann))
	// Eve's organization: Acme's four (Ann and Acme, Acme without
	// contact, Bob and Acme, Ann and Carl); none of hers.
	eveStart := viewTotals{Org: 4, OrgOpen: 4, OrgClosed: 0}
	require.Equal(t, eveStart, w.totals(eve))

	add := func(v portal.Viewer, subject, email string) {
		t.Helper()
		_, err := w.p.AddParticipant(ctx(t), v, w.id(subject), email)
		require.NoError(t, err, "%s to %s", email, subject)
	}
	add(ann, "Ann alone", "eve@acme.dk")
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 5, OrgClosed: 0, Mine: 1, MineOpen: 1, MineClosed: 0}, w.totals(eve), "Eve on Ann alone")
	add(ann, "Ann and Acme", "eve@acme.dk")
	add(bob, "Bob alone", "eve@acme.dk")
	add(ann, "Ann alone", "finn@acme.dk")
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 6, OrgClosed: 0, Mine: 3, MineOpen: 3, MineClosed: 0}, w.totals(eve),
		"Eve on Ann alone, Ann and Acme (already Acme's), Bob alone")
	assert.Equal(t, annStart, w.totals(ann), "Ann's totals do not change")

	// Closed by the host, hidden by the filter.
	w.restore("Ann alone", func(tk *portal.Ticket) { tk.StageID = w.stage("Solved") })
	assert.Equal(t, viewTotals{Org: 6, OrgOpen: 5, OrgClosed: 1, Mine: 3, MineOpen: 2, MineClosed: 1}, w.totals(eve), "Ann alone closed")
	w.visibility(portal.FilterGroups{{flt(portal.PropSubject, portal.NotContainsAny, "bob alone")}})
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 4, OrgClosed: 1, Mine: 2, MineOpen: 1, MineClosed: 1}, w.totals(eve), "Bob alone hidden")

	// Taken off: by herself, and by the one who added her.
	require.NoError(t, w.p.RemoveParticipant(ctx(t), eve, w.id("Ann alone"), w.eve.ID))
	assert.Equal(t, viewTotals{Org: 4, OrgOpen: 4, OrgClosed: 0, Mine: 1, MineOpen: 1, MineClosed: 0}, w.totals(eve), "off Ann alone")
	w.visibility(nil)
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 5, OrgClosed: 0, Mine: 2, MineOpen: 2, MineClosed: 0}, w.totals(eve), "Bob alone visible")
	require.NoError(t, w.p.RemoveParticipant(ctx(t), bob, w.id("Bob alone"), w.eve.ID))
	require.NoError(t, w.p.RemoveParticipant(ctx(t), ann, w.id("Ann and Acme"), w.eve.ID))
	assert.Equal(t, eveStart, w.totals(eve), "Eve is on none")
	finn := w.viewer(w.finn)
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 4, OrgClosed: 1, Mine: 1, MineOpen: 0, MineClosed: 1}, w.totals(finn), "Finn is still on Ann alone")
}

// A reply moves the ticket's last activity and no total; a ticket
// associated with the viewer, its colleague and its company (twice over)
// counts once. A visibility filter on the last activity date follows the
// reply.
// covers: P11, S8, P5
func testTotalsRepliesAndOnce(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	ids := func(xs ...uuid.UUID) []uuid.UUID { return xs }
	w.ticket(portal.Ticket{Subject: "Ann, Bob, Acme and Beta", RequesterID: w.bob.ID,
		ContactIDs: ids(w.ann.ID, w.bob.ID), CompanyIDs: ids(w.acme.ID, w.beta.ID), CreatedAt: before})
	ann, bob := w.viewer(w.ann), w.viewer(w.bob)
	annTotals := viewTotals{Org: 7, OrgOpen: 7, OrgClosed: 0, Mine: 5, MineOpen: 5, MineClosed: 0}
	bobTotals := viewTotals{Org: 6, OrgOpen: 6, OrgClosed: 0, Mine: 3, MineOpen: 3, MineClosed: 0}
	require.Equal(t, annTotals, w.totals(ann))
	require.Equal(t, bobTotals, w.totals(bob))
	rows := w.list(ann, withView(bySubject, portal.OrganizationTickets))
	assert.Len(t, rows, 7)
	assert.Equal(t, 1, strings.Count(strings.Join(rows, "|"), "Ann, Bob, Acme and Beta"), "listed once")

	for _, r := range []struct {
		v       portal.Viewer
		subject string
	}{{ann, "Ann and Acme"}, {bob, "Ann, Bob, Acme and Beta"}, {ann, "Ann, Bob, Acme and Beta"}} {
		_, err := w.p.Reply(ctx(t), r.v, w.id(r.subject), portal.ReplyInput{Text: "Any news?"})
		require.NoError(t, err)
		assert.Equal(t, listNow, w.stored(w.id(r.subject)).LastActivityAt, "the reply moved %s's last activity", r.subject)
		assert.Equal(t, annTotals, w.totals(ann), "after a reply to %s", r.subject)
		assert.Equal(t, bobTotals, w.totals(bob), "after a reply to %s", r.subject)
	}

	// Visible: no activity in the last day. The replied tickets are
	// hidden; a reply to another hides it too.
	w.visibility(portal.FilterGroups{{flt(portal.PropLastActivityAt, portal.BeforeDaysAgo, "1")}})
	assert.Equal(t, viewTotals{Org: 5, OrgOpen: 5, OrgClosed: 0, Mine: 3, MineOpen: 3, MineClosed: 0}, w.totals(ann), "quiet tickets")
	_, err := w.p.Reply(ctx(t), ann, w.id("Ann at Beta"), portal.ReplyInput{Text: "Hello?"})
	require.NoError(t, err)
	assert.Equal(t, viewTotals{Org: 4, OrgOpen: 4, OrgClosed: 0, Mine: 2, MineOpen: 2, MineClosed: 0}, w.totals(ann), "Ann at Beta is active now")
	assert.Equal(t, viewTotals{Org: 4, OrgOpen: 4, OrgClosed: 0, Mine: 2, MineOpen: 2, MineClosed: 0}, w.totals(bob), "Bob's quiet tickets")
}

// The total is exact up to TotalBound, and says TotalMore past it: a
// company of exactly TotalBound tickets, one more, a filter that hides
// some, and one hidden to bring it back to the bound.
// covers: P11, S8
func testTotalsBound(t *testing.T, s portal.Store) {
	p, err := portal.New(s, portal.Options{Now: func() time.Time { return listNow }})
	require.NoError(t, err)
	bench, err := portaltest.NewListBench(ctx(t), p, portal.TotalBound, listNow, func(ctx context.Context, _ int, tickets []portal.Ticket) error {
		for _, tk := range tickets {
			if err := s.PutTicket(ctx, tk); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Len(t, bench.Tickets, portal.TotalBound)
	pid, v := bench.Viewer.PortalID, bench.Viewer
	org := func(status string) portal.TicketView {
		t.Helper()
		tv, err := p.ListTickets(ctx(t), v, portal.ListQuery{View: portal.OrganizationTickets, Status: status, Total: true, Limit: 1})
		require.NoError(t, err)
		return tv
	}
	type total struct {
		n    int
		more bool
	}
	got := func(status string) total { tv := org(status); return total{tv.Total, tv.TotalMore} }

	// The bench's visibility filter: no "[spam]", no low priority.
	var visible, visibleOpen int
	for i, tk := range bench.Tickets {
		if !strings.Contains(tk.Subject, "[spam]") && tk.Priority != portal.PriorityLow {
			visible++
			if i%3 != 2 { // New, Waiting, Closed in turn
				visibleOpen++
			}
		}
	}
	assert.Equal(t, total{visible, false}, got(""), "the bench's filter")
	assert.Equal(t, total{visibleOpen, false}, got(portal.StatusOpen))
	assert.Equal(t, total{visible - visibleOpen, false}, got(portal.StatusClosed))

	changeSettings(t, p, pid, func(st *portal.Settings) { st.Display.Visibility = nil })
	assert.Equal(t, total{portal.TotalBound, false}, got(""), "exactly the bound")
	all, err := portaltest.ListAll(ctx(t), p, v, portal.ListQuery{View: portal.OrganizationTickets, Limit: portal.MaxPageSize})
	require.NoError(t, err)
	assert.Len(t, all, portal.TotalBound, "the pages hold the bound")
	mine, err := p.ListTickets(ctx(t), v, portal.ListQuery{View: portal.OwnedByMe, Total: true, Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, total{portal.TotalBound / 20, false}, total{mine.Total, mine.TotalMore}, "the viewer's own: one of every 20")
	assert.Equal(t, total{667, false}, got(portal.StatusOpen), "two of every three")
	assert.Equal(t, total{333, false}, got(portal.StatusClosed))

	extra := bench.Tickets[0].Clone()
	extra.ID, extra.Number, extra.Subject = uuid.Nil, 0, "One more"
	_, err = p.SaveTicket(ctx(t), extra)
	require.NoError(t, err)
	assert.Equal(t, total{portal.TotalBound, true}, got(""), "one past the bound")
	assert.Equal(t, total{668, false}, got(portal.StatusOpen))

	// Hiding one ticket brings it back to the bound, exactly.
	changeSettings(t, p, pid, func(st *portal.Settings) {
		st.Display.Visibility = portal.FilterGroups{{flt(portal.PropSubject, portal.NotContainsAny, "[hidden]")}}
	})
	assert.Equal(t, total{portal.TotalBound, true}, got(""), "nothing hidden yet")
	hidden := bench.Tickets[1].Clone()
	hidden.Subject = "[hidden] " + hidden.Subject
	_, err = p.SaveTicket(ctx(t), hidden)
	require.NoError(t, err)
	assert.Equal(t, total{portal.TotalBound, false}, got(""), "one hidden: the bound, exactly")
}
