package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/helpdeskkit/portal"
)

//go:embed migrations
var migrationFiles embed.FS

// migration is one numbered schema change: migrations/<dialect>/NNNN_name.sql.
type migration struct {
	version int
	name    string
	stmts   []string
}

// migrations returns the dialect's migrations in order.
func migrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), stmts: statements(string(b))})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// statements splits a migration into its statements: they end with ";" at
// the end of a line, and lines starting with "--" are comments.
func statements(src string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(src) {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			if s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")); s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// Migrate brings the database's schema to the newest version this package
// knows, recording each applied version in the table portal_schema. It is
// idempotent, and safe when several processes run it at once without
// advisory locks: on SQLite and PostgreSQL each migration runs in a
// transaction that first claims its version row, so a second process waits
// for the first and then skips it; on MySQL, whose schema changes commit at
// once, every statement is written to run twice harmlessly. A database whose
// schema is newer than this package gives ErrSchemaTooNew.
func Migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	if !d.valid() {
		return fmt.Errorf("%w: dialect: %q is not one of sqlite, postgres, mysql", portal.ErrInvalid, d)
	}
	ms, err := migrations(d)
	if err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	// One connection for the whole run: on a cluster whose nodes the pool
	// spreads over, each statement then sees what the ones before it did.
	// Opening it may find the database locked (SQLite, when another
	// process's migration is committing): it waits and tries again.
	var c *sql.Conn
	err = retry(ctx, DefaultRetryBudget, func() (err error) { c, err = db.Conn(ctx); return err }, racedCreate)
	if err != nil {
		return mapErr("migrate", err)
	}
	defer c.Close()
	create := "CREATE TABLE IF NOT EXISTS portal_schema (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"
	if err := retry(ctx, DefaultRetryBudget, func() error { _, err := c.ExecContext(ctx, create); return err }, racedCreate); err != nil {
		return mapErr("create portal_schema", err)
	}
	var current int
	if err := c.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM portal_schema").Scan(&current); err != nil {
		return mapErr("read schema version", err)
	}
	if current > len(ms) {
		return fmt.Errorf("%w: the database is at schema version %d, this program knows versions up to %d", ErrSchemaTooNew, current, len(ms))
	}
	for _, m := range ms[current:] {
		if err := retry(ctx, DefaultRetryBudget, func() error { return apply(ctx, c, d, m) }, racedCreate); err != nil {
			return mapErr("migration "+m.name, err)
		}
	}
	return nil
}

// apply runs one migration unless another process has.
func apply(ctx context.Context, db *sql.Conn, d Dialect, m migration) error {
	claim := d.rebind(d.insertNew("portal_schema", []string{"version"}, []string{"version", "applied_at"}))
	now := time.Now().UnixMicro()
	if !d.transactionalDDL() {
		for _, s := range m.stmts {
			if _, err := db.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		sqlTx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer sqlTx.Rollback()
		if err := m.backfill(ctx, tx{sqlTx, d}); err != nil {
			return err
		}
		if err := sqlTx.Commit(); err != nil {
			return err
		}
		_, err = db.ExecContext(ctx, claim, m.version, now)
		return err
	}
	sqlTx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer sqlTx.Rollback()
	res, err := sqlTx.ExecContext(ctx, claim, m.version, now)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // applied by another process while this one waited
	}
	for _, s := range m.stmts {
		if _, err := sqlTx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	if err := m.backfill(ctx, tx{sqlTx, d}); err != nil {
		return err
	}
	return sqlTx.Commit()
}

// backfills are the steps of migrations that SQL cannot write portably
// (they read the records' documents), by the migration's name without its
// number. A backfill runs after the migration's statements, in its
// transaction (on MySQL, in a transaction of its own before the version is
// recorded), and must be harmless to run twice.
var backfills = map[string]func(ctx context.Context, t tx) error{
	"auth":          indexContacts,
	"orders":        migrateOrders,
	"exact":         exactDates,
	"digests":       submissionDigests,
	"numbers":       mysqlNumbers,
	"ratings":       mysqlColumns("tickets", "rating blob", "satisfaction varbinary(16)"),
	"participants":  mysqlColumns("tickets", "participants blob"),
	"receipts":      mysqlColumns("mail_queue", "ticket_id varbinary(16)"),
	"email_changes": mysqlColumns("tokens", "email varbinary(1024)"),
	"verdicts":      decideVerdicts,
}

// backfill runs m's backfill, if it has one.
func (m migration) backfill(ctx context.Context, t tx) error {
	_, name, _ := strings.Cut(strings.TrimSuffix(m.name, ".sql"), "_")
	if fn := backfills[name]; fn != nil {
		return fn(ctx, t)
	}
	return nil
}

// indexContacts indexes the contacts stored before the contact indexes
// existed (migration auth), a batch at a time.
func indexContacts(ctx context.Context, t tx) error {
	const batch = 500
	var lastPortal, lastID []byte
	for {
		q, args := "SELECT portal_id, id, doc FROM contacts", []any{}
		if lastPortal != nil {
			q += " WHERE portal_id > ? OR (portal_id = ? AND id > ?)"
			args = append(args, lastPortal, lastPortal, lastID)
		}
		rows, err := t.query(ctx, q+" ORDER BY portal_id, id LIMIT "+strconv.Itoa(batch), args...)
		if err != nil {
			return err
		}
		cs, err := collect(rows, func(rows *sql.Rows, c *portal.Contact) error {
			var doc []byte
			if err := rows.Scan(&lastPortal, &lastID, &doc); err != nil {
				return err
			}
			*c, err = decodeContact(doc)
			return err
		})
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := indexContact(ctx, t, c); err != nil {
				return err
			}
		}
		if len(cs) < batch {
			return nil
		}
	}
}

