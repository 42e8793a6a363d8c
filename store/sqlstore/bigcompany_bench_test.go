package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// The big-company benchmarks (X6): one company of an enterprise customer
// holding n tickets, a contact of it with company scope, and the pages a
// customer asks for most, on every store. Their goal is growth: a page
// must cost about the same whatever n is, so compare a query at the sizes
// of one run. PORTAL_BENCH_COMPANY (a comma-separated list of sizes)
// replaces the default 1,000, 10,000 and 100,000 (1,000,000 is a size too).
//
//	go test -run '^$' -bench 'BenchmarkBigCompany$' -benchtime 60x ./store/sqlstore
//	go test -run '^$' -bench BenchmarkBigCompanyExport -benchtime 3x ./store/sqlstore

// bigSizes are the company sizes of the big-company benchmarks.
func bigSizes(b testing.TB) []int {
	return envSizes(b, "PORTAL_BENCH_COMPANY", []int{1_000, 10_000, 100_000}, 1000)
}

// bigStore is a store the big-company benchmarks run on: open returns a
// new one, the way to load tickets into it in bulk, and for a SQL store
// its database.
type bigStore struct {
	name string
	open func(b testing.TB) (portal.Store, loader, *sql.DB)
}

type loader func(ctx context.Context, pid uuid.UUID, ts []portal.Ticket) error

// bigStores are the memory store and every SQL dialect whose server is
// set. SQL stores are loaded with the store's bulk ticket write.
func bigStores(b testing.TB) []bigStore {
	out := []bigStore{{"memory", func(testing.TB) (portal.Store, loader, *sql.DB) {
		st := memstore.New()
		return st, func(ctx context.Context, _ uuid.UUID, ts []portal.Ticket) error {
			for _, t := range ts {
				if err := st.PutTicket(ctx, t); err != nil {
					return err
				}
			}
			return nil
		}, nil
	}}}
	for _, d := range dialects(b) {
		out = append(out, bigStore{string(d.name), func(b testing.TB) (portal.Store, loader, *sql.DB) {
			db := d.db(b, d.fresh(b))
			st, err := sqlstore.Open(context.Background(), db, d.name)
			if err != nil {
				b.Fatal(err)
			}
			return st, func(ctx context.Context, pid uuid.UUID, ts []portal.Ticket) error {
				return sqlstore.PutTickets(ctx, st, pid, ts)
			}, db
		}})
	}
	return out
}

// rareTerm is in rareTickets of the company's tickets at every size: an
// order number a customer looks up.
const (
	rareTerm    = "qx7z9k"
	rareTickets = 5
)

// bigWorld is a tenant with one big company.
type bigWorld struct {
	p      *portal.Portal
	st     portal.Store
	db     *sql.DB // of a SQL store
	pid    uuid.UUID
	viewer portal.Viewer
	other  portal.Ticket // of another company: written before each page
	n      int
	tick   int
}

