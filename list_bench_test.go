package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
)

// benchSizes are the tenant sizes of BenchmarkList; PORTAL_BENCH_TICKETS (a
// comma-separated list) overrides them.
func benchSizes(b *testing.B) []int {
	s := os.Getenv("PORTAL_BENCH_TICKETS")
	if s == "" {
		return []int{10_000, 100_000}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < portaltest.ListBenchCompany {
			b.Fatalf("PORTAL_BENCH_TICKETS=%q: sizes of at least %d", s, portaltest.ListBenchCompany)
		}
		out = append(out, n)
	}
	return out
}

// listWorld is BenchmarkList's helpdesk (portaltest.ListBench) on the
// memory store, and the hand-coded loop's own index of the listed company:
// the same the memory store keeps.
type listWorld struct {
	p       *portal.Portal
	st      *memstore.Store
	viewer  portal.Viewer
	query   portal.ListQuery
	company uuid.UUID
	me      uuid.UUID
	owners  []portal.Owner
	names   map[uuid.UUID]string // contact names
	closed  map[uuid.UUID]bool
	// The hand-coded loop's own index: the same the memory store keeps.
	byContact, byCompany map[uuid.UUID][]*portal.Ticket
	folded               map[uuid.UUID]string
}

// benchPortal is a portal on a new memory store, whose time stands at
// clock; the benchmarks fill the store straight.
func benchPortal(b *testing.B) (*portal.Portal, *memstore.Store) {
	b.Helper()
	st := memstore.New()
	p, err := portal.New(st, portal.Options{Now: func() time.Time { return clock }})
	if err != nil {
		b.Fatal(err)
	}
	return p, st
}

