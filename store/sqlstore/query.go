package sqlstore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// keyKind is the SQL type of a sort key.
type keyKind int

const (
	textKey      keyKind = iota // a folded byte string, its first portal.KeyTextLen bytes
	intKey                      // an integer (microseconds, a position)
	floatKey                    // a double
	orderKeyKind                // an association table's order key (portal.OrderKeys)
)

// builder writes one statement and its arguments.
type builder struct {
	d    Dialect
	b    strings.Builder
	args []any
}

func (b *builder) sql(parts ...string) {
	for _, p := range parts {
		b.b.WriteString(p)
	}
}

// arg writes a placeholder bound to v.
func (b *builder) arg(v any) {
	b.args = append(b.args, v)
	b.b.WriteByte('?')
}

// list writes "(?, ?, …)" bound to vs.
func list[T any](b *builder, vs []T, conv func(T) any) {
	b.sql("(")
	for i, v := range vs {
		if i > 0 {
			b.sql(", ")
		}
		b.arg(conv(v))
	}
	b.sql(")")
}

// after writes the condition for the rows after the cursor (q.After,
// q.AfterID) in the list's order.
func (b *builder) after(q *portal.TicketQuery, kind keyKind) {
	k, aid := q.After, id(q.AfterID)
	var key any
	switch kind {
	case textKey:
		key = []byte(k.Text)
	case intKey:
		key = k.Int
	default:
		key = k.Num
	}
	switch {
	case !q.Sort.Desc && k.Null:
		b.sql("m.k IS NULL AND m.id > ")
		b.arg(aid)
	case !q.Sort.Desc:
		b.sql("(m.k IS NULL OR m.k > ")
		b.arg(key)
		b.sql(" OR (m.k = ")
		b.arg(key)
		b.sql(" AND m.id > ")
		b.arg(aid)
		b.sql("))")
	case k.Null:
		b.sql("(m.k IS NOT NULL OR m.id < ")
		b.arg(aid)
		b.sql(")")
	default:
		b.sql("m.k IS NOT NULL AND (m.k < ")
		b.arg(key)
		b.sql(" OR (m.k = ")
		b.arg(key)
		b.sql(" AND m.id < ")
		b.arg(aid)
		b.sql("))")
	}
}

// closedSQL is true for a ticket whose stage is closed.
const closedSQL = "EXISTS (SELECT 1 FROM stages st WHERE st.portal_id = t.portal_id AND st.id = t.stage_id AND st.closed = 1)"

// nameSQL selects the folded name of the record a ticket column refers to.
var nameSQL = map[string]string{
	portal.PropRequestedBy: "(SELECT c.name_fold FROM contacts c WHERE c.portal_id = t.portal_id AND c.id = t.requester_id)",
	portal.PropStage:       "(SELECT st.name_fold FROM stages st WHERE st.portal_id = t.portal_id AND st.id = t.stage_id)",
	portal.PropPipeline:    "(SELECT pl.name_fold FROM pipelines pl WHERE pl.portal_id = t.portal_id AND pl.id = t.pipeline_id)",
	portal.PropChannel:     "(SELECT ch.name_fold FROM channels ch WHERE ch.portal_id = t.portal_id AND ch.id = t.channel_id)",
}

// column is where a built-in ticket property is kept, by the type its
// filters compare: folded text, microseconds, a referenced ID, a raw
// enumeration value.
var column = map[string]string{
	portal.PropSubject:        "t.subject_fold",
	portal.PropContent:        "t.content_fold",
	portal.PropCreatedAt:      "t.created_at",
	portal.PropLastActivityAt: "t.last_activity_at",
	portal.PropRequestedBy:    "t.requester_id",
	portal.PropOwner:          "t.owner_id",
	portal.PropStage:          "t.stage_id",
	portal.PropPipeline:       "t.pipeline_id",
	portal.PropChannel:        "t.channel_id",
	portal.PropPriority:       "t.priority",
	portal.PropNumber:         "t.number",
	portal.PropSatisfaction:   "t.satisfaction",
}

// prop writes a select of the ticket t's custom property name: its stored
// value col (p.txt, p.raw, p.num, p.micros, or 1) of kind (s, n, d or b).
func (b *builder) prop(col, kind, name string) {
	b.sql("SELECT ", col, " FROM ticket_props p WHERE p.portal_id = t.portal_id AND p.ticket_id = t.id AND p.name = ")
	b.arg(name)
	b.sql(" AND p.kind = '", kind, "'")
}

