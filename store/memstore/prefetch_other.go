//go:build !amd64 || purego

package memstore

import "unsafe"

// prefetch does nothing on this architecture, or in a build without
// assembly (the purego tag): a reader waits for each ticket's memory as it
// reads it.
func prefetch(unsafe.Pointer, uintptr) {}
