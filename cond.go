package portal

import (
	"math"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Cond is one filter of a TicketFilter resolved for a store that translates
// filters into its own query language (SQL): the property with its type,
// the operator, and the values already parsed for that type. It means
// exactly what Match means (see Env); a store that evaluates in Go calls
// Match instead.
type Cond struct {
	Property Property
	Operator Operator
	// Texts are a text filter's values, folded (Fold): the store compares
	// them with the folded property value, byte for byte.
	Texts []string
	// Values are an enumeration's values as given (for status: "open",
	// "closed").
	Values []string
	// IDs are a reference's record IDs.
	IDs []uuid.UUID
	// Nums are a number filter's values (between: low, high).
	Nums []float64
	// Bool is the value a boolean eq/ne filter matches.
	Bool bool

	from, to int64   // a date filter's span in Unix microseconds
	days     float64 // before_days_ago and after_days_ago
}

// Statuses reports which tickets a condition on the built-in status
// passes: the open ones, the closed ones, both or neither.
func (c Cond) Statuses() (open, closed bool) {
	switch c.Operator {
	case IsKnown:
		return true, true
	case IsUnknown:
		return false, false
	}
	open, closed = slices.Contains(c.Values, StatusOpen), slices.Contains(c.Values, StatusClosed)
	if c.Operator == IsNoneOf {
		open, closed = !open, !closed
	}
	return open, closed
}

// Unbounded ends of a Span.
const (
	SpanMin int64 = math.MinInt64
	SpanMax int64 = math.MaxInt64
)

// Span returns the Unix microseconds a date condition matches at now: the
// dates d with from ≤ d < to, or, when outside is true (ne), the dates not
// in that span. An unbounded end is SpanMin or SpanMax. It answers for the
// comparison and days-ago operators; is_known and is_unknown have no span.
func (c Cond) Span(now time.Time) (from, to int64, outside bool) {
	switch c.Operator {
	case Eq, Between:
		return c.from, c.to, false
	case Ne:
		return c.from, c.to, true
	case Lt:
		return SpanMin, c.from, false
	case Lte:
		return SpanMin, c.to, false
	case Gt:
		return c.to, SpanMax, false
	case Gte:
		return c.from, SpanMax, false
	case BeforeDaysAgo, AfterDaysAgo:
		// Match compares time.Time values; a stored date is whole
		// microseconds, so d < limit is d < ⌈limit⌉ and d > limit is
		// d ≥ ⌊limit⌋+1, in microseconds.
		limit := now.Add(-time.Duration(c.days) * 24 * time.Hour)
		us := limit.UnixMicro() // floor
		if c.Operator == AfterDaysAgo {
			return us + 1, SpanMax, false
		}
		if limit.Nanosecond()%1000 != 0 {
			us++
		}
		return SpanMin, us, false
	}
	return SpanMin, SpanMax, false
}

// Conds returns the filter's groups as conditions: the groups are OR-ed,
// the conditions inside a group AND-ed, and no groups match every ticket.
// The slices are the caller's.
func (f TicketFilter) Conds() [][]Cond {
	out := make([][]Cond, len(f.conds))
	for i, g := range f.conds {
		out[i] = make([]Cond, len(g))
		for j, c := range g {
			c.Property = c.Property.Clone()
			c.Texts = append([]string(nil), c.Texts...)
			c.Values = append([]string(nil), c.Values...)
			c.IDs = append([]uuid.UUID(nil), c.IDs...)
			c.Nums = append([]float64(nil), c.Nums...)
			out[i][j] = c
		}
	}
	return out
}

// resolveGroups resolves validated groups of filters on obj into
// conditions, parsing each value once (parseValue).
func resolveGroups(g FilterGroups, schema Schema, obj Object, loc *time.Location) ([][]Cond, error) {
	out := make([][]Cond, len(g))
	for i, group := range g {
		out[i] = make([]Cond, len(group))
		for j, f := range group {
			p, _ := schema.Lookup(obj, f.Property)
			c, err := resolve(f, p, loc)
			if err != nil {
				return nil, err
			}
			out[i][j] = c
		}
	}
	return out, nil
}

// resolve parses a validated filter's values for its property's type, a
// day in loc.
func resolve(f Filter, p Property, loc *time.Location) (Cond, error) {
	c := Cond{Property: p.Clone(), Operator: f.Operator}
	for k, v := range f.Values {
		x, err := parseValue(p, f.Operator, v, loc)
		if err != nil {
			return c, err
		}
		switch {
		case f.Operator == BeforeDaysAgo || f.Operator == AfterDaysAgo:
			c.days = x.num
		case p.Type == Text:
			c.Texts = append(c.Texts, x.text)
		case p.Type == Number:
			c.Nums = append(c.Nums, x.num)
		case p.Type == Date && k == 0:
			c.from, c.to = x.from, x.to
		case p.Type == Date: // between's high end
			c.to = x.to
		case p.Type == Boolean:
			c.Bool = x.flag == (f.Operator == Eq)
		case p.Ref != "":
			c.IDs = append(c.IDs, x.id)
		default: // enumeration
			c.Values = append(c.Values, v)
		}
	}
	return c, nil
}
