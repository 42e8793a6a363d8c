package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/sqlstore"
	"github.com/helpdeskkit/portal/store/storetest"
)

// TestConformance runs the store contract's suite on every dialect.
// covers: X1, and every rule storetest holds.
func TestConformance(t *testing.T) {
	eachDialectParallel(t, storetest.Run)
}

// TestPortalOverStore runs the suite of Portal over the store on every
// dialect. covers: X1, and every rule storetest holds.
func TestPortalOverStore(t *testing.T) {
	eachDialectParallel(t, storetest.RunPortal)
}

// eachDialectParallel runs suite on every dialect, the dialects in
// parallel: each has its own server.
func eachDialectParallel(t *testing.T, suite func(*testing.T, storetest.Harness)) {
	for _, d := range dialects(t) {
		t.Run(string(d.name), func(t *testing.T) {
			t.Parallel()
			suite(t, func(t *testing.T) portal.Store { return d.open(t) })
		})
	}
}

// TestGaleraConformance runs both suites on a 3-node MariaDB Galera
// cluster, each store's reads and writes spread over the nodes
// (spreadDB), as app instances on different nodes would send them.
// covers: X7
func TestGaleraConformance(t *testing.T) {
	nodes := galeraNodes(t)
	h := func(t *testing.T) portal.Store {
		st, err := sqlstore.Open(context.Background(), spreadDB(t, freshGalera(t, nodes)), sqlstore.MySQL)
		require.NoError(t, err)
		return st
	}
	t.Run("Contract", func(t *testing.T) { storetest.Run(t, h) })
	t.Run("Portal", func(t *testing.T) { storetest.RunPortal(t, h) })
}
