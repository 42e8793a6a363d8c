package memstore

import (
	"time"
	"unsafe"

	"github.com/helpdeskkit/portal"
)

// prefetchAhead is how many tickets ahead of the one being read
// ReadTicketPage asks for the memory of the tickets to come, and of their
// subjects' text half as many: the reader's work on the tickets between
// (a microsecond or more) hides the cache misses.
//
// The tickets lie in memory in the order they were stored, not in the
// page's: read one after another, each would wait for its misses in turn.
// Reading them all first (a warm-up, which the page reader did before)
// waited for them too; on a CPU whose cache held the tickets, that cost
// more than the misses it saved (BenchmarkExportCSV/paired, 2026-12-06,
// medians of five alternating runs: 0.72× encoding/csv with the warm-up,
// 0.75× with the prefetch, 0.75× with neither).
const prefetchAhead = 8

// hotBytes are the bytes from a ticket's start that hold what a reader
// reads first: its IDs, subject and dates.
const hotBytes = unsafe.Offsetof(portal.Ticket{}.LastActivityAt) + unsafe.Sizeof(time.Time{})

// prefetch asks for the memory that the page's ticket i+prefetchAhead will
// be read from, and for the subject's text of ticket i+prefetchAhead/2,
// whose memory was asked for before.
func (r *rows) prefetch(i int) {
	if t := r.ticket(i + prefetchAhead); t != nil {
		prefetch(unsafe.Pointer(t), hotBytes)
	}
	if t := r.ticket(i + prefetchAhead/2); t != nil {
		prefetch(unsafe.Pointer(unsafe.StringData(t.Subject)), uintptr(len(t.Subject)))
	}
}

// ticket returns the page's ticket i, or nil past its ends.
func (r *rows) ticket(i int) *portal.Ticket {
	switch {
	case i < 0 || i >= r.len():
		return nil
	case r.items == nil:
		return r.hits[i].tk
	}
	return &r.items[i].e.tk
}
