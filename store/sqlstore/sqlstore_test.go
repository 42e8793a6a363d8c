package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"

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

// TestMariaDBSnapshotIsolation runs both suites on MariaDB with
// innodb_snapshot_isolation on, its default from MariaDB 11.6.2: a locking
// read of a row that another transaction changed since this one's snapshot
// then fails with error 1020 ("Record has changed since last read"), which
// the store must retry as it retries a deadlock. covers: X7, X1
func TestMariaDBSnapshotIsolation(t *testing.T) {
	dsn := os.Getenv(mysqlEnv)
	if dsn == "" {
		unset(t, mysqlEnv, "MariaDB/MySQL")
		t.SkipNow()
	}
	admin, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	defer admin.Close()
	var name, value string
	if err := admin.QueryRow("SHOW VARIABLES LIKE 'innodb_snapshot_isolation'").Scan(&name, &value); errors.Is(err, sql.ErrNoRows) {
		t.Skip("the server has no innodb_snapshot_isolation (MySQL, or MariaDB before 10.6.18)")
	} else {
		require.NoError(t, err)
	}
	h := func(t *testing.T) portal.Store {
		cfg, err := mysql.ParseDSN(freshMySQL(t, dsn))
		require.NoError(t, err)
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["innodb_snapshot_isolation"] = "ON" // set on every connection
		db, err := sql.Open("mysql", cfg.FormatDSN())
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		st, err := sqlstore.Open(context.Background(), db, sqlstore.MySQL)
		require.NoError(t, err)
		return st
	}
	t.Run("Contract", func(t *testing.T) { storetest.Run(t, h) })
	t.Run("Portal", func(t *testing.T) { storetest.RunPortal(t, h) })
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

// TestMariaDBReadCommittedNumbers puts new tickets with one number at once
// on MariaDB at READ COMMITTED, which takes no gap locks: one put writes,
// the others conflict, and none writes over another ticket (MySQL's
// upsert, finding the number's unique index taken, would update the
// ticket that has it). covers: P10, X8
func TestMariaDBReadCommittedNumbers(t *testing.T) {
	dsn := os.Getenv(mysqlEnv)
	if dsn == "" {
		unset(t, mysqlEnv, "MariaDB/MySQL")
		t.SkipNow()
	}
	cfg, err := mysql.ParseDSN(freshMySQL(t, dsn))
	require.NoError(t, err)
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["tx_isolation"] = "'READ-COMMITTED'"
	db, err := sql.Open("mysql", cfg.FormatDSN())
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, db, sqlstore.MySQL)
	require.NoError(t, err)
	var iso string
	require.NoError(t, db.QueryRow("SELECT @@tx_isolation").Scan(&iso))
	require.Equal(t, "READ-COMMITTED", iso)
	pid := uuid.Must(portal.NewID())
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	require.NoError(t, st.CreateTenant(ctx, portal.Tenant{ID: pid, Name: "T", CreatedAt: at}, portal.DefaultSettings()))
	const n = 6
	for round := range 30 {
		ids, errs := make([]uuid.UUID, n), make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			ids[i] = uuid.Must(portal.NewID())
			wg.Go(func() {
				<-start
				errs[i] = st.PutTicket(ctx, portal.Ticket{ID: ids[i], PortalID: pid, Number: int64(1000 + round),
					Subject: fmt.Sprintf("%d/%d", round, i), CreatedAt: at, LastActivityAt: at})
			})
		}
		close(start)
		wg.Wait()
		written := 0
		for i := range n {
			got, err := st.Ticket(ctx, pid, ids[i])
			if errs[i] != nil {
				require.ErrorIs(t, errs[i], portal.ErrConflict)
				require.ErrorIs(t, err, portal.ErrNotFound, "a refused put writes nothing")
				continue
			}
			written++
			require.NoError(t, err, "round %d put %d succeeded: its ticket is there", round, i)
			require.Equal(t, fmt.Sprintf("%d/%d", round, i), got.Subject, "its own, not another put's")
		}
		require.Equal(t, 1, written, "round %d", round)
	}
}
