package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"time"
	"testing"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

type spy struct {
	*sqlstore.Store
	last portal.TicketQuery
}

func (s *spy) QueryTickets(ctx context.Context, q portal.TicketQuery) (portal.TicketPage, error) {
	s.last = q
	return s.Store.QueryTickets(ctx, q)
}

func BenchmarkPlan(b *testing.B) {
	for _, d := range dialects(b) {
		if string(d.name) != os.Getenv("PLAN") {
			continue
		}
		w := newSQLWorld(b, d, 10000)
		st, _ := sqlstore.Open(context.Background(), w.db, d.name)
		sp := &spy{Store: st}
		p, _ := portal.New(sp, portal.Options{Now: func() time.Time { return clock }})
		if _, err := p.ListTickets(context.Background(), w.viewer, w.query); err != nil {
			b.Fatal(err)
		}
		text, args := sqlstore.ListSQL(st, sp.last)
		if os.Getenv("HAND") != "" {
			text, args = w.handQuery()
		}
		fmt.Println(text)
		prefix := "EXPLAIN ANALYZE "
		if d.name == sqlstore.MySQL {
			prefix = "EXPLAIN "
		}
		rows, err := w.db.Query(prefix+text, args...)
		if err != nil {
			b.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					fmt.Print(string(bs), " | ")
				} else {
					fmt.Print(v, " | ")
				}
			}
			fmt.Println()
		}
	}
}
