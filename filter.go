package portal

import (
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Operator is a filter's comparison (S5). Which operators fit a property
// depends on its type.
type Operator string

// Text operators.
const (
	EqualsAny      Operator = "equals_any"
	NotEqualsAny   Operator = "not_equals_any"
	ContainsAny    Operator = "contains_any"
	NotContainsAny Operator = "not_contains_any"
	StartsWith     Operator = "starts_with"
	EndsWith       Operator = "ends_with"
)

// Number and date operators. Between takes two values, low and high, both
// included.
const (
	Eq      Operator = "eq"
	Ne      Operator = "ne"
	Lt      Operator = "lt"
	Lte     Operator = "lte"
	Gt      Operator = "gt"
	Gte     Operator = "gte"
	Between Operator = "between"
)

// Date-only operators: the value is a whole number of days N, and the date is
// before (or after) the moment N days before now.
const (
	BeforeDaysAgo Operator = "before_days_ago"
	AfterDaysAgo  Operator = "after_days_ago"
)

// Enumeration operators.
const (
	IsAnyOf  Operator = "is_any_of"
	IsNoneOf Operator = "is_none_of"
)

// Operators for every type.
const (
	IsKnown   Operator = "is_known"
	IsUnknown Operator = "is_unknown"
)

// operatorsFor lists the operators that fit each type.
var operatorsFor = map[PropertyType][]Operator{
	Text:        {EqualsAny, NotEqualsAny, ContainsAny, NotContainsAny, StartsWith, EndsWith, IsKnown, IsUnknown},
	Number:      {Eq, Ne, Lt, Lte, Gt, Gte, Between, IsKnown, IsUnknown},
	Date:        {Eq, Ne, Lt, Lte, Gt, Gte, Between, BeforeDaysAgo, AfterDaysAgo, IsKnown, IsUnknown},
	Enumeration: {IsAnyOf, IsNoneOf, IsKnown, IsUnknown},
	Boolean:     {Eq, Ne, IsKnown, IsUnknown},
}

// Operators returns the operators that fit a property type.
func Operators(t PropertyType) []Operator {
	return append([]Operator(nil), operatorsFor[t]...)
}

// Filter is one condition: property, operator, values (S5). Values are
// written as text whatever the property's type, so filters store and travel
// unchanged: numbers in Go syntax ("12.5"), dates as RFC 3339 or YYYY-MM-DD
// (UTC), booleans as "true"/"false", day counts as whole numbers,
// enumeration values as the option's value or, for a reference, the record's
// UUID.
type Filter struct {
	Property string
	Operator Operator
	Values   []string
}

// FilterGroups is a filter in the shape every filter of the product has (S5):
// the filters inside a group are AND-ed, the groups are OR-ed. An empty
// FilterGroups sets no condition: everything matches.
type FilterGroups [][]Filter

// Reads reports whether a filter of g is on the property named name.
func (g FilterGroups) Reads(name string) bool {
	for _, group := range g {
		for _, f := range group {
			if f.Property == name {
				return true
			}
		}
	}
	return false
}

// Clone returns a deep copy.
func (g FilterGroups) Clone() FilterGroups {
	if g == nil {
		return nil
	}
	out := make(FilterGroups, len(g))
	for i, group := range g {
		out[i] = make([]Filter, len(group))
		for j, f := range group {
			f.Values = append([]string(nil), f.Values...)
			out[i][j] = f
		}
	}
	return out
}

// Limits on the size of filter groups.
const (
	MaxFilterGroups  = 25
	MaxGroupFilters  = 25
	MaxFilterValues  = 100
	maxFilterValueLn = 1000
)

// Validate checks the groups against obj's properties in schema: each filter
// names a known property, its operator fits the property's type, and its
// values parse as that type in the number the operator takes. Every problem
// is reported, each with its path below field, e.g.
// "display.visibility[0][2].operator".
func (g FilterGroups) Validate(schema Schema, obj Object, field string) error {
	var ps problems
	g.check(&ps, schema, obj, field)
	return ps.err()
}

func (g FilterGroups) check(ps *problems, schema Schema, obj Object, field string) {
	if len(g) > MaxFilterGroups {
		ps.add(field, "at most %d groups", MaxFilterGroups)
		return
	}
	for i, group := range g {
		gf := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case len(group) == 0:
			ps.add(gf, "a group needs at least one filter")
		case len(group) > MaxGroupFilters:
			ps.add(gf, "at most %d filters in a group", MaxGroupFilters)
			continue
		}
		for j, f := range group {
			f.check(ps, schema, obj, fmt.Sprintf("%s[%d]", gf, j))
		}
	}
}

func (f Filter) check(ps *problems, schema Schema, obj Object, field string) {
	p, ok := schema.Lookup(obj, f.Property)
	if !ok {
		ps.add(field+".property", "unknown %s property %q", obj, f.Property)
		return
	}
	if !operatorFits(p.Type, f.Operator) {
		ps.add(field+".operator", "%q does not fit %s property %q", f.Operator, p.Type, p.Name)
		return
	}
	lo, hi := arity(f.Operator)
	n := len(f.Values)
	switch {
	case n < lo || n > hi:
		ps.addText(field+".values", arityProblem(f.Operator, lo, hi, n))
		return
	}
	var low, high filterValue
	for k, v := range f.Values {
		vf := fmt.Sprintf("%s.values[%d]", field, k)
		x, err := parseValue(p, f.Operator, v, time.UTC) // a value's form alone: any zone tells
		if err != nil {
			ps.addErr(vf, err)
			continue
		}
		if k == 0 {
			low = x
		} else {
			high = x
		}
	}
	if f.Operator == Between && n == 2 && (low.num > high.num || low.from > high.from) {
		ps.add(field+".values", "between needs low ≤ high")
	}
}