// exactDates fills ticket_props.micros, the custom dates in Unix
// microseconds (migration exact): from num where a double held them
// exactly, and from the tickets' documents where it did not.
func exactDates(ctx context.Context, t tx) error {
	if t.d == MySQL {
		err := mysqlEnsure(ctx, t, mysqlHasColumn, "ALTER TABLE ticket_props ADD COLUMN micros bigint", "ticket_props", "micros")
		if err != nil {
			return err
		}
	}
	integer := map[Dialect]string{SQLite: "INTEGER", Postgres: "bigint", MySQL: "SIGNED"}[t.d]
	_, err := t.exec(ctx, "UPDATE ticket_props SET micros = CAST(num AS "+integer+") WHERE kind = 'd' AND micros IS NULL"+
		" AND num > -9007199254740992 AND num < 9007199254740992")
	if err != nil {
		return err
	}
	type prop struct {
		pid, tid []byte
		name     string
	}
	rows, err := t.query(ctx, "SELECT portal_id, ticket_id, name FROM ticket_props WHERE kind = 'd' AND micros IS NULL")
	if err != nil {
		return err
	}
	rest, err := collect(rows, func(rows *sql.Rows, p *prop) error { // rare: dates after 2255 or before 1685
		return rows.Scan(&p.pid, &p.tid, &p.name)
	})
	if err != nil {
		return err
	}
	for _, p := range rest {
		var doc []byte
		if err := t.row(ctx, "SELECT doc FROM tickets WHERE portal_id = ? AND id = ?", p.pid, p.tid).Scan(&doc); err != nil {
			return err
		}
		tk, err := decodeTicket(doc)
		if err != nil {
			return err
		}
		d, ok := tk.Properties[p.name].(time.Time)
		if !ok {
			continue // not in the document: left unknown to filters, as before
		}
		_, err = t.exec(ctx, "UPDATE ticket_props SET micros = ? WHERE portal_id = ? AND ticket_id = ? AND name = ?",
			d.UnixMicro(), p.pid, p.tid, p.name)
		if err != nil {
			return err
		}
	}
	return nil
}

// submissionDigests adds submissions.digest on MySQL (migration digests),
// where the migration's SQL cannot.
func submissionDigests(ctx context.Context, t tx) error {
	if t.d != MySQL {
		return nil
	}
	return mysqlEnsure(ctx, t, mysqlHasColumn, "ALTER TABLE submissions ADD COLUMN digest varbinary(32)", "submissions", "digest")
}

// mysqlEnsure runs change unless count, run with args, finds what it
// makes: MySQL's schema changes, which have no IF NOT EXISTS, made safe to
// run twice and from two processes at once.
func mysqlEnsure(ctx context.Context, t tx, count, change string, args ...any) error {
	has := func() (bool, error) {
		var n int
		err := t.row(ctx, count, args...).Scan(&n)
		return n > 0, err
	}
	if ok, err := has(); ok || err != nil {
		return err
	}
	_, err := t.exec(ctx, change)
	if err != nil {
		if ok, _ := has(); ok {
			return nil
		}
	}
	return err
}

// The counts of mysqlEnsure for a column and an index, by table and name.
const (
	mysqlHasColumn = "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?"
	mysqlHasIndex  = "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?"
)