func newListWorld(b *testing.B, n int) *listWorld {
	b.Helper()
	ctx := context.Background()
	p, st := benchPortal(b)
	bench, err := portaltest.NewListBench(ctx, p, n, clock, func(ctx context.Context, _ int, tickets []portal.Ticket) error {
		for _, t := range tickets {
			if err := st.PutTicket(ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	w := &listWorld{p: p, st: st, viewer: bench.Viewer, query: bench.Query, company: bench.Company,
		me: bench.Viewer.ContactID, owners: bench.Owners, names: bench.Names, closed: map[uuid.UUID]bool{bench.Closed: true},
		byContact: map[uuid.UUID][]*portal.Ticket{}, byCompany: map[uuid.UUID][]*portal.Ticket{}, folded: map[uuid.UUID]string{}}
	for i := range bench.Tickets {
		t := &bench.Tickets[i]
		for _, c := range t.ContactIDs {
			w.byContact[c] = append(w.byContact[c], t)
		}
		for _, co := range t.CompanyIDs {
			w.byCompany[co] = append(w.byCompany[co], t)
		}
		w.folded[t.ID] = portal.SearchText(t)
	}
	return w
}

// handcoded is what a developer would write without the library: the same
// indexes, the same predicate and sort, the same six cells.
func (w *listWorld) handcoded() [][]string {
	wanted := map[uuid.UUID]bool{w.owners[0].ID: true, w.owners[1].ID: true, w.owners[2].ID: true}
	term := portal.Fold("printer")
	var hits []*portal.Ticket
	visit := func(t *portal.Ticket) {
		if !portal.ContainsFold(t.Subject, "[spam]") && t.Priority != portal.PriorityLow && wanted[t.OwnerID] &&
			strings.Contains(w.folded[t.ID], term) {
			hits = append(hits, t)
		}
	}
	own := w.byContact[w.me]
	for _, t := range own {
		visit(t)
	}
	for _, t := range w.byCompany[w.company] {
		if !slices.Contains(t.ContactIDs, w.me) {
			visit(t)
		}
	}
	slices.SortFunc(hits, func(a, b *portal.Ticket) int {
		if c := b.LastActivityAt.Compare(a.LastActivityAt); c != 0 {
			return c
		}
		return bytes.Compare(b.ID[:], a.ID[:])
	})
	hits = hits[:min(25, len(hits))]
	rows := make([][]string, len(hits))
	for i, t := range hits {
		status := "Open"
		if w.closed[t.StageID] {
			status = "Closed"
		}
		owner := ""
		for _, o := range w.owners {
			if o.ID == t.OwnerID {
				owner = o.FirstName
			}
		}
		rows[i] = []string{t.Subject, w.names[t.RequesterID], t.CreatedAt.UTC().Format(portal.DateLayout), owner,
			t.LastActivityAt.UTC().Format(portal.DateLayout), status}
	}
	return rows
}

// BenchmarkList lists one page (25) of a company's tickets with a
// visibility filter, a customer filter, a search and a sort, through the
// Portal on the memory store, beside a hand-written loop over the same
// indexes. The listed company has the same tickets at every size, so
// portal at the larger size should cost what it does at the smaller. Each
// portal iteration first writes to the tenant, so the store's cached result
// of the previous iteration cannot serve it: this is the cost of a first
// page.
func BenchmarkList(b *testing.B) {
	for _, n := range benchSizes(b) {
		w := newListWorld(b, n)
		ctx := context.Background()
		tv, err := w.p.ListTickets(ctx, w.viewer, w.query)
		if err != nil {
			b.Fatal(err)
		}
		want := w.handcoded()
		if len(tv.Rows) != len(want) || len(want) == 0 {
			b.Fatalf("portal has %d rows, handcoded %d", len(tv.Rows), len(want))
		}
		for i, r := range tv.Rows {
			for j, c := range r.Cells {
				if c.Text != want[i][j] {
					b.Fatalf("row %d cell %d: portal %q, handcoded %q", i, j, c.Text, want[i][j])
				}
			}
		}
		list := portal.ContactList{PortalID: w.viewer.PortalID, Name: "touch"}
		b.Run(fmt.Sprintf("tickets=%d/portal", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				if _, err := w.p.SaveContactList(ctx, list); err != nil { // a write: no cached result
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := w.p.ListTickets(ctx, w.viewer, w.query); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("tickets=%d/handcoded", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(w.handcoded()) == 0 {
					b.Fatal("no rows")
				}
			}
		})
	}
}

// BenchmarkFilter evaluates a 3-group × 3-filter rule (text, number,
// enumeration and date operators) over 1,000 tickets: compiled by the
// portal, and hand-written; and one contact-side expression rule (X2).
// ns/ticket is the figure to compare.
func BenchmarkFilter(b *testing.B) {
	schema := testSchemaB(b)
	groups := portal.FilterGroups{
		{{Property: "subject", Operator: portal.ContainsAny, Values: []string{"printer"}},
			{Property: "priority", Operator: portal.IsAnyOf, Values: []string{"high", "urgent"}},
			{Property: "createdAt", Operator: portal.AfterDaysAgo, Values: []string{"30"}}},
		{{Property: "orderNumber", Operator: portal.Gt, Values: []string{"100"}},
			{Property: "subject", Operator: portal.NotContainsAny, Values: []string{"spam"}},
			{Property: "lastActivityAt", Operator: portal.Between, Values: []string{"2026-01-01", "2026-06-30"}}},
		{{Property: "priority", Operator: portal.IsNoneOf, Values: []string{"low"}},
			{Property: "orderNumber", Operator: portal.Lte, Values: []string{"50"}},
			{Property: "subject", Operator: portal.StartsWith, Values: []string{"re"}}},
	}
	f, err := portal.CompileTicketFilter(groups, schema)
	if err != nil {
		b.Fatal(err)
	}
	priorities := []portal.Priority{portal.PriorityLow, portal.PriorityMedium, portal.PriorityHigh, portal.PriorityUrgent}
	tickets := make([]portal.Ticket, 1000)
	for i := range tickets {
		at := clock.Add(-time.Duration(i*37%400) * 24 * time.Hour)
		tickets[i] = portal.Ticket{Subject: portaltest.ListBenchSubjects[i%len(portaltest.ListBenchSubjects)], Priority: priorities[i%4],
			CreatedAt: at, LastActivityAt: at.Add(time.Hour), Properties: portal.Properties{"orderNumber": float64(i % 200)}}
	}
	env := &portal.Env{Now: clock}
	lo := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	monthAgo := clock.Add(-30 * 24 * time.Hour)
	hand := func(t *portal.Ticket) bool {
		n, ok := t.Properties["orderNumber"].(float64)
		return portal.ContainsFold(t.Subject, "printer") && (t.Priority == portal.PriorityHigh || t.Priority == portal.PriorityUrgent) && t.CreatedAt.After(monthAgo) ||
			ok && n > 100 && !portal.ContainsFold(t.Subject, "spam") && !t.LastActivityAt.Before(lo) && t.LastActivityAt.Before(hi) ||
			t.Priority != "" && t.Priority != portal.PriorityLow && ok && n <= 50 && portal.HasPrefixFold(t.Subject, "re")
	}
	matches := 0
	for i := range tickets {
		if f.Match(&tickets[i], env) != hand(&tickets[i]) {
			b.Fatalf("ticket %d: compiled and hand-written disagree", i)
		}
		if hand(&tickets[i]) {
			matches++
		}
	}
	if matches == 0 || matches == len(tickets) {
		b.Fatalf("%d of %d match: not a useful rule", matches, len(tickets))
	}
	perTicket := func(b *testing.B, match func(*portal.Ticket) bool) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range tickets {
				match(&tickets[i])
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tickets)), "ns/ticket")
	}
	b.Run("compiled", func(b *testing.B) { perTicket(b, func(t *portal.Ticket) bool { return f.Match(t, env) }) })
	b.Run("handwritten", func(b *testing.B) { perTicket(b, hand) })
	b.Run("expression", func(b *testing.B) {
		prog, err := expr.Compile(`contact.Email endsWith "@acme.dk" && company.Properties["tier"] == "gold"`,
			expr.Env(portal.RuleEnv{}), expr.AsBool())
		if err != nil {
			b.Fatal(err)
		}
		renv := portal.RuleEnv{Contact: portal.RuleContact{Email: "ann@acme.dk"},
			Company: portal.RuleCompany{Properties: map[string]any{"tier": "gold"}}}
		var machine vm.VM
		b.ReportAllocs()
		for b.Loop() {
			out, err := machine.Run(prog, renv)
			if err != nil || out != true {
				b.Fatal(out, err)
			}
		}
	})
}

func testSchemaB(b *testing.B) portal.Schema {
	s, err := portal.NewSchema(portal.PropertyDef{Object: portal.TicketObject,
		Property: portal.Property{Name: "orderNumber", Label: "Order number", Type: portal.Number}})
	if err != nil {
		b.Fatal(err)
	}
	return s
}
