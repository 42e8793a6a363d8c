package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var listPagingTests = []test{
	{name: "PagesOfAnySizeConcatenateToTheList", fn: testPagingConcatenates},
	{name: "PagingWhileTicketsAreAdded", fn: testPagingWhileAdding},
	{name: "PagingWhileTicketsChange", fn: testPagingWhileChanging},
	{name: "CursorIsBoundToItsQueryViewerAndTenant", fn: testCursorBound},
}

// pagingWorld: Ann sees 23 tickets p01…p23 with many ties: three owners
// and none, order numbers 1–4 or none, six creation times, four stages.
func newPagingWorld(t *testing.T, s portal.Store) (*listWorld, portal.Viewer) {
	w := newListWorld(t, s)
	w.property(portal.Property{Name: "orderNumber", Label: "Order", Type: portal.Number})
	w.columns(portal.PropSubject, portal.PropOwner, "orderNumber", portal.PropCreatedAt, portal.PropStatus)
	ann := w.contact("Ann", "Andersen", "ann@example.com", uuid.Nil)
	bob := w.contact("Bob", "Berg", "bob@example.com", uuid.Nil)
	owners := []uuid.UUID{w.owner("Ida", "", "").ID, w.owner("Ole", "", "").ID, uuid.Nil, w.owner("Åse", "", "").ID}
	stages := []string{"New", "Waiting", "Solved", "Rejected"}
	for i := 1; i <= 23; i++ {
		var props portal.Properties
		if i%4 != 0 {
			props = portal.Properties{"orderNumber": float64(i%5 + 1)}
		}
		w.ticket(portal.Ticket{Subject: fmt.Sprintf("p%02d", i), ContactIDs: []uuid.UUID{ann.ID},
			OwnerID: owners[i%len(owners)], Properties: props, StageID: w.stage(stages[(i/3)%len(stages)]),
			CreatedAt: listNow.Add(-time.Duration(i%6) * time.Hour)})
	}
	w.ticket(portal.Ticket{Subject: "p00 Bob's", ContactIDs: []uuid.UUID{bob.ID}})
	return w, w.viewer(ann)
}

// Keyset paging (P2): for every sort, pages of 1 to 7 tickets concatenate
// to exactly the whole list, with no page empty and no page short but the
// last. Ties and tickets without a value fall on page boundaries.
// covers: P2
func testPagingConcatenates(t *testing.T, s portal.Store) {
	w, v := newPagingWorld(t, s)
	var subjects []string
	for i := 1; i <= 23; i++ {
		subjects = append(subjects, fmt.Sprintf("p%02d", i))
	}
	require.Equal(t, subjects, w.list(v, bySubject))
	for _, q := range []portal.ListQuery{
		{},
		{Sort: portal.PropSubject, Desc: true},
		{Sort: portal.PropOwner},
		{Sort: "orderNumber", Desc: true},
		{Sort: portal.PropStatus},
		{Sort: portal.PropCreatedAt},
		{Sort: "orderNumber", Search: "p1", Status: portal.StatusOpen},
	} {
		whole := w.list(v, q)
		if q.Search == "" {
			assert.ElementsMatch(t, subjects, whole, "%+v: every ticket once", q)
		} else {
			assert.NotEmpty(t, whole)
		}
		for size := 1; size <= 7; size++ {
			q.Limit = size
			assert.Equal(t, whole, w.list(v, q), "%+v", q)
		}
		q.Limit = len(whole)
		tv := w.view(v, q)
		assert.Empty(t, tv.Next, "%+v: a page that holds the rest has no next page", q)
	}
}

// pageStep lists one page and returns its subjects and next cursor.
func (w *listWorld) pageStep(v portal.Viewer, q portal.ListQuery) ([]string, string) {
	w.t.Helper()
	tv := w.view(v, q)
	return w.names(tv.Rows), tv.Next
}

