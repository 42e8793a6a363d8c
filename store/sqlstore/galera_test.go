package sqlstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal/store/sqlstore"
)

// galeraEnv names the nodes of a MariaDB Galera cluster for the cluster
// tests (X7): one DSN per node, comma-separated, each with
// wsrep_sync_wait=1 so that a read on one node sees what another has
// committed (scripts/galera.sh dsns prints them). Without it the cluster
// tests skip, except in CI.
const galeraEnv = "PORTAL_TEST_GALERA_DSNS"

// galeraScript starts, kills and restarts the test cluster's nodes.
const galeraScript = "../../scripts/galera.sh"

// galeraNodes returns the configuration of each node of the test cluster.
func galeraNodes(t testing.TB) []*mysql.Config {
	t.Helper()
	v := os.Getenv(galeraEnv)
	if v == "" {
		unset(t, galeraEnv, "Galera cluster")
		t.SkipNow()
	}
	var nodes []*mysql.Config
	for _, dsn := range strings.Split(v, ",") {
		cfg, err := mysql.ParseDSN(strings.TrimSpace(dsn))
		require.NoError(t, err, galeraEnv)
		nodes = append(nodes, cfg)
	}
	require.GreaterOrEqual(t, len(nodes), 3, "%s: a cluster of three nodes", galeraEnv)
	names := map[string]bool{}
	for i, n := range nodes { // three nodes of one cluster, not one server thrice
		cfg := n.Clone()
		cfg.DBName = ""
		db, err := sql.Open("mysql", cfg.FormatDSN())
		require.NoError(t, err)
		var name, size string
		err = db.QueryRow("SELECT @@wsrep_node_name, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE')").Scan(&name, &size)
		db.Close()
		require.NoError(t, err, "%s: node %d", galeraEnv, i+1)
		require.Equal(t, fmt.Sprint(len(nodes)), size, "%s: node %d is in a cluster of all of them", galeraEnv, i+1)
		require.False(t, names[name], "%s: node %d is %s again", galeraEnv, i+1, name)
		names[name] = true
	}
	return nodes
}

// freshGalera creates a database of its own on the cluster (a schema
// change, which the cluster applies on every node in the same order) and
// returns each node's configuration for it.
func freshGalera(t testing.TB, nodes []*mysql.Config) []*mysql.Config {
	t.Helper()
	admin := nodes[0].Clone()
	admin.DBName = ""
	db, err := sql.Open("mysql", admin.FormatDSN())
	require.NoError(t, err)
	defer db.Close()
	name := uniqueName()
	_, err = db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, n := range nodes { // the first node that is up drops it
			cfg := n.Clone()
			cfg.DBName = ""
			if db, err := sql.Open("mysql", cfg.FormatDSN()); err == nil {
				_, err = db.Exec("DROP DATABASE IF EXISTS " + name)
				db.Close()
				if err == nil {
					return
				}
			}
		}
	})
	out := make([]*mysql.Config, len(nodes))
	for i, n := range nodes {
		// A node applies the schema change when its turn comes: a
		// connection that names the database must wait for it.
		cfg := n.Clone()
		cfg.DBName = ""
		db, err := sql.Open("mysql", cfg.FormatDSN())
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			var n int
			return db.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n) == nil && n == 1
		}, time.Minute, 100*time.Millisecond, "the database on node %d", i+1)
		db.Close()
		out[i] = n.Clone()
		out[i].DBName = name
	}
	return out
}

// nodeDB opens a pool of connections to one node, closed when the test ends.
func nodeDB(t testing.TB, cfg *mysql.Config) *sql.DB {
	t.Helper()
	c, err := mysql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

// spreadDB opens a pool whose every use (a transaction, or a statement
// outside one) goes to the next node of the cluster in turn: a store on it
// spreads its reads and writes over all of them, as many app instances,
// each on its own node, would. Each pooled connection holds one connection
// per node and moves on to the next when database/sql takes it from the
// pool again (ResetSession).
func spreadDB(t testing.TB, nodes []*mysql.Config) *sql.DB {
	t.Helper()
	var cs []driver.Connector
	for _, n := range nodes {
		c, err := mysql.NewConnector(n)
		require.NoError(t, err)
		cs = append(cs, c)
	}
	db := sql.OpenDB(&rotator{nodes: cs})
	t.Cleanup(func() { db.Close() })
	return db
}

// rotator is spreadDB's connector.
type rotator struct {
	nodes []driver.Connector
	next  atomic.Uint32 // the node a new connection starts on
}

func (r *rotator) Connect(ctx context.Context) (driver.Conn, error) {
	c := &rotatingConn{r: r, conns: make([]driver.Conn, len(r.nodes)), at: int(r.next.Add(1)) % len(r.nodes)}
	if _, err := c.conn(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (r *rotator) Driver() driver.Driver { return r.nodes[0].Driver() }

// rotatingConn is a connection to each node, of which one, at, is in use.
type rotatingConn struct {
	r     *rotator
	conns []driver.Conn // opened when first used
	at    int
}

// conn returns the connection in use, opening it if need be.
func (c *rotatingConn) conn(ctx context.Context) (driver.Conn, error) {
	if c.conns[c.at] == nil {
		conn, err := c.r.nodes[c.at].Connect(ctx)
		if err != nil {
			return nil, err
		}
		c.conns[c.at] = conn
	}
	return c.conns[c.at], nil
}

// ResetSession moves to the next node: database/sql calls it before it
// uses a pooled connection again.
func (c *rotatingConn) ResetSession(ctx context.Context) error {
	c.at = (c.at + 1) % len(c.conns)
	conn, err := c.conn(ctx)
	if err != nil {
		return driver.ErrBadConn
	}
	if r, ok := conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *rotatingConn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c *rotatingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	conn, err := c.conn(ctx)
	if err != nil {
		return nil, err
	}
	return conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *rotatingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *rotatingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	conn, err := c.conn(ctx)
	if err != nil {
		return nil, err
	}
	return conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *rotatingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	conn, err := c.conn(ctx)
	if err != nil {
		return nil, err
	}
	return conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *rotatingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	conn, err := c.conn(ctx)
	if err != nil {
		return nil, err
	}
	return conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

// CheckNamedValue lets the driver convert values as it would on its own.
func (c *rotatingConn) CheckNamedValue(nv *driver.NamedValue) error {
	conn, err := c.conn(context.Background())
	if err != nil {
		return err
	}
	if ch, ok := conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *rotatingConn) IsValid() bool {
	conn := c.conns[c.at]
	if v, ok := conn.(driver.Validator); ok && conn != nil {
		return v.IsValid()
	}
	return true
}

func (c *rotatingConn) Close() error {
	var first error
	for _, conn := range c.conns {
		if conn != nil {
			if err := conn.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// galera runs the test cluster's script: start-node N, kill N, status.
func galera(args ...string) error {
	out, err := exec.Command("bash", append([]string{galeraScript}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("scripts/galera.sh %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// openGalera opens a store on a fresh database of the cluster for each
// node, each store on a pool of that node alone.
func openGalera(t testing.TB) (nodes []*mysql.Config, stores []*sqlstore.Store) {
	t.Helper()
	nodes = freshGalera(t, galeraNodes(t))
	for _, n := range nodes { // the first Open migrates; the others find it done
		st, err := sqlstore.Open(context.Background(), nodeDB(t, n), sqlstore.MySQL)
		require.NoError(t, err)
		stores = append(stores, st)
	}
	return nodes, stores
}
