//go:build !amd64

package memstore

import "unsafe"

// prefetch does nothing on this architecture: a reader waits for each
// ticket's memory as it reads it.
func prefetch(unsafe.Pointer, uintptr) {}
