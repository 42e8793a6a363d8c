package portal

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Env is what a compiled filter reads besides the record itself.
//
// A filter (S5) means the same in every store, whether it is evaluated in
// Go (TicketFilter.Match) or translated from its conditions
// (TicketFilter.Conds) into SQL:
//   - Text comparisons ignore case as Fold does.
//   - A value that is unknown (empty text, no number, zero time, nil ID,
//     no enumeration value, an empty list) matches only is_unknown; every
//     other operator, negative ones included, is false for it.
//   - A date value written as YYYY-MM-DD stands for that whole UTC day: eq
//     means within the day, lt before it, lte before its end, gt after its
//     end, gte from its start, and between runs from the start of the first
//     day to the end of the second. An RFC 3339 value stands for its instant.
//     Dates compare in whole microseconds, as stores keep them (Cond.Span).
//   - before_days_ago N matches dates before Now minus N×24h, after_days_ago
//     N dates after it.
//   - A multi-valued property (a contact's lists) is any of the values when
//     one of its values is, and none of them when it has values and none is.
type Env struct {
	// Now is the moment "N days ago" counts back from.
	Now time.Time
	// Closed holds the IDs of closed stages; a ticket whose stage is in it
	// has status "closed", any other "open" (the built-in status property).
	Closed map[uuid.UUID]bool
}

// pred is one compiled filter. fx is the record's folded text when the
// caller keeps it (a ticket's, see Folded), or nil.
type pred[T any] func(x *T, fx *Folded, env *Env) bool

// matcher is compiled FilterGroups: the groups are OR-ed, the predicates
// inside a group AND-ed. No groups match everything.
type matcher[T any] struct {
	groups [][]pred[T]
}

func (m *matcher[T]) match(x *T, fx *Folded, env *Env) bool {
	if m == nil || len(m.groups) == 0 {
		return true
	}
	for _, g := range m.groups {
		if allOf(g, x, fx, env) {
			return true
		}
	}
	return false
}

func allOf[T any](g []pred[T], x *T, fx *Folded, env *Env) bool {
	for _, p := range g {
		if !p(x, fx, env) {
			return false
		}
	}
	return true
}

// Verdict says how filter groups decided for one record (X4): the first
// group that matched, or for each group the first filter that failed.
type Verdict struct {
	Matched bool
	// Group is the index of the first matching group, or -1.
	Group int
	// Failed holds, when nothing matched, the index of the first failing
	// filter of each group.
	Failed []int
	// Empty is set when there were no groups at all (everything matches).
	Empty bool
}

func (m *matcher[T]) verdict(x *T, fx *Folded, env *Env) Verdict {
	if m == nil || len(m.groups) == 0 {
		return Verdict{Matched: true, Group: -1, Empty: true}
	}
	v := Verdict{Group: -1}
	for gi, g := range m.groups {
		failed := slices.IndexFunc(g, func(p pred[T]) bool { return !p(x, fx, env) })
		if failed < 0 {
			return Verdict{Matched: true, Group: gi}
		}
		v.Failed = append(v.Failed, failed)
	}
	return v
}

// access reads one property of a record, in the form its type needs. Only
// the field for the property's type is set. text returns the text folded
// (folded true) when the record's Folded holds it, else as stored.
type access[T any] struct {
	text    func(*T, *Folded) (s string, folded bool)
	number  func(*T) (float64, bool)
	date    func(*T) time.Time
	enum    func(*T, *Env) string
	ref     func(*T) uuid.UUID
	refs    func(*T) []uuid.UUID
	boolean func(*T) (bool, bool)
}

// schemaAccess reads every built-in property of an object, and custom ones
// from its Properties.
type schemaAccess[T any] struct {
	obj     Object
	builtin map[string]access[T]
	props   func(*T) Properties
}

func (a schemaAccess[T]) of(p Property) access[T] {
	if p.Builtin {
		return a.builtin[p.Name]
	}
	name, props := p.Name, a.props
	switch p.Type {
	case Text:
		return access[T]{text: func(x *T, fx *Folded) (string, bool) {
			if fx != nil {
				return fx.Props[name], true
			}
			s, _ := props(x)[name].(string)
			return s, false
		}}
	case Enumeration:
		return access[T]{enum: func(x *T, _ *Env) string { s, _ := props(x)[name].(string); return s }}
	case Number:
		return access[T]{number: func(x *T) (float64, bool) { n, ok := props(x)[name].(float64); return n, ok }}
	case Date:
		return access[T]{date: func(x *T) time.Time { d, _ := props(x)[name].(time.Time); return d }}
	case Boolean:
		return access[T]{boolean: func(x *T) (bool, bool) { b, ok := props(x)[name].(bool); return b, ok }}
	}
	return access[T]{}
}

