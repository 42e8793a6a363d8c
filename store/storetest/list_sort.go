package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/helpdeskkit/portal"
)

var listSortTests = []test{
	{name: "SubjectSortsByFoldedBytes", fn: testSortSubject},
	{name: "DatesSortToTheMicrosecond", fn: testSortDates},
	{name: "OwnerSortsByTheShownName", fn: testSortOwner},
	{name: "RequesterSortsByName", fn: testSortRequester},
	{name: "StatusAndStage", fn: testSortStatusAndStage},
	{name: "EnumerationsSortByOptionOrder", fn: testSortEnumerations},
	{name: "CustomNumberBooleanAndText", fn: testSortCustom},
	{name: "SortFollowsRenamedRecords", fn: testSortFollowsRenames},
}

// checkSort checks the whole list sorted by column, ascending and
// descending, in one page and in small pages. Descending is exactly the
// reverse of ascending: keys descending, tickets without a value first,
// ties by ticket ID descending.
func (w *listWorld) checkSort(v portal.Viewer, column string, wantAsc []string) {
	w.t.Helper()
	asc := portal.ListQuery{Sort: column}
	desc := portal.ListQuery{Sort: column, Desc: true}
	assert.Equal(w.t, wantAsc, w.list(v, asc), "%s ascending", column)
	assert.Equal(w.t, reversed(wantAsc), w.list(v, desc), "%s descending", column)
	asc.Limit, desc.Limit = 2, 3
	assert.Equal(w.t, wantAsc, w.list(v, asc), "%s ascending, pages of 2", column)
	assert.Equal(w.t, reversed(wantAsc), w.list(v, desc), "%s descending, pages of 3", column)
	tv := w.view(v, desc)
	assert.Equal(w.t, column, tv.Sort)
	assert.True(w.t, tv.Desc)
}

// sortWorld is a tenant whose viewer Vera (no company) has the tickets.
func newSortWorld(t *testing.T, s portal.Store) (*listWorld, portal.Contact) {
	w := newListWorld(t, s)
	vera := w.contact("Vera", "Viewer", "vera@example.com", uuid.Nil)
	return w, vera
}

// covers: P2
func testSortSubject(t *testing.T, s portal.Store) {
	w, vera := newSortWorld(t, s)
	ids := ascendingIDs(t, 2)
	mine := []uuid.UUID{vera.ID}
	w.ticket(portal.Ticket{Subject: "banana", ContactIDs: mine})
	w.ticketWithID(ids[1], portal.Ticket{Subject: "APPLE", ContactIDs: mine})
	w.ticket(portal.Ticket{Subject: "Æble", ContactIDs: mine})
	w.ticket(portal.Ticket{Subject: "øl", ContactIDs: mine})
	w.ticketWithID(ids[0], portal.Ticket{Subject: "apple", ContactIDs: mine})
	w.ticket(portal.Ticket{Subject: "Zebra", ContactIDs: mine})
	w.ticket(portal.Ticket{Subject: "_under", ContactIDs: mine})
	w.ticket(portal.Ticket{Subject: "émile", ContactIDs: mine})
	w.ticket(portal.Ticket{Subject: "1st", ContactIDs: mine})
	// Folded: 1ST < APPLE = APPLE < BANANA < ZEBRA < _UNDER < ÆBLE < ÉMILE
	// < ØL, bytewise; "apple" and "APPLE" tie and go by ID.
	w.checkSort(w.viewer(vera), portal.PropSubject,
		[]string{"1st", "apple", "APPLE", "banana", "Zebra", "_under", "Æble", "émile", "øl"})
}

