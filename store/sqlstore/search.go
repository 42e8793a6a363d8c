package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The search index (X6): where a dialect has one, a search term that it can
// serve finds its tickets from the index instead of by reading the tickets
// of a scope.
//
//   - SQLite: ticket_search, an FTS5 table with the trigram tokenizer over
//     each ticket's folded search text, kept by every ticket write
//     (indexSearch). It serves terms of three characters or more.
//   - PostgreSQL: tickets.search_text, the same text as text, with a GIN
//     index of pg_trgm's trigrams when the extension could be had (the
//     migration tries). It serves terms with three letters or digits in a
//     row, through LIKE in portal_search_ids (which plans it for its
//     pattern), one term: the longest.
//   - MariaDB/MySQL have no substring index: a search reads the scope's
//     tickets in the list's order, and stops when the page is full.
//
// The index only finds candidates: every candidate is tested again as
// without it, so that answers are the same with and without an index.

// searchIndex is what a Store has of a search index.
type searchIndex struct {
	fts    bool // SQLite: ticket_search
	column bool // PostgreSQL: search_text is written (the database is UTF8)
	trgm   bool // PostgreSQL: search_text has its pg_trgm index
}

// detectSearch finds out which search index the database has.
func detectSearch(ctx context.Context, db *sql.DB, d Dialect) (searchIndex, error) {
	switch d {
	case SQLite:
		return searchIndex{fts: true}, nil
	case Postgres:
		var utf8, trgm bool
		err := db.QueryRowContext(ctx, "SELECT current_setting('server_encoding') = 'UTF8', to_regclass('tickets_search_trgm') IS NOT NULL").
			Scan(&utf8, &trgm)
		if err != nil {
			return searchIndex{}, mapErr("detect search index", err)
		}
		return searchIndex{column: utf8, trgm: utf8 && trgm}, nil
	}
	return searchIndex{}, nil
}

// indexed reports whether the index can find the tickets holding term
// (folded, without white space).
func (si searchIndex) indexed(term string) bool {
	switch {
	case si.fts:
		return utf8.RuneCountInString(term) >= 3
	case si.trgm:
		// pg_trgm takes its trigrams from the words of a LIKE pattern:
		// runs of letters and digits.
		run := 0
		for _, r := range term {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				if run++; run == 3 {
					return true
				}
			} else {
				run = 0
			}
		}
	}
	return false
}

// indexedTerms returns the terms of a search that the index serves: every
// one for FTS5, the longest for pg_trgm (one LIKE at a time).
func (si searchIndex) indexedTerms(terms []string) []string {
	var out []string
	for _, t := range terms {
		if si.indexed(t) {
			out = append(out, t)
		}
	}
	if si.trgm && len(out) > 1 {
		longest := slices.MaxFunc(out, func(a, b string) int { return cmp.Compare(utf8.RuneCountInString(a), utf8.RuneCountInString(b)) })
		out = []string{longest}
	}
	return out
}

// indexText is a ticket's search text as the index keeps it: a NUL, which
// PostgreSQL's text cannot hold, becomes a space. No search term holds
// either, so a term is found in one exactly when it is found in the other.
func indexText(search string) string { return strings.ReplaceAll(search, "\x00", " ") }

// ftsQuery is an FTS5 query for tickets holding every term: each a phrase
// (a quoted string, its quotes doubled), which the trigram tokenizer
// matches as a substring.
func ftsQuery(terms []string) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(t, `"`, `""`))
		b.WriteByte('"')
	}
	return b.String()
}

// likePattern is a LIKE pattern for text holding term, its wildcards and
// the escape character escaped (ESCAPE '\').
func likePattern(term string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(term) + "%"
}

// indexSearch keeps ticket_search (SQLite) for tickets written in x: the
// tickets of tenant pid with IDs tids and search texts search.
func (s *Store) indexSearch(ctx context.Context, x tx, pid []byte, tids []any, search []string) error {
	if !s.search.fts {
		return nil
	}
	err := batches(tids, func(tids []any) error {
		_, err := x.exec(ctx, "DELETE FROM ticket_search WHERE rowid IN (SELECT n FROM ticket_search_ids WHERE portal_id = ? AND ticket_id IN ("+
			placeholders(len(tids))+"))", append([]any{pid}, tids...)...)
		if err != nil {
			return err
		}
		rows := make([][]any, len(tids))
		for i, tid := range tids {
			rows[i] = []any{pid, tid}
		}
		_, err = x.exec(ctx, "INSERT INTO ticket_search_ids (portal_id, ticket_id) VALUES "+tuples(len(rows), 2)+
			" ON CONFLICT DO NOTHING", flat(rows)...)
		return err
	})
	if err != nil {
		return err
	}
	rows := make([][]any, len(tids))
	for i, tid := range tids {
		rows[i] = []any{tid, indexText(search[i])}
	}
	return batches(rows, func(rows [][]any) error {
		_, err := x.exec(ctx, "INSERT INTO ticket_search (rowid, search) SELECT i.n, v.column2 FROM (VALUES "+tuples(len(rows), 2)+
			") v CROSS JOIN ticket_search_ids i WHERE i.portal_id = ? AND i.ticket_id = v.column1", append(flat(rows), pid)...)
		return err
	})
}