var ticketAccess = schemaAccess[Ticket]{
	obj:   TicketObject,
	props: func(t *Ticket) Properties { return t.Properties },
	builtin: map[string]access[Ticket]{
		PropSubject: {text: func(t *Ticket, fx *Folded) (string, bool) {
			if fx != nil {
				return fx.Subject, true
			}
			return t.Subject, false
		}},
		PropContent: {text: func(t *Ticket, fx *Folded) (string, bool) {
			if fx != nil {
				return fx.Content, true
			}
			return t.Content, false
		}},
		PropRequestedBy:    {ref: func(t *Ticket) uuid.UUID { return t.RequesterID }},
		PropCreatedAt:      {date: func(t *Ticket) time.Time { return t.CreatedAt }},
		PropLastActivityAt: {date: func(t *Ticket) time.Time { return t.LastActivityAt }},
		PropOwner:          {ref: func(t *Ticket) uuid.UUID { return t.OwnerID }},
		PropStage:          {ref: func(t *Ticket) uuid.UUID { return t.StageID }},
		PropPipeline:       {ref: func(t *Ticket) uuid.UUID { return t.PipelineID }},
		PropChannel:        {ref: func(t *Ticket) uuid.UUID { return t.ChannelID }},
		PropNumber:         {number: func(t *Ticket) (float64, bool) { return float64(t.Number), t.Number != 0 }},
		PropPriority:       {enum: func(t *Ticket, _ *Env) string { return string(t.Priority) }},
		PropSatisfaction:   {enum: func(t *Ticket, _ *Env) string { return t.Rating.Value }},
		PropStatus:         {enum: func(t *Ticket, env *Env) string { return ticketStatus(t, env) }},
	},
}

func ticketStatus(t *Ticket, env *Env) string {
	if env != nil && env.Closed[t.StageID] {
		return StatusClosed
	}
	return StatusOpen
}

var contactAccess = schemaAccess[Contact]{
	obj:   ContactObject,
	props: func(c *Contact) Properties { return c.Properties },
	builtin: map[string]access[Contact]{
		PropFirstName: {text: func(c *Contact, _ *Folded) (string, bool) { return c.FirstName, false }},
		PropLastName:  {text: func(c *Contact, _ *Folded) (string, bool) { return c.LastName, false }},
		PropEmail:     {text: func(c *Contact, _ *Folded) (string, bool) { return c.Email, false }},
		PropCompany:   {ref: func(c *Contact) uuid.UUID { return c.CompanyID }},
		PropLists:     {refs: func(c *Contact) []uuid.UUID { return c.Lists }},
		PropCreatedAt: {date: func(c *Contact) time.Time { return c.CreatedAt }},
	},
}

var companyAccess = schemaAccess[Company]{
	obj:   CompanyObject,
	props: func(c *Company) Properties { return c.Properties },
	builtin: map[string]access[Company]{
		PropName:      {text: func(c *Company, _ *Folded) (string, bool) { return c.Name, false }},
		PropDomain:    {text: func(c *Company, _ *Folded) (string, bool) { return c.Domain, false }},
		PropCreatedAt: {date: func(c *Company) time.Time { return c.CreatedAt }},
	},
}

// compile validates g against schema, resolves it (resolveGroups) and
// compiles the conditions for records read by a.
func compile[T any](g FilterGroups, schema Schema, a schemaAccess[T], field string, loc *time.Location) (*matcher[T], [][]Cond, error) {
	if err := g.Validate(schema, a.obj, field); err != nil {
		return nil, nil, err
	}
	conds, err := resolveGroups(g, schema, a.obj, loc)
	if err != nil { // Validate has checked every value; this is a bug
		return nil, nil, fmt.Errorf("%w: resolve %s: %v", ErrInternal, field, err)
	}
	m := &matcher[T]{groups: make([][]pred[T], len(conds))}
	for i, group := range conds {
		m.groups[i] = make([]pred[T], len(group))
		for j := range group {
			pr, err := compileCond(&group[j], a.of(group[j].Property))
			if err != nil {
				return nil, nil, fmt.Errorf("%w: compile %s[%d][%d]: %v", ErrInternal, field, i, j, err)
			}
			m.groups[i][j] = pr
		}
	}
	return m, conds, nil
}