// covers: P2
func testSortDates(t *testing.T, s portal.Store) {
	w, vera := newSortWorld(t, s)
	w.property(portal.Property{Name: "dueDate", Label: "Due", Type: portal.Date})
	w.columns(portal.PropSubject, portal.PropCreatedAt, portal.PropLastActivityAt, "dueDate")
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	jan1 := day(2025, 1, 1)
	ids := ascendingIDs(t, 5)
	due := func(d time.Time) portal.Properties { return portal.Properties{"dueDate": d} }
	mine := []uuid.UUID{vera.ID}
	w.ticketWithID(ids[4], portal.Ticket{Subject: "c-a", ContactIDs: mine, CreatedAt: jan1.Add(time.Microsecond),
		LastActivityAt: day(2025, 6, 1), Properties: due(day(2025, 5, 5))})
	w.ticketWithID(ids[1], portal.Ticket{Subject: "c-b", ContactIDs: mine, CreatedAt: jan1.Add(2 * time.Microsecond),
		LastActivityAt: day(2025, 2, 1)})
	w.ticketWithID(ids[3], portal.Ticket{Subject: "c-c", ContactIDs: mine, CreatedAt: jan1.Add(-time.Microsecond),
		LastActivityAt: day(2025, 6, 1).Add(time.Microsecond), Properties: due(day(2025, 5, 4))})
	w.ticketWithID(ids[0], portal.Ticket{Subject: "c-d", ContactIDs: mine, CreatedAt: jan1.Add(time.Microsecond),
		LastActivityAt: day(2025, 1, 2)})
	w.ticketWithID(ids[2], portal.Ticket{Subject: "c-e", ContactIDs: mine, CreatedAt: day(1999, 1, 1),
		LastActivityAt: day(2025, 3, 1), Properties: due(day(2030, 1, 1))})
	v := w.viewer(vera)
	created := []string{"c-e", "c-c", "c-d", "c-a", "c-b"} // c-a and c-d tie
	w.checkSort(v, portal.PropCreatedAt, created)
	w.checkSort(v, portal.PropLastActivityAt, []string{"c-d", "c-b", "c-e", "c-a", "c-c"})
	w.checkSort(v, "dueDate", []string{"c-c", "c-a", "c-e", "c-d", "c-b"})

	// No sort: newest first, whatever Desc says.
	for _, desc := range []bool{false, true} {
		for _, limit := range []int{0, 2} {
			assert.Equal(t, reversed(created), w.list(v, portal.ListQuery{Desc: desc, Limit: limit}), "default sort, desc %v", desc)
		}
		tv := w.view(v, portal.ListQuery{Desc: desc})
		assert.Equal(t, portal.PropCreatedAt, tv.Sort)
		assert.True(t, tv.Desc)
	}
}