// racedCreate reports whether a migration's statement lost a race and may
// run again: as any transaction (retryable), or as a CREATE … IF NOT
// EXISTS that lost to a concurrent one. PostgreSQL's can fail so with a
// unique violation in its catalog (23505), or on the table's row type that
// the other has just made (42710 duplicate_object, 42P07 duplicate_table);
// run again, it finds the table.
func racedCreate(err error) bool {
	return retryable(err) || lostCreate(err)
}

// lostCreate reports whether err is a CREATE … IF NOT EXISTS that lost a
// race to a concurrent one.
func lostCreate(err error) bool {
	switch state(err) {
	case "23505", "42710", "42P07":
		return true
	}
	return false
}

// mysqlColumns returns a backfill that adds columns (each "name type") to
// table on MySQL, where a migration's SQL cannot, each when it is missing.
func mysqlColumns(table string, cols ...string) func(ctx context.Context, t tx) error {
	return func(ctx context.Context, t tx) error {
		if t.d != MySQL {
			return nil
		}
		for _, c := range cols {
			name, _, _ := strings.Cut(c, " ")
			if err := mysqlEnsure(ctx, t, mysqlHasColumn, "ALTER TABLE "+table+" ADD COLUMN "+c, table, name); err != nil {
				return err
			}
		}
		return nil
	}
}

// mysqlNumbers makes migration numbers on MySQL, where the migration's SQL
// cannot: the columns, the numbers of the tickets that have none (above
// the tenant's highest, so that a second run numbers only what the first
// did not), the tenants' last numbers, the associations' keys, and the
// indexes, each change only when it is missing.
func mysqlNumbers(ctx context.Context, t tx) error {
	if t.d != MySQL {
		return nil
	}
	for _, c := range []struct{ table, col, def string }{
		{"tenants", "last_number", "bigint NOT NULL DEFAULT 0"},
		{"tickets", "number", "bigint"},
		{"ticket_contacts", "number_key", "bigint NOT NULL DEFAULT 9223372036854775807"},
		{"ticket_companies", "number_key", "bigint NOT NULL DEFAULT 9223372036854775807"},
	} {
		if err := mysqlEnsure(ctx, t, mysqlHasColumn, "ALTER TABLE "+c.table+" ADD COLUMN "+c.col+" "+c.def, c.table, c.col); err != nil {
			return err
		}
	}
	steps := []string{
		"UPDATE tickets t JOIN (SELECT x.portal_id, x.id, COALESCE(m.top, 0) + ROW_NUMBER() OVER (PARTITION BY x.portal_id ORDER BY x.created_at, x.id) AS rn" +
			" FROM tickets x LEFT JOIN (SELECT portal_id, MAX(number) AS top FROM tickets GROUP BY portal_id) m ON m.portal_id = x.portal_id" +
			" WHERE x.number IS NULL) n ON t.portal_id = n.portal_id AND t.id = n.id SET t.number = n.rn",
		"UPDATE tenants SET last_number = GREATEST(last_number, COALESCE((SELECT MAX(t.number) FROM tickets t WHERE t.portal_id = tenants.id), 0))",
		"UPDATE ticket_contacts a STRAIGHT_JOIN tickets t ON t.portal_id = a.portal_id AND t.id = a.ticket_id SET a.number_key = COALESCE(t.number, 9223372036854775807)",
		"UPDATE ticket_companies a STRAIGHT_JOIN tickets t ON t.portal_id = a.portal_id AND t.id = a.ticket_id SET a.number_key = COALESCE(t.number, 9223372036854775807)",
	}
	for _, q := range steps {
		if _, err := t.exec(ctx, q); err != nil {
			return err
		}
	}
	return mysqlIndexes(ctx, t,
		mysqlIndex{"tickets", "tickets_number", "(portal_id, number)", true},
		mysqlIndex{"ticket_contacts", "ticket_contacts_number", "(portal_id, contact_id, number_key, ticket_id)", false},
		mysqlIndex{"ticket_companies", "ticket_companies_number", "(portal_id, company_id, number_key, ticket_id)", false})
}

// mysqlIndex is an index a MySQL backfill makes: its table, its name, its
// columns, and whether it is unique.
type mysqlIndex struct {
	table, name, cols string
	unique            bool
}

// mysqlIndexes makes each of ixs that is missing (mysqlEnsure).
func mysqlIndexes(ctx context.Context, t tx, ixs ...mysqlIndex) error {
	for _, ix := range ixs {
		kind := "INDEX "
		if ix.unique {
			kind = "UNIQUE INDEX "
		}
		if err := mysqlEnsure(ctx, t, mysqlHasIndex, "ALTER TABLE "+ix.table+" ADD "+kind+ix.name+" "+ix.cols, ix.table, ix.name); err != nil {
			return err
		}
	}
	return nil
}
