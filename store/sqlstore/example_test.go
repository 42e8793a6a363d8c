package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// A portal on a SQLite file: open the database with the driver, hand it to
// sqlstore.Open with its dialect, and the Portal on top.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "portal-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(dir, "portal.db")))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	st, err := sqlstore.Open(ctx, db, sqlstore.SQLite)
	if err != nil {
		log.Fatal(err)
	}
	p, err := portal.New(st, portal.Options{})
	if err != nil {
		log.Fatal(err)
	}
	tenant, err := p.CreateTenant(ctx, "Acme")
	if err != nil {
		log.Fatal(err)
	}
	s, err := p.Settings(ctx, tenant.ID)
	if err != nil {
		log.Fatal(err)
	}
	s.Name = "Acme support"
	if s, err = p.SaveSettings(ctx, tenant.ID, s); err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Name, "at settings version", s.Version)
	// Output: Acme support at settings version 2
}