// expr returns a writer of the SQL text s, for keyText and optionKey.
func (b *builder) expr(s string) func() { return func() { b.sql(s) } }

// position writes the position of needle in the byte string col, 0 when
// it does not occur (the dialect's function).
func (b *builder) position(col, needle string) {
	b.sql(b.d.position(col))
	b.args = append(b.args, []byte(needle)) // the one placeholder of position
}

// suffix writes the test that the byte string col ends with s.
func (b *builder) suffix(col, s string) {
	b.sql(b.d.suffix(col, len(s)))
	b.args = append(b.args, []byte(s)) // the one placeholder of suffix
}

// sortKey writes the expression of a ticket's sort key (portal.SortKey)
// and returns its type.
func (b *builder) sortKey(s portal.Sort) keyKind {
	p := s.Property
	switch {
	case p.Builtin && p.Name == portal.PropStatus:
		b.sql("CASE WHEN ", closedSQL, " THEN 1 ELSE 0 END")
		return intKey
	case p.Builtin && (p.Name == portal.PropPriority || p.Name == portal.PropSatisfaction):
		b.optionKey(b.expr(column[p.Name]), p)
		return intKey
	case p.Builtin && (p.Type == portal.Date || p.Name == portal.PropNumber):
		b.sql(column[p.Name])
		return intKey
	case p.Builtin && p.Name == portal.PropOwner:
		b.keyText(func() {
			b.sql("(SELECT o.name_fold FROM owner_names o WHERE o.portal_id = t.portal_id AND o.owner_id = t.owner_id AND o.style = ")
			b.arg(string(s.OwnerName))
			b.sql(")")
		})
		return textKey
	case p.Builtin && nameSQL[p.Name] != "":
		b.keyText(b.expr(nameSQL[p.Name]))
		return textKey
	case p.Builtin:
		b.keyText(b.expr(column[p.Name]))
		return textKey
	}
	value := func(col string) func() {
		return func() {
			b.sql("(")
			b.prop(col, kindOf(p.Type), p.Name)
			b.sql(")")
		}
	}
	switch p.Type {
	case portal.Text:
		b.keyText(value("p.txt"))
		return textKey
	case portal.Enumeration:
		b.optionKey(value("p.raw"), p)
		return intKey
	case portal.Date:
		value("p.micros")()
		return intKey
	}
	value("p.num")()
	return floatKey
}

// keyText writes the sort key of the folded text that expr writes: its
// first portal.KeyTextLen bytes (the columns are binary, so substr counts
// bytes on every dialect).
func (b *builder) keyText(expr func()) {
	b.sql("substr(")
	expr()
	b.sql(", 1, ", strconv.Itoa(portal.KeyTextLen), ")")
}

// optionKey writes the position of the value that expr writes among p's
// options.
func (b *builder) optionKey(expr func(), p portal.Property) {
	if len(p.Options) == 0 {
		b.sql("NULL")
		return
	}
	b.sql("CASE ")
	expr()
	for i, o := range p.Options {
		b.sql(" WHEN ")
		b.arg([]byte(o.Value))
		b.sql(fmt.Sprintf(" THEN %d", i))
	}
	b.sql(" END")
}

// kindOf is the ticket_props kind of a custom property of type t.
func kindOf(t portal.PropertyType) string {
	switch t {
	case portal.Number:
		return "n"
	case portal.Date:
		return "d"
	case portal.Boolean:
		return "b"
	}
	return "s"
}

// filter writes " AND (group OR group …)" for the groups, each group its
// conditions AND-ed; no groups write nothing.
func (b *builder) filter(groups [][]portal.Cond, q *portal.TicketQuery) {
	if len(groups) == 0 {
		return
	}
	b.sql(" AND (")
	for i, g := range groups {
		if i > 0 {
			b.sql(" OR ")
		}
		b.sql("(")
		for j, c := range g {
			if j > 0 {
				b.sql(" AND ")
			}
			b.cond(c, q)
		}
		b.sql(")")
	}
	b.sql(")")
}

