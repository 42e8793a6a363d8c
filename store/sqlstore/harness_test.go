package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// The environment variables that name the servers for the PostgreSQL and
// MariaDB/MySQL tests; without them those tests skip. SQLite always runs.
const (
	postgresEnv = "PORTAL_TEST_POSTGRES_DSN"
	mysqlEnv    = "PORTAL_TEST_MYSQL_DSN"
)

// dialect is one database the tests run on: fresh opens an empty database
// (a file, a schema or a database of its own) for one test and removes it
// when the test ends.
type dialect struct {
	name   sqlstore.Dialect
	driver string
	// fresh makes an empty database and returns the DSN that opens it.
	fresh func(t testing.TB) string
}

// dialects returns SQLite and every server dialect whose DSN is set; it
// reports the skipped ones.
func dialects(t testing.TB) []dialect {
	ds := []dialect{{sqlstore.SQLite, "sqlite", freshSQLite}}
	if dsn := os.Getenv(postgresEnv); dsn != "" {
		ds = append(ds, dialect{sqlstore.Postgres, "pgx", func(t testing.TB) string { return freshPostgres(t, dsn) }})
	} else {
		unset(t, postgresEnv, "PostgreSQL")
	}
	if dsn := os.Getenv(mysqlEnv); dsn != "" {
		ds = append(ds, dialect{sqlstore.MySQL, "mysql", func(t testing.TB) string { return freshMySQL(t, dsn) }})
	} else {
		unset(t, mysqlEnv, "MariaDB/MySQL")
	}
	return ds
}

// unset reports a server dialect without a DSN: its tests skip, except in
// CI (CI=true), where every store must be tested.
func unset(t testing.TB, env, name string) {
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set: CI must test %s", env, name)
	}
	t.Logf("%s is not set: %s tests skip", env, name)
}

// fresh is an empty database of a dialect, opened as a Store that holds
// one tenant, made at "at".
type fresh struct {
	dsn string
	db  *sql.DB
	st  *sqlstore.Store
	pid uuid.UUID
	at  time.Time
}

// withTenant opens a fresh database of d and a Store on it, and creates a
// tenant.
func (d dialect) withTenant(t *testing.T, at time.Time) fresh {
	t.Helper()
	f := fresh{dsn: d.fresh(t), pid: uuid.Must(portal.NewID()), at: at}
	f.db = d.db(t, f.dsn)
	var err error
	f.st, err = sqlstore.Open(context.Background(), f.db, d.name)
	require.NoError(t, err)
	require.NoError(t, f.st.CreateTenant(context.Background(), portal.Tenant{ID: f.pid, Name: "T", CreatedAt: at}, portal.DefaultSettings()))
	return f
}

// contact stores a contact of f's tenant with the given e-mail.
func (f fresh) contact(t *testing.T, email string) portal.Contact {
	t.Helper()
	c := portal.Contact{ID: uuid.Must(portal.NewID()), PortalID: f.pid, Email: email, CreatedAt: f.at, UpdatedAt: f.at}
	require.NoError(t, f.st.PutContact(context.Background(), portal.ContactChange{Contact: c}))
	return c
}

// open opens a fresh database of d and a Store on it.
func (d dialect) open(t testing.TB) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), d.db(t, d.fresh(t)), d.name)
	if err != nil {
		t.Fatalf("open %s store: %v", d.name, err)
	}
	return st
}

// db opens dsn, to be closed when the test ends.
func (d dialect) db(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(d.driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func freshSQLite(t testing.TB) string {
	return sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "portal.db"))
}

// uniqueName is a name for a test's own schema or database.
func uniqueName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "portal_t_" + hex.EncodeToString(b)
}

// freshPostgres creates a schema of its own and returns a DSN with it as
// the search path.
func freshPostgres(t testing.TB, dsn string) string {
	t.Helper()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// pg_trgm once for the whole database, in public: a store's migration
	// would put it in its test's schema, whose drop at the test's end
	// would take every other schema's search index with it.
	if _, err := admin.Exec("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"); err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Logf("pg_trgm: %v (searches read the scope's tickets)", err)
	}
	schema := uniqueName()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	t.Cleanup(func() {
		if admin, err := sql.Open("pgx", dsn); err == nil {
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			admin.Close()
		}
	})
	return u.String()
}

// freshMySQL creates a database of its own and returns its DSN.
func freshMySQL(t testing.TB, dsn string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", mysqlEnv, err)
	}
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := uniqueName()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	cfg.DBName = name
	own := cfg.FormatDSN()
	t.Cleanup(func() {
		cfg.DBName = ""
		if admin, err := sql.Open("mysql", cfg.FormatDSN()); err == nil {
			admin.Exec("DROP DATABASE " + name)
			admin.Close()
		}
	})
	return own
}