func newBigWorld(b testing.TB, bs bigStore, n int) *bigWorld {
	b.Helper()
	ctx := context.Background()
	st, load, db := bs.open(b)
	p, err := portal.New(st, portal.Options{Now: func() time.Time { return clock }})
	if err != nil {
		b.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	w := &bigWorld{p: p, st: st, db: db, n: n}
	tenant, err := p.CreateTenant(ctx, "Big")
	must(err)
	w.pid = tenant.ID
	pid := w.pid
	desk, err := p.SaveChannel(ctx, portal.Channel{PortalID: pid, Name: "Desk", Kind: portal.HelpDesk})
	must(err)
	pl, err := p.SavePipeline(ctx, portal.Pipeline{PortalID: pid, Name: "Support", Stages: []portal.Stage{
		{Name: "New", State: portal.StageOpen}, {Name: "Waiting", State: portal.StageOpen}, {Name: "Closed", State: portal.StageClosed}}})
	must(err)
	var owners []portal.Owner
	for i := range 5 {
		o, err := p.SaveOwner(ctx, portal.Owner{PortalID: pid, FirstName: fmt.Sprintf("Agent %d", i), LastName: "Holm"})
		must(err)
		owners = append(owners, o)
	}
	company := func(name string, tickets int) (portal.Ticket, []portal.Contact) {
		co, err := p.SaveCompany(ctx, portal.Company{PortalID: pid, Name: name})
		must(err)
		var contacts []portal.Contact
		for i := range 20 {
			ct, err := p.SaveContact(ctx, portal.Contact{PortalID: pid, FirstName: fmt.Sprintf("Søren %d", i),
				LastName: "Østergaard", Email: fmt.Sprintf("s%d@%s.example", i, co.ID), CompanyID: co.ID})
			must(err)
			contacts = append(contacts, ct)
		}
		batch := make([]portal.Ticket, 0, 1000)
		var first portal.Ticket
		for i := range tickets {
			ct := contacts[i%len(contacts)]
			tid, _ := uuid.NewV7()
			at := clock.Add(-time.Duration(i*7919%(tickets*10)) * time.Minute)
			subject := fmt.Sprintf("%s (%d)", portaltest.ListBenchSubjects[i%len(portaltest.ListBenchSubjects)], i)
			content := fmt.Sprintf("Hej, vi har et problem med vores udstyr. Sag %d.", i)
			if i%(tickets/rareTickets) == tickets/rareTickets/2 {
				subject, content = fmt.Sprintf("Ordre mangler (%d)", i), content+" Ordrenummer QX7Z9K."
			}
			batch = append(batch, portal.Ticket{ID: tid, PortalID: pid, Subject: subject, Content: content,
				PipelineID: pl.ID, StageID: pl.Stages[i%3].ID, OwnerID: owners[i%len(owners)].ID,
				Priority: portal.PriorityMedium, ChannelID: desk.ID, RequesterID: ct.ID,
				ContactIDs: []uuid.UUID{ct.ID}, CompanyIDs: []uuid.UUID{co.ID},
				CreatedAt: at, LastActivityAt: at.Add(time.Duration(i%50) * time.Hour)})
			if i == 0 {
				first = batch[0]
			}
			if len(batch) == cap(batch) || i == tickets-1 {
				must(load(ctx, pid, batch))
				batch = batch[:0]
			}
		}
		return first, contacts
	}
	// The settings first, as a helpdesk has them before its tickets come:
	// each ticket is loaded under the visibility filter.
	s, err := p.Settings(ctx, pid)
	must(err)
	s.Enabled, s.DefaultChannel = true, desk.ID
	s.Permissions.Scope = portal.CompanyTickets
	s.Display.Columns = append(portal.RecommendedColumns(), portal.Column{Property: portal.PropNumber})
	s.Display.Visibility = portal.FilterGroups{{{Property: "subject", Operator: portal.NotContainsAny, Values: []string{"[spam]"}}}}
	_, err = p.SaveSettings(ctx, pid, s)
	must(err)
	_, contacts := company("Enterprise A/S", n)
	w.viewer = portal.Viewer{PortalID: pid, ContactID: contacts[0].ID}
	w.other, _ = company("Lille Firma ApS", 1000)
	if bs.name == string(sqlstore.Postgres) {
		// As after a bulk load: statistics, and the visibility map,
		// or autovacuum does both during the first measurements.
		_, err := db.Exec("VACUUM ANALYZE")
		must(err)
	}
	return w
}

// touch writes to the tenant (a ticket of the other company), so that the
// next page is a first page after a change.
func (w *bigWorld) touch(b *testing.B) {
	w.tick++
	w.other.Subject = fmt.Sprintf("Printeren virker ikke (%d)", w.tick)
	if _, err := w.p.SaveTicket(context.Background(), w.other); err != nil {
		b.Fatal(err)
	}
}

// bigQueries are the pages the benchmark asks for: every one in the
// Organization view unless it says otherwise.
var bigQueries = []struct {
	name  string
	query portal.ListQuery
	// pages is how many pages to turn before the measured one.
	pages int
}{
	{"newest", portal.ListQuery{Sort: portal.PropLastActivityAt, Desc: true, Limit: 25}, 0},
	{"open-by-created", portal.ListQuery{Status: portal.StatusOpen, Sort: portal.PropCreatedAt, Limit: 25}, 0},
	{"search-common", portal.ListQuery{Search: "printer", Sort: portal.PropLastActivityAt, Desc: true, Limit: 25}, 0},
	{"search-rare", portal.ListQuery{Search: rareTerm, Sort: portal.PropLastActivityAt, Desc: true, Limit: 25}, 0},
	{"owned-by-me", portal.ListQuery{View: portal.OwnedByMe, Sort: portal.PropLastActivityAt, Desc: true, Limit: 25}, 0},
	{"deep", portal.ListQuery{Sort: portal.PropLastActivityAt, Desc: true, Limit: 20}, 40},
	// Ticket numbers (P10): the newest numbers, and one ticket by its own.
	{"by-number", portal.ListQuery{Sort: portal.PropNumber, Desc: true, Limit: 25}, 0},
	{"number-search", portal.ListQuery{Search: "#7", Sort: portal.PropLastActivityAt, Desc: true, Limit: 25}, 0},
	// The same pages with their view's total (P11).
	{"newest+total", portal.ListQuery{Sort: portal.PropLastActivityAt, Desc: true, Limit: 25, Total: true}, 0},
	{"open-by-created+total", portal.ListQuery{Status: portal.StatusOpen, Sort: portal.PropCreatedAt, Limit: 25, Total: true}, 0},
	{"owned-by-me+total", portal.ListQuery{View: portal.OwnedByMe, Sort: portal.PropLastActivityAt, Desc: true, Limit: 25, Total: true}, 0},
}

// BenchmarkBigCompany lists one page of each of bigQueries, each after a
// write to the tenant, through the Portal on every store and size
// (<store>/<query>/tickets=<n>), and measures the growth: growth lists the
// page of the smallest and of the largest company in turn, one after the
// other in one loop, so that the machine's load falls on both alike, and
// reports their times and large/small, the goal's figure.
func BenchmarkBigCompany(b *testing.B) {
	ctx := context.Background()
	eachBigStore(b, func(b *testing.B, worlds []*bigWorld) {
		for _, bq := range bigQueries {
			b.Run(bq.name, func(b *testing.B) {
				queries := make([]portal.ListQuery, len(worlds))
				for i, w := range worlds {
					queries[i] = w.query(b, bq.query, bq.pages, bq.name == "search-rare")
				}
				page := func(b *testing.B, i int) int {
					if _, err := worlds[i].p.ListTickets(ctx, worlds[i].viewer, queries[i]); err != nil {
						b.Fatal(err)
					}
					return 1
				}
				measure(b, worlds, page, "ns/page")
			})
		}
	})
}

// query returns q after turning pages of it, and checks its page.
func (w *bigWorld) query(b *testing.B, q portal.ListQuery, pages int, rare bool) portal.ListQuery {
	ctx := context.Background()
	for range pages {
		tv, err := w.p.ListTickets(ctx, w.viewer, q)
		if err != nil || tv.Next == "" {
			b.Fatalf("%+v: page before: %v", q, err)
		}
		q.Cursor = tv.Next
	}
	tv, err := w.p.ListTickets(ctx, w.viewer, q)
	if err != nil || len(tv.Rows) == 0 {
		b.Fatalf("%+v: %d rows, %v", q, len(tv.Rows), err)
	}
	if rare && len(tv.Rows) != rareTickets {
		b.Fatalf("%+v: %d rows, want %d", q, len(tv.Rows), rareTickets)
	}
	return q
}

// measure runs do (on world i, returning how many units it made) as a
// sub-benchmark per world, tickets=<n>, each run after a write to the
// tenant; and as growth, the smallest and the largest world in turn in one
// loop, reporting the time a unit of each and their ratio.
func measure(b *testing.B, worlds []*bigWorld, do func(b *testing.B, i int) int, unit string) {
	for i, w := range worlds {
		b.Run(fmt.Sprintf("tickets=%d", w.n), func(b *testing.B) {
			b.ReportAllocs()
			units := 0
			for range b.N {
				b.StopTimer()
				w.touch(b)
				b.StartTimer()
				units += do(b, i)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(units), unit)
		})
	}
	if len(worlds) < 2 {
		return
	}
	b.Run("growth", func(b *testing.B) {
		last := len(worlds) - 1
		var took [2]time.Duration
		var units [2]int
		for n := range b.N {
			for k := range 2 {
				side := (n + k) % 2
				w := []int{0, last}[side]
				b.StopTimer()
				worlds[w].touch(b)
				b.StartTimer()
				start := time.Now()
				units[side] += do(b, w)
				took[side] += time.Since(start)
			}
		}
		small := float64(took[0].Nanoseconds()) / float64(units[0])
		large := float64(took[1].Nanoseconds()) / float64(units[1])
		b.ReportMetric(small, fmt.Sprintf("tickets=%d-%s", worlds[0].n, unit))
		b.ReportMetric(large, fmt.Sprintf("tickets=%d-%s", worlds[last].n, unit))
		b.ReportMetric(large/small, "large/small")
		b.ReportMetric(0, "ns/op")
	})
}

// eachBigStore runs fn as a sub-benchmark per store with a big world of
// each size, smallest first; the worlds are made only for a store that
// -bench selects.
func eachBigStore(b *testing.B, fn func(b *testing.B, worlds []*bigWorld)) {
	for _, bs := range bigStores(b) {
		b.Run(bs.name, func(b *testing.B) {
			var worlds []*bigWorld
			for _, n := range slices.Sorted(slices.Values(bigSizes(b))) {
				worlds = append(worlds, newBigWorld(b, bs, n))
			}
			fn(b, worlds)
		})
	}
}

// BenchmarkBigCompanyExport exports the Organization view, newest activity
// first, through the Portal on every store and size, and measures its
// growth as BenchmarkBigCompany does: the time a row should not grow with
// the company. (TestExportMemoryIsFlat holds its live heap.)
func BenchmarkBigCompanyExport(b *testing.B) {
	ctx := context.Background()
	q := portal.ListQuery{Sort: portal.PropLastActivityAt, Desc: true}
	eachBigStore(b, func(b *testing.B, worlds []*bigWorld) {
		b.Run("export", func(b *testing.B) {
			measure(b, worlds, func(b *testing.B, i int) int {
				rows, err := worlds[i].p.ExportCSV(ctx, worlds[i].viewer, q, io.Discard, portal.CSVOptions{})
				if err != nil || rows == 0 {
					b.Fatal(rows, err)
				}
				return rows
			}, "ns/row")
		})
	})
}
