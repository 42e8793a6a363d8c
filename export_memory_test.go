package portal_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
)

// synthStore is a memory store whose ticket query answers with n tickets
// made up page by page, so that an export's memory can be measured apart
// from the data's: the tickets of the contact's company, newest first. It
// embeds the memory store as a portal.Store, so that none of the memory
// store's optional ticket queries (TicketPageReader) bypasses its own.
type synthStore struct {
	portal.Store
	n        int
	template portal.Ticket
	made     atomic.Int64 // tickets made so far
	panicAt  int          // > 0: making ticket panicAt panics
}

func (s *synthStore) ticket(i int) (portal.Ticket, portal.SortKey) {
	s.made.Add(1)
	if s.panicAt > 0 && i == s.panicAt {
		panic(fmt.Sprintf("synthStore: ticket %d", i))
	}
	t := s.template
	binary.BigEndian.PutUint64(t.ID[8:], uint64(i))
	t.CreatedAt = clock.Add(-time.Duration(i) * time.Minute)
	t.LastActivityAt = t.CreatedAt
	return t, portal.SortKey{Int: t.CreatedAt.UnixMicro()}
}

func (s *synthStore) QueryTickets(_ context.Context, q portal.TicketQuery, p *portal.TicketPage) error {
	start := 0
	if q.After != nil {
		start = int(binary.BigEndian.Uint64(q.AfterID[8:])) + 1
	}
	end := min(start+q.Limit, s.n)
	p.Tickets, p.Keys, p.More = p.Tickets[:0], p.Keys[:0], end < s.n
	p.Requesters, p.Owners, p.Related = nil, nil, false
	for i := start; i < end; i++ {
		t, k := s.ticket(i)
		p.Tickets = append(p.Tickets, t)
		p.Keys = append(p.Keys, k)
	}
	return nil
}

// synthReader is a synthStore that is also a TicketPageReader, making up
// each ticket as it reads it.
type synthReader struct{ *synthStore }

func (s synthReader) ReadTicketPage(_ context.Context, q portal.TicketQuery, read func(*portal.Ticket, *portal.SortKey) error) (bool, error) {
	start := 0
	if q.After != nil {
		start = int(binary.BigEndian.Uint64(q.AfterID[8:])) + 1
	}
	end := min(start+q.Limit, s.n)
	for i := start; i < end; i++ {
		t, k := s.ticket(i)
		if err := read(&t, &k); err != nil {
			return false, err
		}
	}
	return end < s.n, nil
}

// synthScanner is a synthStore that is also a TicketScanner, making up
// each page of the scan as it hands it over.
type synthScanner struct{ *synthStore }

func (s synthScanner) ScanTickets(_ context.Context, q portal.TicketQuery, fn func(*portal.TicketPage) error) error {
	var p portal.TicketPage
	for start := 0; ; start += q.Limit {
		end := min(start+q.Limit, s.n)
		p.Tickets, p.Keys, p.More = p.Tickets[:0], p.Keys[:0], end < s.n
		for i := start; i < end; i++ {
			t, k := s.ticket(i)
			p.Tickets = append(p.Tickets, t)
			p.Keys = append(p.Keys, k)
		}
		if err := fn(&p); err != nil || !p.More {
			return err
		}
	}
}

// synthModes are the three ways an export reads a store's tickets: pages
// filled, each ticket read in place, one scan.
var synthModes = []struct {
	name  string
	store func(*synthStore) portal.Store
}{
	{"filler", func(s *synthStore) portal.Store { return s }},
	{"reader", func(s *synthStore) portal.Store { return synthReader{s} }},
	{"scanner", func(s *synthStore) portal.Store { return synthScanner{s} }},
}

// A writer that fails stops the export's reading of the store within a
// page or two, however the store is read, and a store that panics while it
// is read panics in the caller's goroutine, where a handler's recovery
// sees it.
// covers: P7
func TestExportReadingStopsWithTheWriter(t *testing.T) {
	w := newWorld(t, portal.CompanyTickets)
	template := w.annT
	template.RequesterID = w.ann.ID
	v := portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}
	open := func(t *testing.T, s portal.Store) *portal.Portal {
		p, err := portal.New(s, portal.Options{Now: func() time.Time { return clock }})
		require.NoError(t, err)
		return p
	}
	for _, mode := range synthModes {
		t.Run(mode.name, func(t *testing.T) {
			const n = 100_000
			diskFull := errors.New("disk full")
			for _, limit := range []int{10, 30_000, 300_000} {
				s := &synthStore{Store: w.store, n: n, template: template}
				fw := &failingWriter{n: limit, err: diskFull}
				rows, err := open(t, mode.store(s)).ExportCSV(context.Background(), v, portal.ListQuery{}, fw, portal.CSVOptions{})
				require.ErrorIs(t, err, diskFull, "the writer's error")
				assert.Less(t, rows, n)
				made := int(s.made.Load())
				assert.LessOrEqual(t, made, rows+3*portal.MaxPageSize, "limit %d: the reading stopped", limit)
			}
			s := &synthStore{Store: w.store, n: n, template: template, panicAt: 5*portal.MaxPageSize + 7}
			assert.PanicsWithValue(t, fmt.Sprintf("synthStore: ticket %d", s.panicAt), func() {
				_, _ = open(t, mode.store(s)).ExportCSV(context.Background(), v, portal.ListQuery{}, &bytes.Buffer{}, portal.CSVOptions{})
			})
		})
	}
}

// The export streams: the live heap while exporting 1,000,000 rows is no
// larger than while exporting 10,000 (within 2×), whether the store fills
// pages, lets the export read its tickets or scans the result in one pass.
// covers: P7
func TestExportMemoryDoesNotGrowWithRows(t *testing.T) {
	if testing.Short() {
		t.Skip("exports a million rows")
	}
	w := newWorld(t, portal.CompanyTickets)
	template := w.annT
	template.RequesterID = w.ann.ID
	for _, tc := range synthModes {
		t.Run(tc.name, func(t *testing.T) {
			peak := func(n int) uint64 {
				s := tc.store(&synthStore{Store: w.store, n: n, template: template})
				p, err := portal.New(s, portal.Options{Now: func() time.Time { return clock }})
				require.NoError(t, err)
				h := &portaltest.HeapWatch{}
				rows, err := p.ExportCSV(context.Background(), portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID},
					portal.ListQuery{}, h, portal.CSVOptions{})
				require.NoError(t, err)
				require.Equal(t, n, rows)
				return h.Peak
			}
			small, large := peak(10_000), peak(1_000_000)
			t.Logf("live heap: 10,000 rows %d KiB, 1,000,000 rows %d KiB", small>>10, large>>10)
			assert.LessOrEqual(t, large, 2*small)
		})
	}
}