func operatorFits(t PropertyType, op Operator) bool {
	for _, o := range operatorsFor[t] {
		if o == op {
			return true
		}
	}
	return false
}

// arity returns how many values an operator takes.
func arity(op Operator) (lo, hi int) {
	switch op {
	case IsKnown, IsUnknown:
		return 0, 0
	case Between:
		return 2, 2
	case EqualsAny, NotEqualsAny, ContainsAny, NotContainsAny, IsAnyOf, IsNoneOf:
		return 1, MaxFilterValues
	}
	return 1, 1
}

func arityProblem(op Operator, lo, hi, n int) text {
	switch {
	case lo == hi && lo == 0:
		return msg("%s takes no values, got %d", op, n)
	case lo == hi:
		return msg("%s takes exactly %d value(s), got %d", op, lo, n)
	}
	return msg("%s takes %d to %d values, got %d", op, lo, hi, n)
}

// filterValue is one filter value parsed for its property's type and its
// operator: the one form every evaluator of a filter reads (resolve).
type filterValue struct {
	text     string    // text: folded (Fold)
	num      float64   // number; a day count (before/after_days_ago)
	from, to int64     // date: the span it stands for, Unix µs [from, to)
	id       uuid.UUID // enumeration of records
	flag     bool      // boolean: the value is "true"
}

// parseValue parses one filter value for the property and operator, or
// says what is wrong with it. It is the one place where a filter value is
// read; see Env for what a value means.
func parseValue(p Property, op Operator, v string, loc *time.Location) (filterValue, error) {
	var x filterValue
	if !utf8.ValidString(v) || len(v) > maxFilterValueLn {
		return x, msg("must be valid UTF-8 of at most %d bytes", maxFilterValueLn)
	}
	if op == BeforeDaysAgo || op == AfterDaysAgo {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100000 {
			return x, msg("%q is not a whole number of days between 0 and 100000", v)
		}
		x.num = float64(n)
		return x, nil
	}
	switch p.Type {
	case Text:
		if v == "" {
			return x, msg("must not be empty")
		}
		x.text = Fold(v)
	case Number:
		n, err := ParseNumber(v)
		if err != nil {
			return x, err
		}
		x.num = n
	case Date:
		from, to, err := dateSpan(v, loc)
		if err != nil {
			return x, err
		}
		x.from, x.to = from, to
	case Boolean:
		if v != "true" && v != "false" {
			return x, msg("%q is not true or false", v)
		}
		x.flag = v == "true"
	case Enumeration:
		if p.Ref != "" {
			id, err := uuid.Parse(v)
			if err != nil {
				return x, msg("%q is not a %s ID", v, p.Ref)
			}
			x.id = id
		} else if !p.HasOption(v) {
			return x, msg("%q is not an option of %q", v, p.Name)
		}
	}
	return x, nil
}

// ParseNumber parses a number filter value: a finite decimal number.
func ParseNumber(v string) (float64, error) {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, msg("%q is not a finite number", v)
	}
	return n, nil
}

// ParseDate parses a date filter value: RFC 3339, or YYYY-MM-DD meaning
// midnight UTC.
func ParseDate(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, msg("%q is not a date (RFC 3339 or YYYY-MM-DD)", v)
}

// DateSpan returns the span a date filter value stands for, as Unix
// microseconds [from, to): a whole UTC day for YYYY-MM-DD, one microsecond
// for an instant.
func DateSpan(v string) (from, to int64, err error) { return dateSpan(v, time.UTC) }

// dateSpan is DateSpan with YYYY-MM-DD a whole day in loc (X3: "before
// 2026-12-01" means the contact's day), 23 or 25 hours long where the
// clocks change.
func dateSpan(v string, loc *time.Location) (from, to int64, err error) {
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return dayStart(d, loc).UnixMicro(), dayStart(d.AddDate(0, 0, 1), loc).UnixMicro(), nil
	}
	t, err := ParseDate(v)
	if err != nil {
		return 0, 0, err
	}
	return t.UnixMicro(), t.UnixMicro() + 1, nil
}

// dayStart is the first instant whose date in loc is day's (a date
// parsed in UTC): midnight, or where the clocks jump over midnight the end
// of the jump, or where they go back over it the first of the two.
func dayStart(day time.Time, loc *time.Location) time.Time {
	y, m, d := day.Date()
	same := func(x time.Time) bool { xy, xm, xd := x.In(loc).Date(); return xy == y && xm == m && xd == d }
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if !same(t) { // midnight skipped
		_, t = t.ZoneBounds()
	}
	if start, _ := t.ZoneBounds(); !start.IsZero() && same(start.Add(-time.Second)) { // midnight repeated
		_, off := start.Add(-time.Second).Zone()
		t = time.Date(y, m, d, 0, 0, 0, 0, time.FixedZone("", off))
	}
	return t
}
