package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/helpdeskkit/portal"
)

var listFilterTests = []test{
	{name: "TextOperatorsIgnoreCaseAndTakeWildcardsLiterally", fn: testFilterText},
	{name: "NumberOperators", fn: testFilterNumber},
	{name: "DateOperatorsWithWholeDaysInstantsAndDaysAgo", fn: testFilterDate},
	{name: "DaysAgoCountFromTheQuerysNow", fn: testFilterDaysAgoFollowNow},
	{name: "EnumerationAndReferenceOperators", fn: testFilterEnumeration},
	{name: "BooleanOperators", fn: testFilterBoolean},
	{name: "StatusComesFromTheStagesState", fn: testFilterStatus},
	{name: "GroupsAreOredFiltersAnded", fn: testFilterGroups},
}

// filterWorld is a tenant whose viewer Ann (no company) owns the tickets of
// a test; Bob owns one decoy that matches nearly every filter and must never
// show.
type filterWorld struct {
	*listWorld
	ann, bob portal.Contact
	v        portal.Viewer
}

func newFilterWorld(t *testing.T, s portal.Store) *filterWorld {
	w := &filterWorld{listWorld: newListWorld(t, s)}
	w.ann = w.contact("Ann", "Andersen", "ann@example.com", uuid.Nil)
	w.bob = w.contact("Bob", "Berg", "bob@example.com", uuid.Nil)
	w.v = w.viewer(w.ann)
	return w
}

// mine creates a ticket of Ann's, requested by her.
func (w *filterWorld) mine(tk portal.Ticket) portal.Ticket {
	w.t.Helper()
	tk.ContactIDs = append(tk.ContactIDs, w.ann.ID)
	if tk.RequesterID == uuid.Nil {
		tk.RequesterID = w.ann.ID
	}
	return w.ticket(tk)
}

// decoy creates a ticket of Bob's only.
func (w *filterWorld) decoy(tk portal.Ticket) portal.Ticket {
	w.t.Helper()
	tk.ContactIDs, tk.RequesterID = []uuid.UUID{w.bob.ID}, w.bob.ID
	return w.ticket(tk)
}