// Owners sort by the name the portal shows (Display.OwnerName), folded and
// compared bytewise; tickets without an owner sort last.
// covers: P2, S8
func testSortOwner(t *testing.T, s portal.Store) {
	w, vera := newSortWorld(t, s)
	w.columns(portal.PropSubject, portal.PropOwner)
	o1 := w.owner("Åse", "Andersen", "Zulu")
	o2 := w.owner("bo", "Ølgaard", "alfa")
	o3 := w.owner("Carl", "", "")
	o4 := w.owner("Anna", "Zeta", "")
	o5 := w.owner("Anna", "Berg", "Berg-A")
	o6 := w.owner("", "", "Xavier")
	ids := ascendingIDs(t, 8)
	mine := []uuid.UUID{vera.ID}
	for _, tc := range []struct {
		subject string
		owner   uuid.UUID
		id      uuid.UUID
	}{
		{"t-o1", o1.ID, ids[5]}, {"t-o2", o2.ID, ids[2]}, {"t-o3", o3.ID, ids[7]}, {"t-o4", o4.ID, ids[1]},
		{"t-o5", o5.ID, ids[6]}, {"t-o6", o6.ID, ids[3]}, {"t-none1", uuid.Nil, ids[4]}, {"t-none2", uuid.Nil, ids[0]},
	} {
		w.ticketWithID(tc.id, portal.Ticket{Subject: tc.subject, OwnerID: tc.owner, ContactIDs: mine})
	}
	v := w.viewer(vera)
	for _, tc := range []struct {
		style portal.OwnerName
		names map[string]string // shown name by ticket
		asc   []string
	}{
		{portal.OwnerFirstName,
			map[string]string{"t-o1": "Åse", "t-o2": "bo", "t-o3": "Carl", "t-o4": "Anna", "t-o5": "Anna", "t-o6": "Xavier"},
			[]string{"t-o4", "t-o5", "t-o2", "t-o3", "t-o6", "t-o1", "t-none2", "t-none1"}},
		{portal.OwnerFullName,
			map[string]string{"t-o1": "Åse Andersen", "t-o2": "bo Ølgaard", "t-o3": "Carl", "t-o4": "Anna Zeta", "t-o5": "Anna Berg", "t-o6": "Xavier"},
			[]string{"t-o5", "t-o4", "t-o2", "t-o3", "t-o6", "t-o1", "t-none2", "t-none1"}},
		{portal.OwnerLastName,
			map[string]string{"t-o1": "Andersen", "t-o2": "Ølgaard", "t-o3": "Carl", "t-o4": "Zeta", "t-o5": "Berg", "t-o6": "Xavier"},
			[]string{"t-o1", "t-o5", "t-o3", "t-o6", "t-o4", "t-o2", "t-none2", "t-none1"}},
		{portal.OwnerAlias,
			map[string]string{"t-o1": "Zulu", "t-o2": "alfa", "t-o3": "Carl", "t-o4": "Anna", "t-o5": "Berg-A", "t-o6": "Xavier"},
			[]string{"t-o2", "t-o4", "t-o5", "t-o3", "t-o6", "t-o1", "t-none2", "t-none1"}},
	} {
		w.set(func(st *portal.Settings) { st.Display.OwnerName = tc.style })
		w.checkSort(v, portal.PropOwner, tc.asc)
		for _, r := range w.view(v, portal.ListQuery{Sort: portal.PropOwner}).Rows {
			want, ok := tc.names[w.subject[r.ID]]
			if !ok {
				want = portal.NoOwner
			}
			assert.Equal(t, want, r.Cells[1].Text, "%s: owner of %s", tc.style, w.subject[r.ID])
		}
	}
}

// covers: P2
func testSortRequester(t *testing.T, s portal.Store) {
	w, vera := newSortWorld(t, s)
	ann1 := w.contact("Ann", "Berg", "ann1@example.com", uuid.Nil)
	ann2 := w.contact("Ann", "Berg", "ann2@example.com", uuid.Nil)
	bo := w.contact("bo", "", "bo@example.com", uuid.Nil)
	zed := w.contact("", "", "zed@acme.dk", uuid.Nil)
	aage := w.contact("Åge", "Ørsted", "aage@example.com", uuid.Nil)
	ids := ascendingIDs(t, 7)
	for _, tc := range []struct {
		subject   string
		requester uuid.UUID
		id        uuid.UUID
	}{
		{"r-ann1", ann1.ID, ids[5]}, {"r-ann2", ann2.ID, ids[2]}, {"r-bo", bo.ID, ids[0]}, {"r-zed", zed.ID, ids[6]},
		{"r-åge", aage.ID, ids[1]}, {"r-vera", vera.ID, ids[3]}, {"r-none", uuid.Nil, ids[4]},
	} {
		contacts := []uuid.UUID{vera.ID}
		if tc.requester != uuid.Nil && tc.requester != vera.ID {
			contacts = append(contacts, tc.requester)
		}
		w.ticketWithID(tc.id, portal.Ticket{Subject: tc.subject, ContactIDs: contacts, RequesterID: tc.requester})
	}
	// ANN BERG (twice, by ID) < BO < VERA VIEWER < ZED@ACME.DK < ÅGE ØRSTED, then none.
	w.checkSort(w.viewer(vera), portal.PropRequestedBy, []string{"r-ann2", "r-ann1", "r-bo", "r-vera", "r-zed", "r-åge", "r-none"})
}

