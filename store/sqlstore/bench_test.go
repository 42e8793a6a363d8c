package sqlstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// benchSizes are the tenant sizes of BenchmarkSQLList; PORTAL_BENCH_TICKETS
// (a comma-separated list) overrides them.
func benchSizes(b testing.TB) []int {
	return envSizes(b, "PORTAL_BENCH_TICKETS", []int{10_000, 100_000}, portaltest.ListBenchCompany)
}

// envSizes returns the sizes the environment variable env lists (comma-
// separated), each at least least, or defaults when it is unset.
func envSizes(b testing.TB, env string, defaults []int, least int) []int {
	s := os.Getenv(env)
	if s == "" {
		return defaults
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < least {
			b.Fatalf("%s=%q: sizes of at least %d", env, s, least)
		}
		out = append(out, n)
	}
	return out
}

var clock = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// sqlWorld is BenchmarkList's helpdesk (portaltest.ListBench) on a SQL
// store, its tickets seeded with bulk inserts.
type sqlWorld struct {
	p       *portal.Portal
	db      *sql.DB
	d       sqlstore.Dialect
	pid     uuid.UUID
	viewer  portal.Viewer
	query   portal.ListQuery
	company uuid.UUID
	me      uuid.UUID
	owners  []portal.Owner
	closed  uuid.UUID
	names   map[uuid.UUID]string // contact names
}

func newSQLWorld(b testing.TB, d dialect, n int) *sqlWorld {
	b.Helper()
	ctx := context.Background()
	db := d.db(b, d.fresh(b))
	st, err := sqlstore.Open(ctx, db, d.name)
	if err != nil {
		b.Fatal(err)
	}
	p, err := portal.New(st, portal.Options{Now: func() time.Time { return clock }})
	if err != nil {
		b.Fatal(err)
	}
	analyze := func() error {
		if d.name != sqlstore.Postgres {
			return nil
		}
		_, err := db.Exec("ANALYZE")
		return err
	}
	bench, err := portaltest.NewListBench(ctx, p, n, clock, func(ctx context.Context, c int, tickets []portal.Ticket) error {
		if err := sqlstore.PutTickets(ctx, st, tickets[0].PortalID, tickets); err != nil {
			return err
		}
		if c%10 == 9 {
			// As a bulk load does: statistics that keep up with the
			// tables, or PostgreSQL plans the next batches for the small
			// tables of the last autovacuum's count.
			return analyze()
		}
		return nil
	})
	if err == nil {
		err = analyze()
	}
	if err != nil {
		b.Fatal(err)
	}
	return &sqlWorld{p: p, db: db, d: d.name, pid: bench.Viewer.PortalID, viewer: bench.Viewer, query: bench.Query,
		company: bench.Company, me: bench.Viewer.ContactID, owners: bench.Owners, closed: bench.Closed, names: bench.Names}
}