// compileCond compiles one condition into a predicate over records read
// by a. The predicate shares c's values: resolved conditions are never
// changed (TicketFilter.Conds hands out copies).
func compileCond[T any](c *Cond, a access[T]) (pred[T], error) {
	switch {
	case a.text != nil:
		return compileText(a.text, c.Operator, c.Texts), nil
	case a.number != nil:
		return compileNumber(a.number, c.Operator, c.Nums), nil
	case a.date != nil:
		return compileDate(a.date, *c), nil
	case a.enum != nil:
		return compileEnum(a.enum, c.Operator, c.Values), nil
	case a.ref != nil:
		return compileRef(a.ref, c.Operator, c.IDs), nil
	case a.refs != nil:
		return compileRefs(a.refs, c.Operator, c.IDs), nil
	case a.boolean != nil:
		return compileBool(a.boolean, c.Operator, c.Bool), nil
	}
	return nil, fmt.Errorf("no access to property %q", c.Property.Name)
}

// compileText compiles a text condition; folded are its values, folded.
func compileText[T any](get func(*T, *Folded) (string, bool), op Operator, folded []string) pred[T] {
	// test applies one operator's test to a known value s: on folded text
	// with plain byte comparisons, on stored text ignoring case (fold.go).
	test := func(onFolded, onStored func(s, v string) bool) pred[T] {
		return func(x *T, fx *Folded, _ *Env) bool {
			s, isFolded := get(x, fx)
			if s == "" {
				return false
			}
			is := onStored
			if isFolded {
				is = onFolded
			}
			for _, v := range folded {
				if is(s, v) {
					return true
				}
			}
			return false
		}
	}
	not := func(p pred[T]) pred[T] {
		return func(x *T, fx *Folded, env *Env) bool {
			s, _ := get(x, fx)
			return s != "" && !p(x, fx, env)
		}
	}
	equal := func(a, b string) bool { return a == b }
	switch op {
	case IsKnown:
		return func(x *T, fx *Folded, _ *Env) bool { s, _ := get(x, fx); return s != "" }
	case IsUnknown:
		return func(x *T, fx *Folded, _ *Env) bool { s, _ := get(x, fx); return s == "" }
	case EqualsAny:
		return test(equal, equalFold)
	case NotEqualsAny:
		return not(test(equal, equalFold))
	case ContainsAny:
		return test(strings.Contains, containsFold)
	case NotContainsAny:
		return not(test(strings.Contains, containsFold))
	case StartsWith:
		folded = folded[:1]
		return test(strings.HasPrefix, hasPrefixFold)
	case EndsWith:
		folded = folded[:1]
		return test(strings.HasSuffix, hasSuffixFold)
	}
	return never[T]
}

func never[T any](*T, *Folded, *Env) bool { return false }

func compileNumber[T any](get func(*T) (float64, bool), op Operator, nums []float64) pred[T] {
	test := func(cmp func(n float64) bool) pred[T] {
		return func(x *T, _ *Folded, _ *Env) bool { n, ok := get(x); return ok && cmp(n) }
	}
	switch op {
	case IsKnown:
		return func(x *T, _ *Folded, _ *Env) bool { _, ok := get(x); return ok }
	case IsUnknown:
		return func(x *T, _ *Folded, _ *Env) bool { _, ok := get(x); return !ok }
	case Eq:
		return test(func(n float64) bool { return n == nums[0] })
	case Ne:
		return test(func(n float64) bool { return n != nums[0] })
	case Lt:
		return test(func(n float64) bool { return n < nums[0] })
	case Lte:
		return test(func(n float64) bool { return n <= nums[0] })
	case Gt:
		return test(func(n float64) bool { return n > nums[0] })
	case Gte:
		return test(func(n float64) bool { return n >= nums[0] })
	case Between:
		return test(func(n float64) bool { return nums[0] <= n && n <= nums[1] })
	}
	return never[T]
}

