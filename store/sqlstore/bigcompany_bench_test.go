package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
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
//	go test -run '^$' -bench 'BenchmarkBigCompany$' -benchtime 200x ./store/sqlstore
//	go test -run '^$' -bench BenchmarkBigCompanyExport -benchtime 2x ./store/sqlstore

// bigSizes are the company sizes of the big-company benchmarks.
func bigSizes(b *testing.B) []int {
	s := os.Getenv("PORTAL_BENCH_COMPANY")
	if s == "" {
		return []int{1_000, 10_000, 100_000}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1000 {
			b.Fatalf("PORTAL_BENCH_COMPANY=%q: sizes of at least 1000", s)
		}
		out = append(out, n)
	}
	return out
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
			subject := fmt.Sprintf("%s (%d)", benchSubjects[i%len(benchSubjects)], i)
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
	_, contacts := company("Enterprise A/S", n)
	w.viewer = portal.Viewer{PortalID: pid, ContactID: contacts[0].ID}
	w.other, _ = company("Lille Firma ApS", 1000)
	if bs.name == string(sqlstore.Postgres) {
		// As after a bulk load: statistics, and the visibility map,
		// or autovacuum does both during the first measurements.
		_, err := db.Exec("VACUUM ANALYZE")
		must(err)
	}
	s, err := p.Settings(ctx, pid)
	must(err)
	s.Enabled, s.DefaultChannel = true, desk.ID
	s.Permissions.Scope = portal.CompanyTickets
	s.Display.Visibility = portal.FilterGroups{{{Property: "subject", Operator: portal.NotContainsAny, Values: []string{"[spam]"}}}}
	_, err = p.SaveSettings(ctx, pid, s)
	must(err)
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
}

// BenchmarkBigCompany lists one page of each of bigQueries, each after a
// write to the tenant, through the Portal on every store and size.
func BenchmarkBigCompany(b *testing.B) {
	ctx := context.Background()
	eachBigWorld(b, func(b *testing.B, w *bigWorld) {
		for _, bq := range bigQueries {
			q := bq.query
			for range bq.pages {
				tv, err := w.p.ListTickets(ctx, w.viewer, q)
				if err != nil || tv.Next == "" {
					b.Fatalf("%s: page before: %v", bq.name, err)
				}
				q.Cursor = tv.Next
			}
			tv, err := w.p.ListTickets(ctx, w.viewer, q)
			if err != nil || len(tv.Rows) == 0 {
				b.Fatalf("%s: %d rows, %v", bq.name, len(tv.Rows), err)
			}
			if bq.name == "search-rare" && len(tv.Rows) != rareTickets {
				b.Fatalf("%s: %d rows, want %d", bq.name, len(tv.Rows), rareTickets)
			}
			b.Run(bq.name, func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					b.StopTimer()
					w.touch(b)
					b.StartTimer()
					if _, err := w.p.ListTickets(ctx, w.viewer, q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

// eachBigWorld runs fn as sub-benchmarks <store>/tickets=<n> with a big
// world of each store and size; a world is made only for a sub-benchmark
// that -bench selects.
func eachBigWorld(b *testing.B, fn func(b *testing.B, w *bigWorld)) {
	for _, bs := range bigStores(b) {
		b.Run(bs.name, func(b *testing.B) {
			for _, n := range bigSizes(b) {
				b.Run(fmt.Sprintf("tickets=%d", n), func(b *testing.B) { fn(b, newBigWorld(b, bs, n)) })
			}
		})
	}
}

// BenchmarkBigCompanyExport exports the Organization view, newest activity
// first, through the Portal on every store and size: ns/row should not grow
// with the company. (TestSQLExportMemoryIsFlat holds its live heap.)
func BenchmarkBigCompanyExport(b *testing.B) {
	ctx := context.Background()
	q := portal.ListQuery{Sort: portal.PropLastActivityAt, Desc: true}
	eachBigWorld(b, func(b *testing.B, w *bigWorld) {
		b.Run("export", func(b *testing.B) {
			b.ReportAllocs()
			rows := 0
			for range b.N {
				b.StopTimer()
				w.touch(b)
				b.StartTimer()
				got, err := w.p.ExportCSV(ctx, w.viewer, q, io.Discard, portal.CSVOptions{})
				if err != nil || got == 0 {
					b.Fatal(got, err)
				}
				rows += got
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
		})
	})
}