// The search index of migration orders, for the tickets stored before it:
// SQLite indexes them in ticket_search; PostgreSQL fills search_text and
// makes its pg_trgm index if it can (without the extension, or on a
// database that is not UTF8, a search reads the scope's tickets); MySQL
// adds the order columns and indexes, which it cannot do in SQL that runs
// twice.
func migrateOrders(ctx context.Context, t tx) error {
	switch t.d {
	case SQLite:
		return eachTicketSearch(ctx, t, func(pid []byte, tids []any, search []string) error {
			return (&Store{d: SQLite, search: searchIndex{fts: true}}).indexSearch(ctx, t, pid, tids, search)
		})
	case Postgres:
		return searchText(ctx, t)
	}
	return mysqlOrders(ctx, t)
}

// eachTicketSearch calls fn with the IDs and search texts of every stored
// ticket, a batch of one tenant at a time.
func eachTicketSearch(ctx context.Context, t tx, fn func(pid []byte, tids []any, search []string) error) error {
	const batch = 500
	type row struct{ pid, tid, search []byte }
	var last *row
	for {
		q, args := "SELECT portal_id, id, search FROM tickets", []any{}
		if last != nil {
			q += " WHERE portal_id > ? OR (portal_id = ? AND id > ?)"
			args = append(args, last.pid, last.pid, last.tid)
		}
		rows, err := t.query(ctx, q+" ORDER BY portal_id, id LIMIT "+strconv.Itoa(batch), args...)
		if err != nil {
			return err
		}
		got, err := collect(rows, func(rows *sql.Rows, r *row) error { return rows.Scan(&r.pid, &r.tid, &r.search) })
		if err != nil {
			return err
		}
		if len(got) == 0 {
			return nil
		}
		last = &got[len(got)-1]
		for rest := got; len(rest) > 0; { // one tenant at a time
			n := 1
			for n < len(rest) && string(rest[n].pid) == string(rest[0].pid) {
				n++
			}
			tids, search := make([]any, n), make([]string, n)
			for i, r := range rest[:n] {
				tids[i], search[i] = r.tid, string(r.search)
			}
			if err := fn(rest[0].pid, tids, search); err != nil {
				return err
			}
			rest = rest[n:]
		}
		if len(got) < batch {
			return nil
		}
	}
}

// searchText fills PostgreSQL's search_text of the tickets stored before
// it existed, and makes its pg_trgm index when the extension is there or
// can be created (in a savepoint: a refusal leaves the migration whole).
func searchText(ctx context.Context, t tx) error {
	var utf8 bool
	if err := t.row(ctx, "SELECT current_setting('server_encoding') = 'UTF8'").Scan(&utf8); err != nil || !utf8 {
		return err
	}
	err := eachTicketSearch(ctx, t, func(pid []byte, tids []any, search []string) error {
		rows := make([][]any, len(tids))
		for i, tid := range tids {
			rows[i] = []any{tid, indexText(search[i])}
		}
		return batches(rows, func(rows [][]any) error {
			var b strings.Builder
			for i := range rows {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?::bytea, ?::text)")
			}
			_, err := t.exec(ctx, "UPDATE tickets t SET search_text = v.s FROM (VALUES "+b.String()+
				") v (id, s) WHERE t.portal_id = ? AND t.id = v.id", append(flat(rows), pid)...)
			return err
		})
	})
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, "SAVEPOINT trgm"); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm"); err != nil {
		_, err := t.exec(ctx, "ROLLBACK TO SAVEPOINT trgm")
		return err // no extension: searches read the scope's tickets
	}
	var schema string
	err = t.row(ctx, "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'").Scan(&schema)
	if err != nil {
		return err
	}
	// Without fastupdate, a write puts its trigrams in the index at once:
	// with it, they wait in a pending list that every search reads
	// whole until a vacuum, which made a rare term's search 40 times
	// slower after a bulk load.
	_, err = t.exec(ctx, "CREATE INDEX IF NOT EXISTS tickets_search_trgm ON tickets USING gin (search_text "+
		quoteIdent(schema)+".gin_trgm_ops) WITH (fastupdate = off)")
	return err
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// mysqlOrders adds the order columns and indexes of migration orders to
// MySQL's association tables unless they are there, and fills the columns.
// Each schema change commits at once (MySQL), and each is made only when
// information_schema says it is missing, so that the step can run twice,
// and in two processes at once: a change that fails is fine when another
// process has made it meanwhile.
func mysqlOrders(ctx context.Context, t tx) error {
	for _, a := range []struct{ table, scope string }{{"ticket_contacts", "contact_id"}, {"ticket_companies", "company_id"}} {
		for _, key := range []string{"created", "activity"} {
			col := key + "_key"
			err := mysqlEnsure(ctx, t, mysqlHasColumn, "ALTER TABLE "+a.table+" ADD COLUMN "+col+" bigint NOT NULL DEFAULT 9223372036854775807", a.table, col)
			if err != nil {
				return err
			}
		}
		_, err := t.exec(ctx, "UPDATE "+a.table+" a STRAIGHT_JOIN tickets t ON t.portal_id = a.portal_id AND t.id = a.ticket_id"+
			" SET a.created_key = COALESCE(t.created_at, 9223372036854775807), a.activity_key = COALESCE(t.last_activity_at, 9223372036854775807)")
		if err != nil {
			return err
		}
		for _, key := range []string{"created", "activity"} {
			name := a.table + "_" + key
			change := fmt.Sprintf("ALTER TABLE %s ADD INDEX %s (portal_id, %s, %s_key, ticket_id)", a.table, name, a.scope, key)
			if err := mysqlEnsure(ctx, t, mysqlHasIndex, change, a.table, name); err != nil {
				return err
			}
		}
	}
	return nil
}
