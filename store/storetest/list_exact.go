package storetest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// The keys a list sorts and pages by are exact on every store (X8): dates
// to the microsecond in any year the portal keeps, long texts by the same
// bounded prefix, numbers without -0; and what no store could keep is
// refused, not half-kept.
var listExactTests = []test{
	{name: "FarDatesPageExactly", fn: testExactFarDates},
	{name: "CustomDatesAreExactAndUTC", fn: testExactCustomDates},
	{name: "LongSharedPrefixesPageEveryTicketOnce", fn: testExactLongTexts},
	{name: "NegativeZeroIsZero", fn: testExactNegativeZero},
	{name: "StageWithTicketsStays", fn: testExactStageWithTickets},
}

// exactWorld: Ann, with own-tickets scope, and the columns of the tests.
func newExactWorld(t *testing.T, s portal.Store) (*listWorld, portal.Viewer) {
	w := newListWorld(t, s)
	w.property(portal.Property{Name: "due", Label: "Due", Type: portal.Date})
	w.property(portal.Property{Name: "note", Label: "Note", Type: portal.Text})
	w.property(portal.Property{Name: "amount", Label: "Amount", Type: portal.Number})
	w.columns(portal.PropSubject, portal.PropContent, portal.PropCreatedAt, portal.PropLastActivityAt, "due", "note", "amount")
	ann := w.contact("Ann", "Andersen", "ann@acme.dk", uuid.Nil)
	return w, w.viewer(ann)
}

// mineOf creates a ticket of v's contact.
func (w *listWorld) mineOf(v portal.Viewer, tk portal.Ticket) portal.Ticket {
	w.t.Helper()
	tk.ContactIDs = []uuid.UUID{v.ContactID}
	return w.ticket(tk)
}

// Tickets microseconds apart after 2255 (where a double no longer holds
// microseconds) and at the last microsecond of 9999 page one at a time in
// order, each once, both ways, by either date.
// covers: X8, P3
func testExactFarDates(t *testing.T, s portal.Store) {
	w, v := newExactWorld(t, s)
	base := time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	for i := 1; i <= 4; i++ {
		d := base.Add(time.Duration(i) * time.Microsecond)
		w.mineOf(v, portal.Ticket{Subject: fmt.Sprintf("f%d", i), CreatedAt: d, LastActivityAt: d})
		want = append(want, fmt.Sprintf("f%d", i))
	}
	last := time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
	w.mineOf(v, portal.Ticket{Subject: "f9999", CreatedAt: last, LastActivityAt: last})
	want = append(want, "f9999")
	w.mineOf(v, portal.Ticket{Subject: "f2025"}) // created at listNow
	want = append([]string{"f2025"}, want...)
	for _, sort := range []string{portal.PropCreatedAt, portal.PropLastActivityAt} {
		for _, limit := range []int{1, 2} {
			q := portal.ListQuery{Sort: sort, Limit: limit}
			assertNames(t, want, w.list(v, q), "%s ascending, pages of %d", sort, limit)
			q.Desc = true
			assertNames(t, reversed(want), w.list(v, q), "%s descending, pages of %d", sort, limit)
		}
	}
	// The filters see the same microseconds.
	q := bySubject
	q.Filters = []portal.Filter{flt(portal.PropCreatedAt, portal.Eq, "2400-01-01T00:00:00.000003Z")}
	assertNames(t, []string{"f3"}, w.list(v, q))
	q.Filters = []portal.Filter{flt(portal.PropCreatedAt, portal.Gt, "2400-01-01T00:00:00.000003Z")}
	assertNames(t, []string{"f4", "f9999"}, w.list(v, q))
}

// A custom date is kept in UTC to the microsecond, whatever offset and
// nanoseconds it was given with, and compares and sorts exactly in any
// year the portal keeps.
// covers: X8, S5
func testExactCustomDates(t *testing.T, s portal.Store) {
	w, v := newExactWorld(t, s)
	base := time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= 4; i++ {
		w.mineOf(v, portal.Ticket{Subject: fmt.Sprintf("c%d", i), Properties: portal.Properties{"due": base.Add(time.Duration(i) * time.Microsecond)}})
	}
	q := bySubject
	q.Filters = []portal.Filter{flt("due", portal.Eq, "2400-01-01T00:00:00.000003Z")}
	assertNames(t, []string{"c3"}, w.list(v, q))
	q.Filters = []portal.Filter{flt("due", portal.Lt, "2400-01-01T00:00:00.000003Z")}
	assertNames(t, []string{"c1", "c2"}, w.list(v, q))
	q.Filters = []portal.Filter{flt("due", portal.Between, "2025-01-01", "2400-01-01T00:00:00.000002Z")}
	assertNames(t, []string{"c1", "c2"}, w.list(v, q), "between a date before 2262 and one after")
	for _, limit := range []int{1, 3} {
		q := portal.ListQuery{Sort: "due", Desc: true, Limit: limit}
		assertNames(t, []string{"c4", "c3", "c2", "c1"}, w.list(v, q), "pages of %d", limit)
	}

	// Given in +02:00 with nanoseconds: 500 ns after the cutoff of
	// after_days_ago 30 is the cutoff's microsecond, which is not after it.
	cutoff := listNow.Add(-30 * 24 * time.Hour)
	cest := time.FixedZone("CEST", 2*60*60)
	tk := w.mineOf(v, portal.Ticket{Subject: "c-offset", Properties: portal.Properties{"due": cutoff.Add(500 * time.Nanosecond).In(cest)}})
	got, err := w.p.Ticket(ctx(t), w.pid, tk.ID)
	require.NoError(t, err)
	due, ok := got.Properties["due"].(time.Time)
	require.True(t, ok, "due is a time.Time: %#v", got.Properties["due"])
	assert.Equal(t, time.UTC, due.Location(), "kept in UTC")
	assert.True(t, due.Equal(cutoff), "kept to the microsecond: %v", due)
	assert.Equal(t, due, tk.Properties["due"], "SaveTicket returns what is kept")
	q.Filters = []portal.Filter{flt("due", portal.AfterDaysAgo, "30")}
	assertNames(t, []string{"c1", "c2", "c3", "c4"}, w.list(v, q))
}

