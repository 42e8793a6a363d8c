package portaltest

import "runtime"

// HeapWatch is an io.Writer that discards what is written and samples the
// live heap (after a collection) every 256 KiB, keeping the peak: a test
// that streams into it learns whether the stream's memory grows with its
// length.
type HeapWatch struct {
	written, next int
	// Peak is the largest live heap sampled, in bytes.
	Peak uint64
}

func (h *HeapWatch) Write(b []byte) (int, error) {
	h.written += len(b)
	if h.written >= h.next {
		h.next = h.written + 256<<10
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.Peak = max(h.Peak, m.HeapAlloc)
	}
	return len(b), nil
}
