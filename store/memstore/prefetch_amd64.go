//go:build !purego

package memstore

import "unsafe"

// prefetch asks the CPU to bring the cache lines of the n bytes at p into
// its cache, and goes on without waiting for them (PREFETCHT0): a hint,
// which changes nothing and cannot fault.
//
//go:noescape
func prefetch(p unsafe.Pointer, n uintptr)
