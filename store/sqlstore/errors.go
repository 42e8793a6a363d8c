package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"

	"github.com/helpdeskkit/portal"
)

// ErrSchemaTooNew is returned by Open and Migrate for a database whose
// schema a newer version of this package has migrated: this code must not
// write to it.
var ErrSchemaTooNew = errors.New("sqlstore: the database schema is newer than this program")

// mapErr is the one place where driver errors become the portal's: no rows
// is ErrNotFound, a unique violation ErrConflict, a cancelled context stays
// itself, a lost race that retry did not win or a database out of reach a
// *portal.BusyError (ErrConflict: try again); anything else is wrapped with what the store was doing (Portal
// reports it as ErrInternal).
func mapErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: %s", portal.ErrNotFound, op)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	case errors.As(err, new(*portal.BusyError)):
		return err
	case retryable(err), unavailable(err):
		return busy(op, err)
	case state(err) == "23505":
		return fmt.Errorf("%w: %s: already exists", portal.ErrConflict, op)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// mysqlCode finds the error number and SQLSTATE in go-sql-driver/mysql's
// error text ("Error 1062 (23000): …"); that driver gives them no method.
var mysqlCode = regexp.MustCompile(`^Error (\d+) \(([0-9A-Z]{5})\)`)

// mysqlErrno returns the MySQL error number of a go-sql-driver/mysql
// error, or "": "Error 1040: …" when the server refused the connection
// before it could say a SQLSTATE.
func mysqlErrno(err error) string {
	if m := mysqlNumber.FindStringSubmatch(err.Error()); m != nil {
		return m[1]
	}
	return ""
}

var mysqlNumber = regexp.MustCompile(`^Error (\d+)[ :]`)

// state returns the SQLSTATE of a driver error, or "" when it has none. For
// SQLite it maps the extended result codes the store acts on.
func state(err error) string {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		return pg.SQLState()
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		switch lite.Code() {
		case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
			return "23505"
		case 5, 261, 517: // SQLITE_BUSY and its extended codes
			return "40001"
		}
		return ""
	}
	if m := mysqlCode.FindStringSubmatch(err.Error()); m != nil {
		switch m[1] {
		case "1213", "1205": // deadlock, lock wait timeout: retry
			return "40001"
		case "1020": // a row changed since the snapshot (MariaDB's innodb_snapshot_isolation): retry
			return "40001"
		case "1062":
			return "23505"
		}
		return m[2]
	}
	return ""
}
