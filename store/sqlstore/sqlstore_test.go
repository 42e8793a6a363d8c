package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/sqlstore"
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

// TestGaleraConformance runs the whole conformance suite on a 3-node
// MariaDB Galera cluster, each store's reads and writes spread over the
// nodes (spreadDB), as app instances on different nodes would send them.
// covers: X7
func TestGaleraConformance(t *testing.T) {
	nodes := galeraNodes(t)
	storetest.Run(t, func(t *testing.T) portal.Store {
		st, err := sqlstore.Open(context.Background(), spreadDB(t, freshGalera(t, nodes)), sqlstore.MySQL)
		require.NoError(t, err)
		return st
	})
}