// Tickets added between pages show when they sort after the cursor and
// not when they sort before it; every other ticket shows once.
// covers: P2
func testPagingWhileAdding(t *testing.T, s portal.Store) {
	for _, desc := range []bool{false, true} {
		w := newListWorld(t, s)
		ann := w.contact("Ann", "", "ann@example.com", uuid.Nil)
		bob := w.contact("Bob", "", "bob@example.com", uuid.Nil)
		mine := []uuid.UUID{ann.ID}
		for i := 1; i <= 9; i++ {
			w.ticket(portal.Ticket{Subject: fmt.Sprintf("b%02d", i), ContactIDs: mine})
		}
		v := w.viewer(ann)
		q := portal.ListQuery{Sort: portal.PropSubject, Desc: desc, Limit: 3}
		var got []string
		page, next := w.pageStep(v, q)
		got = append(got, page...)
		// Before the cursor in either direction, then after it.
		if desc {
			w.ticket(portal.Ticket{Subject: "b075", ContactIDs: mine})
			w.ticket(portal.Ticket{Subject: "b99", ContactIDs: mine})
			w.ticket(portal.Ticket{Subject: "b055", ContactIDs: mine})
			w.ticket(portal.Ticket{Subject: "a00", ContactIDs: mine})
		} else {
			w.ticket(portal.Ticket{Subject: "a00", ContactIDs: mine})
			w.ticket(portal.Ticket{Subject: "b025", ContactIDs: mine})
			w.ticket(portal.Ticket{Subject: "b035", ContactIDs: mine})
			w.ticket(portal.Ticket{Subject: "z99", ContactIDs: mine})
		}
		w.ticket(portal.Ticket{Subject: "b045 Bob's", ContactIDs: []uuid.UUID{bob.ID}})
		for next != "" {
			q.Cursor = next
			page, next = w.pageStep(v, q)
			got = append(got, page...)
			if len(got) == 6 {
				w.ticket(portal.Ticket{Subject: "b085", ContactIDs: mine})
			}
		}
		want := []string{"b01", "b02", "b03", "b035", "b04", "b05", "b06", "b07", "b08", "b085", "b09", "z99"}
		if desc {
			want = []string{"b09", "b08", "b07", "b06", "b055", "b05", "b04", "b03", "b02", "b01", "a00"}
		}
		assert.Equal(t, want, got, "desc %v", desc)
	}
}

// A ticket that changes between pages shows where its new key puts it
// relative to the cursor (keyset semantics); every ticket that did not
// change shows exactly once.
// covers: P2
func testPagingWhileChanging(t *testing.T, s portal.Store) {
	w := newListWorld(t, s)
	w.columns(portal.PropSubject, portal.PropPriority, portal.PropStatus)
	ann := w.contact("Ann", "", "ann@example.com", uuid.Nil)
	mine := []uuid.UUID{ann.ID}
	for i := 1; i <= 9; i++ {
		w.ticket(portal.Ticket{Subject: fmt.Sprintf("b%02d", i), ContactIDs: mine})
	}
	v := w.viewer(ann)
	q := portal.ListQuery{Sort: portal.PropSubject, Limit: 3}
	var got []string
	page, next := w.pageStep(v, q)
	got = append(got, page...)
	require.Equal(t, []string{"b01", "b02", "b03"}, got)

	w.update("b05", func(tk *portal.Ticket) { tk.Content, tk.Priority = "changed", portal.PriorityUrgent })
	w.update("b06", func(tk *portal.Ticket) { tk.StageID = w.stage("Solved") })
	w.update("b07", func(tk *portal.Ticket) { tk.Subject = "b00" })  // now before the cursor
	w.update("b02", func(tk *portal.Ticket) { tk.Subject = "b08x" }) // seen, now after it
	for next != "" {
		q.Cursor = next
		page, next = w.pageStep(v, q)
		got = append(got, page...)
	}
	assert.Equal(t, []string{"b01", "b02", "b03", "b04", "b05", "b06", "b08", "b08x", "b09"}, got)
	for _, name := range []string{"b01", "b03", "b04", "b05", "b06", "b08", "b09"} {
		assert.Equal(t, 1, strings.Count(strings.Join(got, " ")+" ", name+" "), "%s once", name)
	}

	// Paging the open tickets while one of the next page closes: it drops
	// out, the others stay.
	q = portal.ListQuery{Sort: portal.PropSubject, Limit: 2, Status: portal.StatusOpen}
	page, next = w.pageStep(v, q)
	got = slices.Clone(page)
	require.Equal(t, []string{"b00", "b01"}, got)
	w.update("b04", func(tk *portal.Ticket) { tk.StageID = w.stage("Rejected") })
	for next != "" {
		q.Cursor = next
		page, next = w.pageStep(v, q)
		got = append(got, page...)
	}
	assert.Equal(t, []string{"b00", "b01", "b03", "b05", "b08", "b08x", "b09"}, got)
}