// Tickets whose texts share a prefix longer than KeyTextLen (and longer
// than MariaDB's max_sort_length of 1,024 bytes) sort by the prefix, then by
// ID, on every store: every page is small, and every ticket is on one.
// covers: X8, P3
func testExactLongTexts(t *testing.T, s portal.Store) {
	w, v := newExactWorld(t, s)
	prefix := strings.Repeat("ab", 616) // 1,232 bytes
	ids := ascendingIDs(t, 7)
	var want []string
	for i, n := range []int{5, 2, 6, 0, 3, 1} { // created out of ID order
		name := fmt.Sprintf("l%d", n)
		w.ticketWithID(ids[n], portal.Ticket{Subject: name, Content: prefix + fmt.Sprintf(" %d", 9-i),
			ContactIDs: []uuid.UUID{v.ContactID}, Properties: portal.Properties{"note": prefix + fmt.Sprint(i)}})
	}
	for n := range 7 {
		if n != 4 {
			want = append(want, fmt.Sprintf("l%d", n))
		}
	}
	// A subject of 500 "<" (a customer can submit one) and a long text
	// that sort before the rest: their cursors are as small as any.
	w.ticketWithID(ids[4], portal.Ticket{Subject: strings.Repeat("<", 500), Content: "<",
		ContactIDs: []uuid.UUID{v.ContactID}, Properties: portal.Properties{"note": strings.Repeat("<", 60000)}})
	lt := strings.Repeat("<", 500)
	for _, sort := range []string{portal.PropContent, "note"} {
		for _, limit := range []int{1, 2} {
			q := portal.ListQuery{Sort: sort, Limit: limit}
			assertNames(t, append([]string{lt}, want...), w.list(v, q), "%s, pages of %d", sort, limit)
			q.Desc = true
			assertNames(t, append(reversed(want), lt), w.list(v, q), "%s descending, pages of %d", sort, limit)
			tv := w.view(v, q)
			assert.LessOrEqual(t, len(tv.Next), 512, "a cursor is small")
		}
	}
	q := portal.ListQuery{Sort: portal.PropSubject, Limit: 1}
	assertNames(t, append([]string{lt}, want...), w.list(v, q))
}

// A number given as -0 is kept as 0, so that it sorts, pages and prints
// alike on every store.
// covers: X8
func testExactNegativeZero(t *testing.T, s portal.Store) {
	w, v := newExactWorld(t, s)
	ids := ascendingIDs(t, 4)
	for i, n := range []float64{math.Copysign(0, -1), 0, -1, 1} {
		tk := w.ticketWithID(ids[i], portal.Ticket{Subject: fmt.Sprintf("z%d", i), ContactIDs: []uuid.UUID{v.ContactID},
			Properties: portal.Properties{"amount": n}})
		got, err := w.p.Ticket(ctx(t), w.pid, tk.ID)
		require.NoError(t, err)
		kept, ok := got.Properties["amount"].(float64)
		require.True(t, ok)
		assert.False(t, kept == 0 && math.Signbit(kept), "kept as 0, not -0")
	}
	// -0 and 0 tie: by ID.
	q := portal.ListQuery{Sort: "amount", Limit: 1}
	assertNames(t, []string{"z2", "z0", "z1", "z3"}, w.list(v, q))
}

// A pipeline saved without a stage that tickets are in is refused whole
// (their status would become unknown); a stage without tickets may go.
// covers: X8, S8
func testExactStageWithTickets(t *testing.T, s portal.Store) {
	w, v := newExactWorld(t, s)
	w.mineOf(v, portal.Ticket{Subject: "in New"})
	without := func(name string) portal.Pipeline {
		pl := w.pipeline.Clone()
		i := slices.IndexFunc(pl.Stages, func(st portal.Stage) bool { return st.Name == name })
		pl.Stages = slices.Delete(pl.Stages, i, i+1)
		return pl
	}
	_, err := w.p.SavePipeline(ctx(t), without("New"))
	requireConflict(t, err, "stages")
	pls, err := w.p.Pipelines(ctx(t), w.pid)
	require.NoError(t, err)
	require.Len(t, pls, 1)
	assert.Len(t, pls[0].Stages, 4, "nothing saved")
	saved, err := w.p.SavePipeline(ctx(t), without("Waiting"))
	require.NoError(t, err, "no ticket is in Waiting")
	assert.Len(t, saved.Stages, 3)
}