// Status sorts open before closed, by the stage's state; stage by its name.
// covers: P2, S8
func testSortStatusAndStage(t *testing.T, s portal.Store) {
	w, vera := newSortWorld(t, s)
	w.columns(portal.PropSubject, portal.PropStatus, portal.PropStage)
	ids := ascendingIDs(t, 6)
	for _, tc := range []struct {
		subject, stage string
		id             uuid.UUID
	}{
		{"st-new1", "New", ids[4]}, {"st-new2", "New", ids[1]}, {"st-wait", "Waiting", ids[2]},
		{"st-solved", "Solved", ids[0]}, {"st-rej1", "Rejected", ids[5]}, {"st-rej2", "Rejected", ids[3]},
	} {
		w.ticketWithID(tc.id, portal.Ticket{Subject: tc.subject, StageID: w.stage(tc.stage), ContactIDs: []uuid.UUID{vera.ID}})
	}
	v := w.viewer(vera)
	w.checkSort(v, portal.PropStatus, []string{"st-new2", "st-wait", "st-new1", "st-solved", "st-rej2", "st-rej1"})
	w.checkSort(v, portal.PropStage, []string{"st-new2", "st-new1", "st-rej2", "st-rej1", "st-solved", "st-wait"})

	// With stage names shown, status still sorts by state, not by name.
	w.set(func(st *portal.Settings) { st.Display.ShowStages = true })
	w.checkSort(v, portal.PropStatus, []string{"st-new2", "st-wait", "st-new1", "st-solved", "st-rej2", "st-rej1"})
}

// covers: P2
func testSortEnumerations(t *testing.T, s portal.Store) {
	w, vera := newSortWorld(t, s)
	w.property(portal.Property{Name: "tier", Label: "Tier", Type: portal.Enumeration, Options: []portal.Option{
		{Value: "gold", Label: "Gold"}, {Value: "silver", Label: "Silver"}, {Value: "bronze", Label: "Bronze"}}})
	w.columns(portal.PropSubject, portal.PropPriority, "tier")
	ids := ascendingIDs(t, 6)
	for _, tc := range []struct {
		subject  string
		priority portal.Priority
		tier     string
		id       uuid.UUID
	}{
		{"p-urgent", portal.PriorityUrgent, "bronze", ids[3]}, {"p-low", portal.PriorityLow, "silver", ids[5]},
		{"p-high1", portal.PriorityHigh, "gold", ids[4]}, {"p-high2", portal.PriorityHigh, "", ids[0]},
		{"p-medium", portal.PriorityMedium, "gold", ids[2]}, {"p-none", "", "silver", ids[1]},
	} {
		var props portal.Properties
		if tc.tier != "" {
			props = portal.Properties{"tier": tc.tier}
		}
		w.ticketWithID(tc.id, portal.Ticket{Subject: tc.subject, Priority: tc.priority, Properties: props, ContactIDs: []uuid.UUID{vera.ID}})
	}
	v := w.viewer(vera)
	// By option order, not by value or label.
	w.checkSort(v, portal.PropPriority, []string{"p-low", "p-medium", "p-high2", "p-high1", "p-urgent", "p-none"})
	w.checkSort(v, "tier", []string{"p-medium", "p-high1", "p-none", "p-low", "p-urgent", "p-high2"})
}

