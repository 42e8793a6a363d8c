package sqlstore

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Dialect is the SQL database a Store talks to. Every difference between
// the databases' SQL lives in this file: placeholders, upserts,
// byte-string functions and how a migration runs; how each driver reports
// an error is read in errors.go. The queries elsewhere are written once,
// with ? placeholders, and only over byte strings (BLOB, bytea, VARBINARY),
// integers and doubles, which compare alike everywhere.
type Dialect string

// The dialects.
const (
	// SQLite through modernc.org/sqlite (pure Go). Open the database with
	// SQLiteDSN.
	SQLite Dialect = "sqlite"
	// Postgres is PostgreSQL (and compatible databases) through
	// github.com/jackc/pgx/v5/stdlib.
	Postgres Dialect = "postgres"
	// MySQL is MariaDB or MySQL through github.com/go-sql-driver/mysql.
	MySQL Dialect = "mysql"
)

func (d Dialect) valid() bool { return d == SQLite || d == Postgres || d == MySQL }

// rebind turns the ? placeholders of q into the dialect's: $1, $2 … for
// PostgreSQL. Queries hold no ? inside literals.
func (d Dialect) rebind(q string) string {
	if d != Postgres {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// upsert returns an INSERT of rows rows of cols into table (one row when
// rows is not given) that replaces the other columns of a row whose key
// columns exist.
func (d Dialect) upsert(table string, key, cols []string, rows ...int) string {
	n := 1
	if len(rows) > 0 {
		n = rows[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES %s", table, strings.Join(cols, ", "), tuples(n, len(cols)))
	var set []string
	for _, c := range cols {
		if slices.Contains(key, c) {
			continue
		}
		if d == MySQL {
			set = append(set, fmt.Sprintf("%s = VALUES(%s)", c, c))
		} else {
			set = append(set, fmt.Sprintf("%s = excluded.%s", c, c))
		}
	}
	if d == MySQL {
		fmt.Fprintf(&b, " ON DUPLICATE KEY UPDATE %s", strings.Join(set, ", "))
	} else {
		fmt.Fprintf(&b, " ON CONFLICT (%s) DO UPDATE SET %s", strings.Join(key, ", "), strings.Join(set, ", "))
	}
	return b.String()
}

// insertNew returns an INSERT of cols into table that does nothing when the
// key exists: the caller tells a new row from an existing one by the rows
// affected (1 or 0).
func (d Dialect) insertNew(table string, key, cols []string) string {
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, strings.Join(cols, ", "), tuples(1, len(cols)))
	if d == MySQL {
		// An update to the same value counts 0 rows affected.
		return q + fmt.Sprintf(" ON DUPLICATE KEY UPDATE %s = %s", key[0], key[0])
	}
	return q + fmt.Sprintf(" ON CONFLICT (%s) DO NOTHING", strings.Join(key, ", "))
}

// position returns an expression for where the byte string bound to the
// next placeholder first occurs in col: 1 at the start, 0 nowhere.
func (d Dialect) position(col string) string {
	switch d {
	case Postgres:
		return "position(? in " + col + ")"
	case MySQL:
		return "locate(?, " + col + ")"
	}
	return "instr(" + col + ", ?)"
}

// suffix returns a condition that col ends with a byte string of n bytes,
// bound to the next placeholder.
func (d Dialect) suffix(col string, n int) string {
	switch d {
	case Postgres:
		return fmt.Sprintf("substring(%s from octet_length(%s) - %d) = ?", col, col, n-1)
	case MySQL:
		return fmt.Sprintf("right(%s, %d) = ?", col, n)
	}
	return fmt.Sprintf("substr(%s, -%d) = ?", col, n)
}

// drivingJoin joins two tables so that the left one drives: the scope of
// a list (a contact's and a company's tickets) is the outer loop, never a
// scan of the tenant's tickets. SQLite takes CROSS JOIN as that order and
// MySQL STRAIGHT_JOIN; PostgreSQL's planner orders CROSS JOIN itself, from
// its statistics.
func (d Dialect) drivingJoin() string {
	if d == MySQL {
		return "STRAIGHT_JOIN"
	}
	return "CROSS JOIN"
}

// boolean returns the dialect's literal for a truth value in a condition.
func (d Dialect) boolean(b bool) string {
	switch {
	case d == Postgres && b:
		return "TRUE"
	case d == Postgres:
		return "FALSE"
	case b:
		return "1 = 1"
	}
	return "1 = 0"
}

// bulkWrite returns the statement that begins a write transaction of many
// rows, whose statements take lists of keys (a ticket and its
// associations, an import of thousands), or "" when the dialect needs
// none. PostgreSQL is told to plan each statement of the transaction for
// its values: a prepared statement's generic plan, made while a table was
// small, kept scanning the tenant's rows once it had grown, and an import
// of 100,000 tickets took minutes instead of seconds.
func (d Dialect) bulkWrite() string {
	if d == Postgres {
		return "SET LOCAL plan_cache_mode = force_custom_plan"
	}
	return ""
}

// transactionalDDL reports whether a schema change can be rolled back with
// the transaction it ran in. MySQL commits each DDL statement at once.
func (d Dialect) transactionalDDL() bool { return d != MySQL }

// placeholders returns n placeholders separated by commas.
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// tuples returns rows parenthesised tuples of cols placeholders.
func tuples(rows, cols int) string {
	one := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// forUpdate returns the clause that makes a SELECT in a write transaction
// lock the rows it reads and read their latest committed version. SQLite
// needs none: its write transactions run one at a time (SQLiteDSN begins
// them immediate).
func (d Dialect) forUpdate() string {
	if d == SQLite {
		return ""
	}
	return " FOR UPDATE"
}

// forShare is the clause that locks the rows a SELECT reads against
// writes until the transaction ends, letting other readers lock them too.
// SQLite's writers take turns already.
func (d Dialect) forShare() string {
	switch d {
	case SQLite:
		return ""
	case MySQL:
		return " LOCK IN SHARE MODE" // MariaDB before 10.6 has no FOR SHARE
	}
	return " FOR SHARE"
}

// sharedCTE reports whether a common table expression that a statement
// reads twice is computed once. MySQL and MariaDB may compute it for each
// reader.
func (d Dialect) sharedCTE() bool { return d != MySQL }