// handSQL is the page written by hand on the same schema and indexes, as
// well as we can: one statement that cuts the page from the company's and
// the contact's tickets passing the filters and the search, newest activity
// first, by ID and key alone, then reads the page's documents; the page's
// 25 rows ordered in Go, and the same six cells rendered from them (names
// from memory, as the hand-coded loop of BenchmarkList has them).
func (w *sqlWorld) handSQL(ctx context.Context) ([][]string, error) {
	q, args := w.handQuery()
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type row struct {
		t      portal.Ticket
		closed int
	}
	var page []row
	for rows.Next() {
		var doc []byte
		var r row
		if err := rows.Scan(&doc, &r.closed); err != nil {
			return nil, err
		}
		if r.t, err = sqlstore.DecodeTicket(doc); err != nil {
			return nil, err
		}
		page = append(page, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(page, func(a, b row) int {
		if c := b.t.LastActivityAt.Compare(a.t.LastActivityAt); c != 0 {
			return c
		}
		return bytes.Compare(b.t.ID[:], a.t.ID[:])
	})
	out := make([][]string, 0, len(page))
	for _, r := range page {
		t := &r.t
		status := "Open"
		if r.closed == 1 {
			status = "Closed"
		}
		owner := ""
		for _, o := range w.owners {
			if o.ID == t.OwnerID {
				owner = o.FirstName
			}
		}
		out = append(out, []string{t.Subject, w.names[t.RequesterID], t.CreatedAt.UTC().Format(portal.DateLayout), owner,
			t.LastActivityAt.UTC().Format(portal.DateLayout), status})
	}
	return out, nil
}

// handQuery is handSQL's statement and arguments.
func (w *sqlWorld) handQuery() (string, []any) {
	q := `SELECT t.doc, p.closed FROM (
  SELECT t.id, CASE WHEN st.closed = 1 THEN 1 ELSE 0 END AS closed
  FROM (SELECT ticket_id FROM ticket_contacts WHERE portal_id = ? AND contact_id = ?
        UNION SELECT ticket_id FROM ticket_companies WHERE portal_id = ? AND company_id = ?) sc
  ` + sqlstore.DrivingJoin(w.d) + ` tickets t
  LEFT JOIN stages st ON st.portal_id = t.portal_id AND st.id = t.stage_id
  WHERE t.portal_id = ? AND t.id = sc.ticket_id AND NOT (` + sqlstore.Position(w.d, "t.subject_fold") + ` > 0) AND t.priority <> ?
    AND t.owner_id IN (?, ?, ?) AND ` + sqlstore.Position(w.d, "t.search") + ` > 0
  ORDER BY t.last_activity_at DESC, t.id DESC LIMIT 25
) p ` + sqlstore.DrivingJoin(w.d) + ` tickets t WHERE t.portal_id = ? AND t.id = p.id`
	q = sqlstore.Rebind(w.d, q)
	pid := w.pid[:]
	return q, []any{pid, w.me[:], pid, w.company[:], pid,
		[]byte(portal.Fold("[spam]")), []byte("low"), w.owners[0].ID[:], w.owners[1].ID[:], w.owners[2].ID[:], []byte(portal.Fold("printer")), pid}
}

// BenchmarkSQLList lists one page (25) of a company's tickets with a
// visibility filter, a customer filter, a search and a sort — the page of
// BenchmarkList — through the Portal on each SQL store, beside the same
// page written by hand in SQL, and the two paired in one loop for their
// ratio. The listed company has the same tickets at every size.
func BenchmarkSQLList(b *testing.B) {
	for _, d := range dialects(b) {
		for _, n := range benchSizes(b) {
			w := newSQLWorld(b, d, n)
			ctx := context.Background()
			tv, err := w.p.ListTickets(ctx, w.viewer, w.query)
			if err != nil {
				b.Fatal(err)
			}
			want, err := w.handSQL(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if len(tv.Rows) != len(want) || len(want) == 0 {
				b.Fatalf("%s: portal has %d rows, handsql %d", d.name, len(tv.Rows), len(want))
			}
			for i, r := range tv.Rows {
				for j, c := range r.Cells {
					if c.Text != want[i][j] {
						b.Fatalf("%s row %d cell %d: portal %q, handsql %q", d.name, i, j, c.Text, want[i][j])
					}
				}
			}
			b.Run(fmt.Sprintf("%s/tickets=%d/portal", d.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := w.p.ListTickets(ctx, w.viewer, w.query); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%s/tickets=%d/handsql", d.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := w.handSQL(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
			// paired runs the two in turn, each iteration one of each (in
			// alternating order), and reports their times and ratio: the
			// machine's load of the moment falls on both alike, which the
			// sub-benchmarks above, run one after the other, cannot promise.
			b.Run(fmt.Sprintf("%s/tickets=%d/paired", d.name, n), func(b *testing.B) {
				var portalTime, handTime time.Duration
				i := 0
				for b.Loop() {
					for k := range 2 {
						var err error
						start := time.Now()
						if (i+k)%2 == 0 {
							_, err = w.p.ListTickets(ctx, w.viewer, w.query)
							portalTime += time.Since(start)
						} else {
							_, err = w.handSQL(ctx)
							handTime += time.Since(start)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					i++
				}
				b.ReportMetric(float64(portalTime.Nanoseconds())/float64(i), "portal-ns/op")
				b.ReportMetric(float64(handTime.Nanoseconds())/float64(i), "handsql-ns/op")
				b.ReportMetric(float64(portalTime)/float64(handTime), "portal/handsql")
			})
		}
	}
}