// A cursor continues only the query it came from (any page size), for the
// viewer and tenant it came from.
// covers: P2, X5
func testCursorBound(t *testing.T, s portal.Store) {
	a, b := newScopeWorld(t, s), newScopeWorld(t, s)
	a.scope(portal.CompanyTickets, nil)
	b.scope(portal.CompanyTickets, nil)
	ann := a.viewer(a.ann)
	q := portal.ListQuery{Sort: portal.PropSubject, Limit: 2}
	first := a.view(ann, q)
	require.Equal(t, annOrg[:2], a.names(first.Rows))
	require.NotEmpty(t, first.Next)

	next := q
	next.Cursor, next.Limit = first.Next, 3
	assert.Equal(t, annOrg[2:5], a.names(a.view(ann, next).Rows), "the page size may change between pages")
	next.Limit = 50
	assert.Equal(t, annOrg[2:], a.names(a.view(ann, next).Rows))

	with := func(change func(*portal.ListQuery)) portal.ListQuery {
		x := q
		x.Cursor = first.Next
		change(&x)
		return x
	}
	for name, x := range map[string]portal.ListQuery{
		"another search": with(func(x *portal.ListQuery) { x.Search = "ann" }),
		"another filter": with(func(x *portal.ListQuery) {
			x.Filters = []portal.Filter{flt(portal.PropSubject, portal.ContainsAny, "a")}
		}),
		"another status": with(func(x *portal.ListQuery) { x.Status = portal.StatusOpen }),
		"another sort":   with(func(x *portal.ListQuery) { x.Sort = portal.PropCreatedAt }),
		"no sort":        with(func(x *portal.ListQuery) { x.Sort = "" }),
		"descending":     with(func(x *portal.ListQuery) { x.Desc = true }),
		"another view":   with(func(x *portal.ListQuery) { x.View = portal.OwnedByMe }),
	} {
		requireField(t, a.listErr(ann, x), "cursor", name)
	}
	cur := with(func(*portal.ListQuery) {})
	requireField(t, a.listErr(a.viewer(a.bob), cur), "cursor", "another viewer of the same company")
	requireField(t, b.listErr(b.viewer(b.ann), cur), "cursor", "the same contact's twin in another tenant")

	// A cursor made under one CursorKey is refused under another, and
	// accepted by every Portal that shares the key.
	keyed := func(key string) *portal.Portal {
		p, err := portal.New(s, portal.Options{Now: func() time.Time { return listNow }, CursorKey: []byte(key)})
		require.NoError(t, err)
		return p
	}
	p1, p2, p3 := keyed("secret one"), keyed("secret one"), keyed("secret two")
	tv, err := p1.ListTickets(ctx(t), ann, q)
	require.NoError(t, err)
	shared := q
	shared.Cursor = tv.Next
	tv, err = p2.ListTickets(ctx(t), ann, shared)
	require.NoError(t, err)
	assert.Equal(t, annOrg[2:4], a.names(tv.Rows))
	_, err = p3.ListTickets(ctx(t), ann, shared)
	requireField(t, err, "cursor", "another key")
	_, err = a.p.ListTickets(ctx(t), ann, shared)
	requireField(t, err, "cursor", "the default key")
}