// compileDate compiles a date condition as the span it matches (Cond.Span),
// the one mapping of date operators to spans that a store's SQL reads too.
// A date is compared in whole microseconds, as the stores keep it.
func compileDate[T any](get func(*T) time.Time, c Cond) pred[T] {
	switch c.Operator {
	case IsKnown:
		return func(x *T, _ *Folded, _ *Env) bool { return !get(x).IsZero() }
	case IsUnknown:
		return func(x *T, _ *Folded, _ *Env) bool { return get(x).IsZero() }
	}
	relative := c.Operator == BeforeDaysAgo || c.Operator == AfterDaysAgo
	from, to, outside := c.Span(time.Time{}) // fixed unless relative
	return func(x *T, _ *Folded, env *Env) bool {
		d := get(x)
		if d.IsZero() {
			return false
		}
		from, to, outside := from, to, outside
		if relative { // the span moves with Env.Now
			from, to, outside = c.Span(env.Now)
		}
		us := d.UnixMicro()
		return (from <= us && us < to) != outside
	}
}

func compileEnum[T any](get func(*T, *Env) string, op Operator, vals []string) pred[T] {
	switch op {
	case IsKnown:
		return func(x *T, _ *Folded, env *Env) bool { return get(x, env) != "" }
	case IsUnknown:
		return func(x *T, _ *Folded, env *Env) bool { return get(x, env) == "" }
	case IsAnyOf:
		return func(x *T, _ *Folded, env *Env) bool { s := get(x, env); return s != "" && slices.Contains(vals, s) }
	case IsNoneOf:
		return func(x *T, _ *Folded, env *Env) bool { s := get(x, env); return s != "" && !slices.Contains(vals, s) }
	}
	return never[T]
}

func compileRef[T any](get func(*T) uuid.UUID, op Operator, ids []uuid.UUID) pred[T] {
	switch op {
	case IsKnown:
		return func(x *T, _ *Folded, _ *Env) bool { return get(x) != uuid.Nil }
	case IsUnknown:
		return func(x *T, _ *Folded, _ *Env) bool { return get(x) == uuid.Nil }
	case IsAnyOf:
		return func(x *T, _ *Folded, _ *Env) bool { id := get(x); return id != uuid.Nil && slices.Contains(ids, id) }
	case IsNoneOf:
		return func(x *T, _ *Folded, _ *Env) bool { id := get(x); return id != uuid.Nil && !slices.Contains(ids, id) }
	}
	return never[T]
}

func compileRefs[T any](get func(*T) []uuid.UUID, op Operator, ids []uuid.UUID) pred[T] {
	anyIn := func(have []uuid.UUID) bool {
		return slices.ContainsFunc(have, func(id uuid.UUID) bool { return slices.Contains(ids, id) })
	}
	switch op {
	case IsKnown:
		return func(x *T, _ *Folded, _ *Env) bool { return len(get(x)) > 0 }
	case IsUnknown:
		return func(x *T, _ *Folded, _ *Env) bool { return len(get(x)) == 0 }
	case IsAnyOf:
		return func(x *T, _ *Folded, _ *Env) bool { return anyIn(get(x)) }
	case IsNoneOf:
		return func(x *T, _ *Folded, _ *Env) bool { have := get(x); return len(have) > 0 && !anyIn(have) }
	}
	return never[T]
}

// compileBool compiles a boolean condition; want is the value eq or ne
// matches (Cond.Bool).
func compileBool[T any](get func(*T) (bool, bool), op Operator, want bool) pred[T] {
	switch op {
	case IsKnown:
		return func(x *T, _ *Folded, _ *Env) bool { _, ok := get(x); return ok }
	case IsUnknown:
		return func(x *T, _ *Folded, _ *Env) bool { _, ok := get(x); return !ok }
	case Eq, Ne:
		return func(x *T, _ *Folded, _ *Env) bool { b, ok := get(x); return ok && b == want }
	}
	return never[T]
}

// TicketFilter is FilterGroups over ticket properties, validated and
// compiled into a tree of typed predicates, one per filter. The zero
// TicketFilter has no groups and matches every ticket.
//
// Stores that evaluate in Go call Match; stores that translate to another
// language (SQL) read Conds. Both mean the same thing, as documented on
// Env.
type TicketFilter struct {
	groups FilterGroups
	conds  [][]Cond
	m      *matcher[Ticket]
	zone   string // the zone its days are in
}

// CompileTicketFilter validates g against schema (ErrInvalid naming
// field-relative paths) and compiles it; a day (YYYY-MM-DD) is a UTC day.
func CompileTicketFilter(g FilterGroups, schema Schema) (TicketFilter, error) {
	return compileTicketFilter(g, schema, "filter", time.UTC)
}

