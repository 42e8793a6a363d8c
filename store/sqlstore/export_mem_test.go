package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
)

// The export of a SQL store streams, by every plan: newest activity first
// (page after page of a walk), by subject (one statement, sorted once), a
// rare search (the search index's tickets, sorted once). The live heap
// while exporting a company of 20,000 tickets is no larger than while
// exporting one of 2,000 (within 2×).
// covers: P7, X6
func TestExportMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("exports 20,000 tickets")
	}
	for _, d := range dialects(t) {
		t.Run(string(d.name), func(t *testing.T) {
			bs := bigStores(t)[1:] // the SQL stores
			for _, s := range bs {
				if s.name != string(d.name) {
					continue
				}
				worlds := map[int]*bigWorld{}
				for _, n := range []int{2_000, 20_000} {
					worlds[n] = newBigWorld(t, s, n)
				}
				for _, q := range []portal.ListQuery{
					{Sort: portal.PropLastActivityAt, Desc: true},
					{Sort: portal.PropSubject},
					{Search: rareTerm},
				} {
					peak := map[int]uint64{}
					for n, w := range worlds {
						h := &portaltest.HeapWatch{}
						rows, err := w.p.ExportCSV(context.Background(), w.viewer, q, h, portal.CSVOptions{})
						require.NoError(t, err)
						require.Positive(t, rows)
						peak[n] = h.Peak
					}
					t.Logf("%+v: live heap %d KiB at 2,000 tickets, %d KiB at 20,000", q, peak[2_000]>>10, peak[20_000]>>10)
					assert.LessOrEqual(t, peak[20_000], 2*peak[2_000], "%+v", q)
				}
			}
		})
	}
}