// covers: S5, S8, P2
func testFilterText(t *testing.T, s portal.Store) {
	w := newFilterWorld(t, s)
	w.property(portal.Property{Name: "note", Label: "Note", Type: portal.Text})
	w.columns(portal.PropSubject, portal.PropContent, "note")
	note := func(v string) portal.Properties { return portal.Properties{"note": v} }
	w.mine(portal.Ticket{Subject: "Æble", Content: "Rødgrød med fløde", Properties: note("RØDGRØD")})
	w.mine(portal.Ticket{Subject: "æblemost", Properties: note("rødgrød med fløde")})
	w.mine(portal.Ticket{Subject: "Blåbær", Content: "tærte"})
	w.mine(portal.Ticket{Subject: "BLÅBÆRTÆRTE", Properties: note("ærter")})
	w.mine(portal.Ticket{Subject: "Pære", Content: "vælling", Properties: note("")})
	w.mine(portal.Ticket{Subject: "Øl", Content: "ØL OG VAND", Properties: note("Øl")})
	w.mine(portal.Ticket{Subject: "Rabat_kode", Content: `sti C:\temp`, Properties: note("50%")})
	w.decoy(portal.Ticket{Subject: "Æble decoy", Content: `rødgrød 50% C:\temp`, Properties: note("RØDGRØD 50%")})

	all := []string{"Blåbær", "BLÅBÆRTÆRTE", "Pære", "Rabat_kode", "Æble", "æblemost", "Øl"}
	w.checkFilters(w.v, []filterCase{
		// Subject: always known.
		{flt(portal.PropSubject, portal.EqualsAny, "ÆBLE", "øl"), []string{"Æble", "Øl"}},
		{flt(portal.PropSubject, portal.EqualsAny, "æbl"), nil},
		{flt(portal.PropSubject, portal.NotEqualsAny, "æble", "PÆRE"), []string{"Blåbær", "BLÅBÆRTÆRTE", "Rabat_kode", "æblemost", "Øl"}},
		{flt(portal.PropSubject, portal.ContainsAny, "blå", "ÆR"), []string{"Blåbær", "BLÅBÆRTÆRTE", "Pære"}},
		{flt(portal.PropSubject, portal.ContainsAny, "_"), []string{"Rabat_kode"}},
		{flt(portal.PropSubject, portal.ContainsAny, "%"), nil},
		{flt(portal.PropSubject, portal.NotContainsAny, "ble", "BÆR"), []string{"Pære", "Rabat_kode", "Øl"}},
		{flt(portal.PropSubject, portal.StartsWith, "æB"), []string{"Æble", "æblemost"}},
		{flt(portal.PropSubject, portal.StartsWith, "blåbært"), []string{"BLÅBÆRTÆRTE"}},
		{flt(portal.PropSubject, portal.StartsWith, "_"), nil},
		{flt(portal.PropSubject, portal.StartsWith, "RABAT_"), []string{"Rabat_kode"}},
		{flt(portal.PropSubject, portal.EndsWith, "ÆR"), []string{"Blåbær"}},
		{flt(portal.PropSubject, portal.EndsWith, "_kode"), []string{"Rabat_kode"}},
		{flt(portal.PropSubject, portal.EndsWith, "E"), []string{"BLÅBÆRTÆRTE", "Pære", "Rabat_kode", "Æble"}},
		{flt(portal.PropSubject, portal.IsKnown), all},
		{flt(portal.PropSubject, portal.IsUnknown), nil},
		// Content: empty is unknown.
		{flt(portal.PropContent, portal.IsUnknown), []string{"BLÅBÆRTÆRTE", "æblemost"}},
		{flt(portal.PropContent, portal.IsKnown), []string{"Blåbær", "Pære", "Rabat_kode", "Æble", "Øl"}},
		{flt(portal.PropContent, portal.NotContainsAny, "FLØDE"), []string{"Blåbær", "Pære", "Rabat_kode", "Øl"}},
		{flt(portal.PropContent, portal.NotEqualsAny, "tærte"), []string{"Pære", "Rabat_kode", "Æble", "Øl"}},
		{flt(portal.PropContent, portal.ContainsAny, `\`), []string{"Rabat_kode"}},
		{flt(portal.PropContent, portal.EndsWith, `C:\TEMP`), []string{"Rabat_kode"}},
		{flt(portal.PropContent, portal.ContainsAny, "øl o"), []string{"Øl"}},
		{flt(portal.PropContent, portal.EqualsAny, "øl og vand"), []string{"Øl"}},
		// A custom text: absent and "" are both unknown.
		{flt("note", portal.IsUnknown), []string{"Blåbær", "Pære"}},
		{flt("note", portal.IsKnown), []string{"BLÅBÆRTÆRTE", "Rabat_kode", "Æble", "æblemost", "Øl"}},
		{flt("note", portal.EqualsAny, "rødgrød"), []string{"Æble"}},
		{flt("note", portal.NotEqualsAny, "rødgrød"), []string{"BLÅBÆRTÆRTE", "Rabat_kode", "æblemost", "Øl"}},
		{flt("note", portal.ContainsAny, "FLØDE", "ært"), []string{"BLÅBÆRTÆRTE", "æblemost"}},
		{flt("note", portal.ContainsAny, "%"), []string{"Rabat_kode"}},
		{flt("note", portal.ContainsAny, "0%"), []string{"Rabat_kode"}},
		{flt("note", portal.ContainsAny, "5_%"), nil},
		{flt("note", portal.ContainsAny, "_"), nil},
		{flt("note", portal.NotContainsAny, "rød"), []string{"BLÅBÆRTÆRTE", "Rabat_kode", "Øl"}},
		{flt("note", portal.StartsWith, "RØD"), []string{"Æble", "æblemost"}},
		{flt("note", portal.StartsWith, "%"), nil},
		{flt("note", portal.EndsWith, "ØL"), []string{"Øl"}},
		{flt("note", portal.EndsWith, "e"), []string{"æblemost"}},
	})
}

// covers: S5, S8, P2
func testFilterNumber(t *testing.T, s portal.Store) {
	w := newFilterWorld(t, s)
	w.property(portal.Property{Name: "orderNumber", Label: "Order", Type: portal.Number})
	w.columns(portal.PropSubject, "orderNumber")
	num := func(n float64) portal.Properties { return portal.Properties{"orderNumber": n} }
	w.mine(portal.Ticket{Subject: "Alpha", Properties: num(1)})
	w.mine(portal.Ticket{Subject: "Bravo", Properties: num(2.5)})
	w.mine(portal.Ticket{Subject: "Charlie", Properties: num(10)})
	w.mine(portal.Ticket{Subject: "Delta", Properties: num(-3)})
	w.mine(portal.Ticket{Subject: "Echo", Properties: num(0)})
	w.mine(portal.Ticket{Subject: "Foxtrot"})
	w.mine(portal.Ticket{Subject: "Golf", Properties: num(1000000000.5)})
	w.decoy(portal.Ticket{Subject: "Alpha decoy", Properties: num(2.5)})

	known := []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo", "Golf"}
	w.checkFilters(w.v, []filterCase{
		{flt("orderNumber", portal.Eq, "2.5"), []string{"Bravo"}},
		{flt("orderNumber", portal.Eq, "0"), []string{"Echo"}},
		{flt("orderNumber", portal.Eq, "1000000000.5"), []string{"Golf"}},
		{flt("orderNumber", portal.Eq, "1000000000"), nil},
		{flt("orderNumber", portal.Ne, "2.5"), []string{"Alpha", "Charlie", "Delta", "Echo", "Golf"}},
		{flt("orderNumber", portal.Ne, "0"), []string{"Alpha", "Bravo", "Charlie", "Delta", "Golf"}},
		{flt("orderNumber", portal.Lt, "1"), []string{"Delta", "Echo"}},
		{flt("orderNumber", portal.Lt, "-0.5"), []string{"Delta"}},
		{flt("orderNumber", portal.Lte, "1"), []string{"Alpha", "Delta", "Echo"}},
		{flt("orderNumber", portal.Gt, "2.5"), []string{"Charlie", "Golf"}},
		{flt("orderNumber", portal.Gt, "9.99"), []string{"Charlie", "Golf"}},
		{flt("orderNumber", portal.Gte, "2.5"), []string{"Bravo", "Charlie", "Golf"}},
		{flt("orderNumber", portal.Gte, "1e1"), []string{"Charlie", "Golf"}},
		{flt("orderNumber", portal.Between, "0", "2.5"), []string{"Alpha", "Bravo", "Echo"}},
		{flt("orderNumber", portal.Between, "-3", "-3"), []string{"Delta"}},
		{flt("orderNumber", portal.Between, "-1e12", "1e12"), known},
		{flt("orderNumber", portal.IsKnown), known},
		{flt("orderNumber", portal.IsUnknown), []string{"Foxtrot"}},
	})
}

// The clock is listNow, 2025-06-15 12:00 UTC.
var dateTickets = []string{"d1 day start", "d2 day end", "d3 next day", "d4 day before", "d5 a day ago", "d6 30 days ago", "d7 over 30 days ago"}

func newDateWorld(t *testing.T, s portal.Store) *filterWorld {
	w := newFilterWorld(t, s)
	w.property(portal.Property{Name: "dueDate", Label: "Due", Type: portal.Date})
	w.columns(portal.PropSubject, portal.PropCreatedAt, portal.PropLastActivityAt, "dueDate")
	date := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return d
	}
	due := func(s string) portal.Properties { return portal.Properties{"dueDate": date(s)} }
	w.mine(portal.Ticket{Subject: dateTickets[0], CreatedAt: date("2025-06-10T00:00:00Z"), Properties: due("2025-07-01T00:00:00Z")})
	w.mine(portal.Ticket{Subject: dateTickets[1], CreatedAt: date("2025-06-10T23:59:59.999999Z"), Properties: due("2025-06-01T08:30:00Z")})
	w.mine(portal.Ticket{Subject: dateTickets[2], CreatedAt: date("2025-06-11T00:00:00Z"), LastActivityAt: date("2025-06-15T11:00:00Z")})
	w.mine(portal.Ticket{Subject: dateTickets[3], CreatedAt: date("2025-06-09T23:59:59.999999Z")})
	w.mine(portal.Ticket{Subject: dateTickets[4], CreatedAt: date("2025-06-14T12:00:00.000001Z"), Properties: due("2025-06-15T12:00:00Z")})
	w.mine(portal.Ticket{Subject: dateTickets[5], CreatedAt: date("2025-05-16T12:00:00Z")})
	w.mine(portal.Ticket{Subject: dateTickets[6], CreatedAt: date("2025-05-16T11:59:59.999999Z")})
	w.decoy(portal.Ticket{Subject: "d0 decoy", CreatedAt: date("2025-06-10T12:00:00Z"), Properties: due("2025-06-10T12:00:00Z")})
	return w
}

// covers: S5, S8, P2
func testFilterDate(t *testing.T, s portal.Store) {
	w := newDateWorld(t, s)
	d := func(i ...int) []string {
		var out []string
		for _, n := range i {
			out = append(out, dateTickets[n-1])
		}
		return out
	}
	w.checkFilters(w.v, []filterCase{
		// A date-only value is the whole UTC day.
		{flt(portal.PropCreatedAt, portal.Eq, "2025-06-10"), d(1, 2)},
		{flt(portal.PropCreatedAt, portal.Ne, "2025-06-10"), d(3, 4, 5, 6, 7)},
		{flt(portal.PropCreatedAt, portal.Lt, "2025-06-10"), d(4, 6, 7)},
		{flt(portal.PropCreatedAt, portal.Lte, "2025-06-10"), d(1, 2, 4, 6, 7)},
		{flt(portal.PropCreatedAt, portal.Gt, "2025-06-10"), d(3, 5)},
		{flt(portal.PropCreatedAt, portal.Gte, "2025-06-10"), d(1, 2, 3, 5)},
		{flt(portal.PropCreatedAt, portal.Between, "2025-06-09", "2025-06-10"), d(1, 2, 4)},
		{flt(portal.PropCreatedAt, portal.Between, "2025-05-16", "2025-05-16"), d(6, 7)},
		// An RFC 3339 value is its instant, to the microsecond, in any offset.
		{flt(portal.PropCreatedAt, portal.Eq, "2025-06-10T23:59:59.999999Z"), d(2)},
		{flt(portal.PropCreatedAt, portal.Ne, "2025-06-10T23:59:59.999999Z"), d(1, 3, 4, 5, 6, 7)},
		{flt(portal.PropCreatedAt, portal.Gt, "2025-06-10T00:00:00Z"), d(2, 3, 5)},
		{flt(portal.PropCreatedAt, portal.Gte, "2025-06-10T00:00:00Z"), d(1, 2, 3, 5)},
		{flt(portal.PropCreatedAt, portal.Lt, "2025-06-11T01:00:00+02:00"), d(1, 4, 6, 7)},
		{flt(portal.PropCreatedAt, portal.Lte, "2025-06-10T23:59:59.999999Z"), d(1, 2, 4, 6, 7)},
		{flt(portal.PropCreatedAt, portal.Between, "2025-06-10T00:00:00Z", "2025-06-10T12:00:00Z"), d(1)},
		{flt(portal.PropCreatedAt, portal.Between, "2025-06-09T23:59:59.999999Z", "2025-06-10"), d(1, 2, 4)},
		// N days ago counts back N×24h from the portal's clock.
		{flt(portal.PropCreatedAt, portal.BeforeDaysAgo, "30"), d(7)},
		{flt(portal.PropCreatedAt, portal.AfterDaysAgo, "30"), d(1, 2, 3, 4, 5)},
		{flt(portal.PropCreatedAt, portal.AfterDaysAgo, "1"), d(5)},
		{flt(portal.PropCreatedAt, portal.BeforeDaysAgo, "5"), d(1, 4, 6, 7)},
		{flt(portal.PropCreatedAt, portal.BeforeDaysAgo, "0"), d(1, 2, 3, 4, 5, 6, 7)},
		{flt(portal.PropCreatedAt, portal.AfterDaysAgo, "0"), nil},
		{flt(portal.PropCreatedAt, portal.IsKnown), d(1, 2, 3, 4, 5, 6, 7)},
		{flt(portal.PropCreatedAt, portal.IsUnknown), nil},
		{flt(portal.PropLastActivityAt, portal.Eq, "2025-06-15"), d(3)},
		{flt(portal.PropLastActivityAt, portal.AfterDaysAgo, "1"), d(3, 5)},
		// A custom date: unknown matches only is_unknown.
		{flt("dueDate", portal.IsUnknown), d(3, 4, 6, 7)},
		{flt("dueDate", portal.IsKnown), d(1, 2, 5)},
		{flt("dueDate", portal.Ne, "2025-07-01"), d(2, 5)},
		{flt("dueDate", portal.Lt, "2025-06-15"), d(2)},
		{flt("dueDate", portal.Gte, "2025-06-15"), d(1, 5)},
		{flt("dueDate", portal.Eq, "2025-06-15T12:00:00Z"), d(5)},
		{flt("dueDate", portal.AfterDaysAgo, "0"), d(1)},
		{flt("dueDate", portal.BeforeDaysAgo, "0"), d(2)},
		{flt("dueDate", portal.Between, "2025-06-01", "2025-06-30"), d(2, 5)},
	})
}

// The same relative filter on the same data gives another answer at
// another time: a store counts from the query's Now, not its own clock, and
// keeps no answer made for another Now.
// covers: S5
func testFilterDaysAgoFollowNow(t *testing.T, s portal.Store) {
	w := newDateWorld(t, s)
	later, err := portal.New(s, portal.Options{Now: func() time.Time { return listNow.AddDate(0, 0, 30) }})
	if !assert.NoError(t, err) {
		return
	}
	for _, tc := range []struct {
		f             portal.Filter
		now, in30Days []string
	}{
		{flt(portal.PropCreatedAt, portal.AfterDaysAgo, "1"), dateTickets[4:5], nil},
		{flt(portal.PropCreatedAt, portal.AfterDaysAgo, "31"), dateTickets, dateTickets[4:5]},
		{flt(portal.PropCreatedAt, portal.BeforeDaysAgo, "30"), dateTickets[6:], dateTickets},
	} {
		q := bySubject
		q.Filters = []portal.Filter{tc.f}
		for range 2 { // and again, after the other clock
			assertNames(t, tc.now, w.list(w.v, q), "%v now", tc.f)
			tv, err := later.ListTickets(ctx(t), w.v, portal.ListQuery{Sort: portal.PropSubject, Filters: q.Filters, Limit: 50})
			if assert.NoError(t, err) {
				assertNames(t, tc.in30Days, w.names(tv.Rows), "%v in 30 days", tc.f)
			}
		}
	}
}

// covers: S5, S8, P2
func testFilterEnumeration(t *testing.T, s portal.Store) {
	w := newFilterWorld(t, s)
	w.property(portal.Property{Name: "tier", Label: "Tier", Type: portal.Enumeration, Options: []portal.Option{
		{Value: "gold", Label: "Gold"}, {Value: "silver", Label: "Silver"}, {Value: "bronze", Label: "Bronze"}}})
	w.columns(portal.PropSubject, portal.PropPriority, "tier", portal.PropOwner, portal.PropStage, portal.PropStatus,
		portal.PropRequestedBy, portal.PropChannel, portal.PropPipeline)
	ida, ole := w.owner("Ida", "Holm", ""), w.owner("Ole", "Lund", "")
	tier := func(v string) portal.Properties { return portal.Properties{"tier": v} }
	ch := w.channel.ID
	w.mine(portal.Ticket{Subject: "E1", Priority: portal.PriorityLow, Properties: tier("gold"), OwnerID: ida.ID, ChannelID: ch})
	w.mine(portal.Ticket{Subject: "E2", Priority: portal.PriorityHigh, Properties: tier("silver"), OwnerID: ole.ID,
		StageID: w.stage("Waiting"), ChannelID: ch})
	w.ticket(portal.Ticket{Subject: "E3", StageID: w.stage("Solved"), ContactIDs: []uuid.UUID{w.ann.ID}})
	w.mine(portal.Ticket{Subject: "E4", Priority: portal.PriorityUrgent, Properties: tier("bronze"), OwnerID: ida.ID,
		StageID: w.stage("Rejected"), ChannelID: ch})
	w.mine(portal.Ticket{Subject: "E5", Priority: portal.PriorityMedium, Properties: tier("gold"), ChannelID: ch})
	w.decoy(portal.Ticket{Subject: "E0 decoy", Priority: portal.PriorityLow, Properties: tier("gold"), OwnerID: ida.ID, ChannelID: ch})

	id := func(x uuid.UUID) string { return x.String() }
	all := []string{"E1", "E2", "E3", "E4", "E5"}
	w.checkFilters(w.v, []filterCase{
		{flt(portal.PropPriority, portal.IsAnyOf, "low", "urgent"), []string{"E1", "E4"}},
		{flt(portal.PropPriority, portal.IsNoneOf, "low"), []string{"E2", "E4", "E5"}},
		{flt(portal.PropPriority, portal.IsNoneOf, "low", "medium", "high", "urgent"), nil},
		{flt(portal.PropPriority, portal.IsKnown), []string{"E1", "E2", "E4", "E5"}},
		{flt(portal.PropPriority, portal.IsUnknown), []string{"E3"}},
		{flt("tier", portal.IsAnyOf, "gold"), []string{"E1", "E5"}},
		{flt("tier", portal.IsAnyOf, "silver", "bronze"), []string{"E2", "E4"}},
		{flt("tier", portal.IsNoneOf, "gold"), []string{"E2", "E4"}},
		{flt("tier", portal.IsKnown), []string{"E1", "E2", "E4", "E5"}},
		{flt("tier", portal.IsUnknown), []string{"E3"}},
		{flt(portal.PropOwner, portal.IsAnyOf, id(ida.ID)), []string{"E1", "E4"}},
		{flt(portal.PropOwner, portal.IsAnyOf, id(ida.ID), id(ole.ID)), []string{"E1", "E2", "E4"}},
		{flt(portal.PropOwner, portal.IsAnyOf, uuid.NewString()), nil},
		{flt(portal.PropOwner, portal.IsNoneOf, id(ida.ID)), []string{"E2"}},
		{flt(portal.PropOwner, portal.IsKnown), []string{"E1", "E2", "E4"}},
		{flt(portal.PropOwner, portal.IsUnknown), []string{"E3", "E5"}},
		{flt(portal.PropStage, portal.IsAnyOf, id(w.stage("Solved")), id(w.stage("Waiting"))), []string{"E2", "E3"}},
		{flt(portal.PropStage, portal.IsNoneOf, id(w.stage("New"))), []string{"E2", "E3", "E4"}},
		{flt(portal.PropStage, portal.IsKnown), all},
		{flt(portal.PropStage, portal.IsUnknown), nil},
		{flt(portal.PropStatus, portal.IsAnyOf, "closed"), []string{"E3", "E4"}},
		{flt(portal.PropStatus, portal.IsNoneOf, "closed"), []string{"E1", "E2", "E5"}},
		{flt(portal.PropStatus, portal.IsAnyOf, "open", "closed"), all},
		{flt(portal.PropStatus, portal.IsKnown), all},
		{flt(portal.PropStatus, portal.IsUnknown), nil},
		{flt(portal.PropRequestedBy, portal.IsAnyOf, id(w.ann.ID)), []string{"E1", "E2", "E4", "E5"}},
		{flt(portal.PropRequestedBy, portal.IsNoneOf, id(w.ann.ID)), nil},
		{flt(portal.PropRequestedBy, portal.IsNoneOf, id(w.bob.ID)), []string{"E1", "E2", "E4", "E5"}},
		{flt(portal.PropRequestedBy, portal.IsUnknown), []string{"E3"}},
		{flt(portal.PropChannel, portal.IsAnyOf, id(ch)), []string{"E1", "E2", "E4", "E5"}},
		{flt(portal.PropChannel, portal.IsUnknown), []string{"E3"}},
		{flt(portal.PropPipeline, portal.IsAnyOf, id(w.pipeline.ID)), all},
		{flt(portal.PropPipeline, portal.IsNoneOf, id(w.pipeline.ID)), nil},
	})

	// Several customer filters are AND-ed.
	q := bySubject
	q.Filters = []portal.Filter{flt(portal.PropPriority, portal.IsNoneOf, "low"), flt(portal.PropOwner, portal.IsKnown)}
	assert.Equal(t, []string{"E2", "E4"}, w.list(w.v, q))
	q.Filters = append(q.Filters, flt("tier", portal.IsAnyOf, "gold", "silver"))
	assert.Equal(t, []string{"E2"}, w.list(w.v, q))
}

// covers: S5, S8, P2
func testFilterBoolean(t *testing.T, s portal.Store) {
	w := newFilterWorld(t, s)
	w.property(portal.Property{Name: "warranty", Label: "Warranty", Type: portal.Boolean})
	w.columns(portal.PropSubject, "warranty")
	w.mine(portal.Ticket{Subject: "B1 yes", Properties: portal.Properties{"warranty": true}})
	w.mine(portal.Ticket{Subject: "B2 no", Properties: portal.Properties{"warranty": false}})
	w.mine(portal.Ticket{Subject: "B3 unknown"})
	w.decoy(portal.Ticket{Subject: "B0 decoy", Properties: portal.Properties{"warranty": false}})
	w.checkFilters(w.v, []filterCase{
		{flt("warranty", portal.Eq, "true"), []string{"B1 yes"}},
		{flt("warranty", portal.Eq, "false"), []string{"B2 no"}},
		{flt("warranty", portal.Ne, "true"), []string{"B2 no"}},
		{flt("warranty", portal.Ne, "false"), []string{"B1 yes"}},
		{flt("warranty", portal.IsKnown), []string{"B1 yes", "B2 no"}},
		{flt("warranty", portal.IsUnknown), []string{"B3 unknown"}},
	})
}

// ListQuery.Status is open or closed by the state of the ticket's stage,
// as the pipeline says now.
// covers: P2, S8
func testFilterStatus(t *testing.T, s portal.Store) {
	w := newFilterWorld(t, s)
	w.columns(portal.PropSubject, portal.PropPriority, portal.PropStatus)
	for _, tc := range []struct{ subject, stage string }{
		{"S1 new", "New"}, {"S2 waiting", "Waiting"}, {"S3 solved", "Solved"}, {"S4 rejected", "Rejected"}, {"S5 new", "New"},
	} {
		w.mine(portal.Ticket{Subject: tc.subject, StageID: w.stage(tc.stage), Priority: portal.PriorityHigh})
	}
	w.decoy(portal.Ticket{Subject: "S0 decoy", StageID: w.stage("Solved")})
	status := func(st string) portal.ListQuery { q := bySubject; q.Status = st; return q }
	assert.Equal(t, []string{"S1 new", "S2 waiting", "S3 solved", "S4 rejected", "S5 new"}, w.list(w.v, status("")), "both by default (P1)")
	assert.Equal(t, []string{"S1 new", "S2 waiting", "S5 new"}, w.list(w.v, status(portal.StatusOpen)))
	assert.Equal(t, []string{"S3 solved", "S4 rejected"}, w.list(w.v, status(portal.StatusClosed)))
	q := status(portal.StatusClosed)
	q.Filters = []portal.Filter{flt(portal.PropSubject, portal.ContainsAny, "rej")}
	assert.Equal(t, []string{"S4 rejected"}, w.list(w.v, q), "status and column filters are AND-ed")
	q.Filters = []portal.Filter{flt(portal.PropStatus, portal.IsAnyOf, portal.StatusOpen)}
	assert.Empty(t, w.list(w.v, q), "closed and open at once")

	// "Waiting" becomes a closed stage and "Solved" an open one.
	w.savePipeline(func(pl *portal.Pipeline) {
		for i := range pl.Stages {
			switch pl.Stages[i].Name {
			case "Waiting":
				pl.Stages[i].State = portal.StageClosed
			case "Solved":
				pl.Stages[i].State = portal.StageOpen
			}
		}
	})
	assert.Equal(t, []string{"S1 new", "S3 solved", "S5 new"}, w.list(w.v, status(portal.StatusOpen)))
	assert.Equal(t, []string{"S2 waiting", "S4 rejected"}, w.list(w.v, status(portal.StatusClosed)))
	tv := w.view(w.v, status(portal.StatusClosed))
	for _, r := range tv.Rows {
		assert.True(t, r.Closed, w.subject[r.ID])
		assert.Equal(t, portal.ClosedLabel, r.Cells[2].Text, w.subject[r.ID])
	}

	// A ticket moved to another stage changes status.
	w.update("S1 new", func(tk *portal.Ticket) { tk.StageID = w.stage("Rejected") })
	assert.Equal(t, []string{"S3 solved", "S5 new"}, w.list(w.v, status(portal.StatusOpen)))
	assert.Equal(t, []string{"S1 new", "S2 waiting", "S4 rejected"}, w.list(w.v, status(portal.StatusClosed)))
}

// In every filter the groups are OR-ed and the filters of a group AND-ed;
// the visibility filter and the customer's filters are AND-ed.
// covers: S5, S8, P2
func testFilterGroups(t *testing.T, s portal.Store) {
	w := newFilterWorld(t, s)
	w.property(portal.Property{Name: "tier", Label: "Tier", Type: portal.Enumeration, Options: []portal.Option{
		{Value: "gold", Label: "Gold"}, {Value: "silver", Label: "Silver"}, {Value: "bronze", Label: "Bronze"}}})
	w.columns(portal.PropSubject, portal.PropPriority, "tier", portal.PropOwner, portal.PropStatus)
	ida := w.owner("Ida", "", "")
	tier := func(v string) portal.Properties { return portal.Properties{"tier": v} }
	w.mine(portal.Ticket{Subject: "G1", Priority: portal.PriorityLow, Properties: tier("gold"), OwnerID: ida.ID})
	w.mine(portal.Ticket{Subject: "G2", Priority: portal.PriorityHigh, Properties: tier("silver"), OwnerID: ida.ID})
	w.mine(portal.Ticket{Subject: "G3", StageID: w.stage("Solved")})
	w.mine(portal.Ticket{Subject: "G4", Priority: portal.PriorityUrgent, Properties: tier("bronze"), OwnerID: ida.ID, StageID: w.stage("Rejected")})
	w.mine(portal.Ticket{Subject: "G5", Priority: portal.PriorityMedium, Properties: tier("gold")})
	w.decoy(portal.Ticket{Subject: "G0 decoy", Priority: portal.PriorityHigh, Properties: tier("silver")})

	for _, tc := range []struct {
		g    portal.FilterGroups
		want []string
	}{
		{nil, []string{"G1", "G2", "G3", "G4", "G5"}},
		{portal.FilterGroups{
			{flt(portal.PropPriority, portal.IsAnyOf, "high", "urgent"), flt("tier", portal.IsAnyOf, "silver")},
			{flt(portal.PropOwner, portal.IsUnknown)},
		}, []string{"G2", "G3", "G5"}},
		{portal.FilterGroups{{flt(portal.PropPriority, portal.IsAnyOf, "low"), flt("tier", portal.IsAnyOf, "silver")}}, nil},
		{portal.FilterGroups{{flt(portal.PropPriority, portal.IsAnyOf, "low")}, {flt("tier", portal.IsAnyOf, "silver")}}, []string{"G1", "G2"}},
		{portal.FilterGroups{
			{flt(portal.PropStatus, portal.IsAnyOf, "closed"), flt(portal.PropPriority, portal.IsKnown)},
			{flt(portal.PropSubject, portal.EqualsAny, "g1"), flt(portal.PropSubject, portal.StartsWith, "G")},
			{flt(portal.PropSubject, portal.EqualsAny, "g5"), flt(portal.PropSubject, portal.StartsWith, "X")},
		}, []string{"G1", "G4"}},
	} {
		w.visibility(tc.g)
		assertNames(t, tc.want, w.list(w.v, bySubject), "visibility %v", tc.g)
	}

	w.visibility(portal.FilterGroups{
		{flt(portal.PropPriority, portal.IsAnyOf, "high", "urgent"), flt("tier", portal.IsAnyOf, "silver")},
		{flt(portal.PropOwner, portal.IsUnknown)},
	})
	q := bySubject
	q.Status = portal.StatusOpen
	assert.Equal(t, []string{"G2", "G5"}, w.list(w.v, q))
	q.Status = portal.StatusClosed
	assert.Equal(t, []string{"G3"}, w.list(w.v, q))
	q = bySubject
	q.Filters = []portal.Filter{flt("tier", portal.IsKnown)}
	assert.Equal(t, []string{"G2", "G5"}, w.list(w.v, q))
	q.Filters = []portal.Filter{flt(portal.PropOwner, portal.IsKnown)}
	assert.Equal(t, []string{"G2"}, w.list(w.v, q))
}