// compileTicketFilter is CompileTicketFilter with a day in loc.
func compileTicketFilter(g FilterGroups, schema Schema, field string, loc *time.Location) (TicketFilter, error) {
	m, conds, err := compile(g, schema, ticketAccess, field, loc)
	if err != nil {
		return TicketFilter{}, err
	}
	return TicketFilter{groups: g.Clone(), conds: conds, m: m, zone: loc.String()}, nil
}

// Groups returns a copy of the filter groups the filter was compiled from.
func (f TicketFilter) Groups() FilterGroups { return f.groups.Clone() }

// Match reports whether the ticket passes the filter.
func (f TicketFilter) Match(t *Ticket, env *Env) bool { return f.m.match(t, nil, env) }

// MatchFolded is Match for a ticket whose folded text the caller keeps
// (FoldTicket): text filters compare it as it is, instead of folding the
// ticket's text as they read it. fx must be FoldTicket(t).
func (f TicketFilter) MatchFolded(t *Ticket, fx *Folded, env *Env) bool { return f.m.match(t, fx, env) }

// Empty reports whether the filter has no groups: it matches every ticket.
func (f TicketFilter) Empty() bool { return len(f.groups) == 0 }

// Verdict reports how the filter decided for t.
func (f TicketFilter) Verdict(t *Ticket, env *Env) Verdict { return f.m.verdict(t, nil, env) }

// Relative reports whether the filter depends on Env.Now (it has a
// before_days_ago or after_days_ago filter).
func (f TicketFilter) Relative() bool {
	for _, g := range f.groups {
		for _, x := range g {
			if x.Operator == BeforeDaysAgo || x.Operator == AfterDaysAgo {
				return true
			}
		}
	}
	return false
}

// Stamp identifies what the filter decides, for a store that keeps each
// ticket's verdict under its tenant's visibility filter (VisibilityOf)
// beside the ticket's associations, so that a total (P11) is counted from
// them without reading the tickets: two filters with the same stamp decide
// alike for every ticket, from the ticket alone (its row and its custom
// property values). Every empty filter has stamp 1. A filter that reads
// anything besides the ticket has stamp 0, and no verdict of it is kept:
// one that depends on Env.Now (Relative), whose verdicts go stale with
// time alone, and one on the status, whose verdicts change with a stage's
// state (Env.Closed) when a pipeline is saved. Other stamps are positive.
func (f TicketFilter) Stamp() int64 {
	switch {
	case f.Empty():
		return 1
	case f.Relative(), f.groups.Reads(PropStatus):
		return 0
	}
	if !f.readsDates() {
		f.zone = "" // a filter without dates decides alike in every zone
	}
	h := fnv.New64a()
	h.Write(f.appendKey(nil))
	return int64(h.Sum64()>>2) + 2
}

// readsDates reports whether a condition of the filter is on a date,
// whose days are in the filter's zone.
func (f TicketFilter) readsDates() bool {
	for _, g := range f.conds {
		for _, c := range g {
			if c.Property.Type == Date {
				return true
			}
		}
	}
	return false
}

// Statuses reports whether the filter is one on the built-in status alone
// (or empty), as the list's status filter (ListQuery.Status) is, and then
// which statuses pass it: a store that keeps each ticket's stage beside its
// associations counts such a filter from them.
func (f TicketFilter) Statuses() (open, closed, ok bool) {
	switch {
	case f.Empty():
		return true, true, true
	case len(f.conds) != 1 || len(f.conds[0]) != 1:
		return false, false, false
	}
	c := f.conds[0][0]
	if !c.Property.Builtin || c.Property.Name != PropStatus {
		return false, false, false
	}
	open, closed = c.Statuses()
	return open, closed, true
}

// appendKey appends a canonical form of the filter's groups to b, with
// the zone its days are in and the type of each filter's property: every
// part is prefixed with its length, so that no two filters share a key.
func (f TicketFilter) appendKey(b []byte) []byte {
	part := func(s string) { b = append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	part(f.zone)
	for i, g := range f.groups {
		b = binary.AppendUvarint(append(b, '('), uint64(len(g)))
		for j, x := range g {
			part(string(x.Property))
			if i < len(f.conds) && j < len(f.conds[i]) {
				part(string(f.conds[i][j].Property.Type))
			}
			part(string(x.Operator))
			b = binary.AppendUvarint(b, uint64(len(x.Values)))
			for _, v := range x.Values {
				part(v)
			}
		}
	}
	return b
}
