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
		if err != nil || n < companyTickets {
			b.Fatalf("PORTAL_BENCH_TICKETS=%q: sizes of at least %d", s, companyTickets)
		}
		out = append(out, n)
	}
	return out
}

// companyTickets is how many tickets the listed company has at every size.
const companyTickets = 1000

// listWorld is a tenant of n tickets of which the listed company has
// companyTickets; the rest belong to other companies.
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

var benchSubjects = []string{"Printeren virker ikke", "Faktura mangler", "Levering forsinket",
	"Spørgsmål om printer-blæk", "Ændring af adresse", "[spam] Vind en printer", "Reklamation på scanner"}

func newListWorld(b *testing.B, n int) *listWorld {
	b.Helper()
	ctx := context.Background()
	w := &listWorld{st: memstore.New(), names: map[uuid.UUID]string{}, closed: map[uuid.UUID]bool{},
		byContact: map[uuid.UUID][]*portal.Ticket{}, byCompany: map[uuid.UUID][]*portal.Ticket{}, folded: map[uuid.UUID]string{}}
	var err error
	if w.p, err = portal.New(w.st, portal.Options{Now: func() time.Time { return clock }}); err != nil {
		b.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	tenant, err := w.p.CreateTenant(ctx, "Bench")
	must(err)
	pid := tenant.ID
	desk, err := w.p.SaveChannel(ctx, portal.Channel{PortalID: pid, Name: "Desk", Kind: portal.HelpDesk})
	must(err)
	pl, err := w.p.SavePipeline(ctx, portal.Pipeline{PortalID: pid, Name: "Support", Stages: []portal.Stage{
		{Name: "New", State: portal.StageOpen}, {Name: "Waiting", State: portal.StageOpen}, {Name: "Closed", State: portal.StageClosed}}})
	must(err)
	w.closed[pl.Stages[2].ID] = true
	for i := range 5 {
		o, err := w.p.SaveOwner(ctx, portal.Owner{PortalID: pid, FirstName: fmt.Sprintf("Agent %d", i), LastName: "Holm"})
		must(err)
		w.owners = append(w.owners, o)
	}
	priorities := []portal.Priority{portal.PriorityLow, portal.PriorityMedium, portal.PriorityHigh, portal.PriorityUrgent}
	companies := n / companyTickets
	for c := range companies {
		co, err := w.p.SaveCompany(ctx, portal.Company{PortalID: pid, Name: fmt.Sprintf("Firma %d ApS", c)})
		must(err)
		var contacts []portal.Contact
		for i := range 20 {
			ct, err := w.p.SaveContact(ctx, portal.Contact{PortalID: pid, FirstName: fmt.Sprintf("Søren %d", i),
				LastName: "Østergaard", Email: fmt.Sprintf("s%d.%d@firma.example", c, i), CompanyID: co.ID})
			must(err)
			contacts = append(contacts, ct)
			w.names[ct.ID] = ct.Name()
		}
		if c == 0 {
			w.company, w.me = co.ID, contacts[0].ID
		}
		for i := range companyTickets {
			ct := contacts[i%len(contacts)]
			id, _ := uuid.NewV7()
			at := clock.Add(-time.Duration(i*7919%100000) * time.Minute)
			t := portal.Ticket{ID: id, PortalID: pid, Subject: fmt.Sprintf("%s (%d)", benchSubjects[i%len(benchSubjects)], i),
				Content: "Hej, vi har et problem med vores udstyr.", PipelineID: pl.ID, StageID: pl.Stages[i%3].ID,
				OwnerID: w.owners[i%len(w.owners)].ID, Priority: priorities[i%4], ChannelID: desk.ID, RequesterID: ct.ID,
				ContactIDs: []uuid.UUID{ct.ID}, CompanyIDs: []uuid.UUID{co.ID}, CreatedAt: at, LastActivityAt: at.Add(time.Duration(i%50) * time.Hour)}
			must(w.st.PutTicket(ctx, t))
			if c == 0 {
				tp := &t
				w.byContact[ct.ID] = append(w.byContact[ct.ID], tp)
				w.byCompany[co.ID] = append(w.byCompany[co.ID], tp)
				w.folded[id] = portal.SearchText(tp)
			}
		}
	}
	s, err := w.p.Settings(ctx, pid)
	must(err)
	s.Enabled, s.DefaultChannel = true, desk.ID
	s.Permissions.Scope = portal.CompanyTickets
	s.Display.Visibility = portal.FilterGroups{{
		{Property: "subject", Operator: portal.NotContainsAny, Values: []string{"[spam]"}},
		{Property: "priority", Operator: portal.IsNoneOf, Values: []string{"low"}},
	}}
	_, err = w.p.SaveSettings(ctx, pid, s)
	must(err)
	w.viewer = portal.Viewer{PortalID: pid, ContactID: w.me}
	w.query = portal.ListQuery{View: portal.OrganizationTickets, Search: "printer", Sort: "lastActivityAt", Desc: true, Limit: 25,
		Filters: []portal.Filter{{Property: "owner", Operator: portal.IsAnyOf,
			Values: []string{w.owners[0].ID.String(), w.owners[1].ID.String(), w.owners[2].ID.String()}}}}
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
		tickets[i] = portal.Ticket{Subject: benchSubjects[i%len(benchSubjects)], Priority: priorities[i%4],
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
