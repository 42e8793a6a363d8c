package sqlstore_test

import (
	"testing"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/storetest"
)

// TestConformance runs the whole conformance suite on every dialect.
// covers: X1, and every rule storetest holds.
func TestConformance(t *testing.T) {
	for _, d := range dialects(t) {
		t.Run(string(d.name), func(t *testing.T) {
			t.Parallel() // each dialect has its own server
			storetest.Run(t, func(t *testing.T) portal.Store { return d.open(t) })
		})
	}
}