// covers: P2
func testSortCustom(t *testing.T, s portal.Store) {
	w, vera := newSortWorld(t, s)
	w.property(portal.Property{Name: "orderNumber", Label: "Order", Type: portal.Number})
	w.property(portal.Property{Name: "warranty", Label: "Warranty", Type: portal.Boolean})
	w.property(portal.Property{Name: "code", Label: "Code", Type: portal.Text})
	w.columns(portal.PropSubject, "orderNumber", "warranty", "code")
	ids := ascendingIDs(t, 8)
	for _, tc := range []struct {
		subject string
		id      uuid.UUID
		props   portal.Properties
	}{
		{"n-ten", ids[0], portal.Properties{"orderNumber": 10.0, "warranty": true, "code": "b"}},
		{"n-neg", ids[6], portal.Properties{"orderNumber": -3.0, "warranty": false, "code": "A"}},
		{"n-100b", ids[2], portal.Properties{"orderNumber": 100.0, "warranty": true}},
		{"n-zero", ids[7], portal.Properties{"orderNumber": 0.0, "warranty": false, "code": ""}},
		{"n-2.5", ids[3], portal.Properties{"orderNumber": 2.5, "code": "ä"}},
		{"n-100a", ids[5], portal.Properties{"orderNumber": 100.0}},
		{"n-none", ids[1], nil},
		{"n-9", ids[4], portal.Properties{"orderNumber": 9.0}},
	} {
		w.ticketWithID(tc.id, portal.Ticket{Subject: tc.subject, Properties: tc.props, ContactIDs: []uuid.UUID{vera.ID}})
	}
	v := w.viewer(vera)
	w.checkSort(v, "orderNumber", []string{"n-neg", "n-zero", "n-2.5", "n-9", "n-ten", "n-100b", "n-100a", "n-none"})
	w.checkSort(v, "warranty", []string{"n-neg", "n-zero", "n-ten", "n-100b", "n-none", "n-2.5", "n-9", "n-100a"})
	// "" is no value; A < B < Ä bytewise after folding.
	w.checkSort(v, "code", []string{"n-neg", "n-ten", "n-2.5", "n-none", "n-100b", "n-9", "n-100a", "n-zero"})
}

// Sorting by a reference uses the referenced record's current name.
// covers: P2, S8
func testSortFollowsRenames(t *testing.T, s portal.Store) {
	w, vera := newSortWorld(t, s)
	w.columns(portal.PropSubject, portal.PropOwner, portal.PropRequestedBy, portal.PropStage)
	anna, bo := w.owner("Anna", "", ""), w.owner("Bo", "", "")
	aase, bent := w.contact("Aase", "", "aase@example.com", uuid.Nil), w.contact("Bent", "", "bent@example.com", uuid.Nil)
	w.ticket(portal.Ticket{Subject: "x1", OwnerID: anna.ID, RequesterID: bent.ID, ContactIDs: []uuid.UUID{vera.ID, bent.ID},
		StageID: w.stage("New")})
	w.ticket(portal.Ticket{Subject: "x2", OwnerID: bo.ID, RequesterID: aase.ID, ContactIDs: []uuid.UUID{vera.ID, aase.ID},
		StageID: w.stage("Waiting")})
	v := w.viewer(vera)
	w.checkSort(v, portal.PropOwner, []string{"x1", "x2"})
	w.checkSort(v, portal.PropRequestedBy, []string{"x2", "x1"})
	w.checkSort(v, portal.PropStage, []string{"x1", "x2"})

	anna.FirstName = "Ølaf"
	_, err := w.p.SaveOwner(ctx(t), anna)
	assert.NoError(t, err)
	aase.FirstName = "Ærlig"
	w.saveContact(aase)
	w.savePipeline(func(pl *portal.Pipeline) { pl.Stages[1].Name = "Afventer" })
	w.checkSort(v, portal.PropOwner, []string{"x2", "x1"})
	w.checkSort(v, portal.PropRequestedBy, []string{"x1", "x2"})
	w.checkSort(v, portal.PropStage, []string{"x2", "x1"})
	rows := w.view(v, portal.ListQuery{Sort: portal.PropStage}).Rows
	if assert.Len(t, rows, 2) {
		assert.Equal(t, []string{"x2", "Bo", "Ærlig", "Afventer"}, []string{w.subject[rows[0].ID], rows[0].Cells[1].Text, rows[0].Cells[2].Text, rows[0].Cells[3].Text})
	}
}