// cond writes one condition with the semantics of portal.Env: an unknown
// value matches only is_unknown.
func (b *builder) cond(c portal.Cond, q *portal.TicketQuery) {
	p := c.Property
	if p.Builtin && p.Name == portal.PropStatus {
		b.status(c)
		return
	}
	if p.Builtin {
		col := column[p.Name]
		switch c.Operator {
		case portal.IsKnown:
			b.sql(col, " IS NOT NULL")
		case portal.IsUnknown:
			b.sql(col, " IS NULL")
		default:
			// No "col IS NOT NULL" is needed: every test compares col, so
			// on NULL it is NULL, negated or not, and a WHERE of ANDs and
			// ORs without NOT above it keeps only rows where it is true.
			b.pred(c, col, q)
		}
		return
	}
	col := "p.num"
	switch p.Type {
	case portal.Text:
		col = "p.txt"
	case portal.Enumeration:
		col = "p.raw"
	case portal.Date:
		col = "p.micros"
	}
	switch c.Operator {
	case portal.IsUnknown:
		b.sql("NOT ")
		fallthrough
	case portal.IsKnown:
		b.sql("EXISTS (")
		b.prop("1", kindOf(p.Type), p.Name)
		b.sql(")")
	default:
		b.sql("EXISTS (")
		b.prop("1", kindOf(p.Type), p.Name)
		b.sql(" AND ")
		b.pred(c, col, q)
		b.sql(")")
	}
}

// pred writes the test of a known value in col.
func (b *builder) pred(c portal.Cond, col string, q *portal.TicketQuery) {
	bytes := func(s string) any { return []byte(s) }
	switch c.Property.Type {
	case portal.Text:
		switch c.Operator {
		case portal.EqualsAny, portal.NotEqualsAny:
			b.sql(not(c.Operator == portal.NotEqualsAny), col, " IN ")
			list(b, c.Texts, bytes)
			b.sql(")")
		case portal.ContainsAny, portal.NotContainsAny:
			b.sql(not(c.Operator == portal.NotContainsAny))
			for i, v := range c.Texts {
				if i > 0 {
					b.sql(" OR ")
				}
				b.position(col, v)
				b.sql(" > 0")
			}
			b.sql(")")
		case portal.StartsWith:
			b.position(col, c.Texts[0])
			b.sql(" = 1")
		case portal.EndsWith:
			b.suffix(col, c.Texts[0])
		}
	case portal.Number, portal.Boolean:
		switch {
		case c.Property.Type == portal.Boolean:
			want := 0.0
			if c.Bool {
				want = 1
			}
			b.sql(col, " = ")
			b.arg(want)
		case c.Operator == portal.Between:
			b.sql(col, " >= ")
			b.arg(c.Nums[0])
			b.sql(" AND ", col, " <= ")
			b.arg(c.Nums[1])
		default:
			b.sql(col, comparison[c.Operator])
			b.arg(c.Nums[0])
		}
	case portal.Date:
		from, to, outside := c.Span(q.Now)
		b.sql(not(outside), b.d.boolean(true))
		if from != portal.SpanMin {
			b.sql(" AND ", col, " >= ")
			b.arg(from)
		}
		if to != portal.SpanMax {
			b.sql(" AND ", col, " < ")
			b.arg(to)
		}
		b.sql(")")
	case portal.Enumeration:
		b.sql(not(c.Operator == portal.IsNoneOf), col, " IN ")
		if c.Property.Ref != "" {
			list(b, c.IDs, func(u uuid.UUID) any { return id(u) })
		} else {
			list(b, c.Values, bytes)
		}
		b.sql(")")
	}
}

// not opens a parenthesis, negated when neg is true.
func not(neg bool) string {
	if neg {
		return "NOT ("
	}
	return "("
}

// comparison is the SQL of a number comparison operator.
var comparison = map[portal.Operator]string{portal.Eq: " = ", portal.Ne: " <> ", portal.Lt: " < ",
	portal.Lte: " <= ", portal.Gt: " > ", portal.Gte: " >= "}

// status writes a condition on the built-in status, which is always known:
// closed when the ticket's stage is closed, open otherwise.
func (b *builder) status(c portal.Cond) {
	open, closed := c.Statuses()
	switch {
	case open && closed:
		b.sql(b.d.boolean(true))
	case closed:
		b.sql(closedSQL)
	case open:
		b.sql("NOT ", closedSQL)
	default:
		b.sql(b.d.boolean(false))
	}
}
