package portal_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// Each S5 operator, evaluated by the compiled filter, on a known value and
// on an unknown one (which matches only is_unknown).
// covers: S5
func TestCompiledOperators(t *testing.T) {
	schema := testSchema(t)
	owner, closedStage, openStage := uuid.New(), uuid.New(), uuid.New()
	env := &portal.Env{Now: clock, Closed: map[uuid.UUID]bool{closedStage: true}}
	full := portal.Ticket{
		Subject: "Printer virker ikke – ÆBLE", Priority: portal.PriorityHigh, OwnerID: owner, StageID: closedStage,
		CreatedAt:  time.Date(2026, 1, 31, 23, 59, 0, 0, time.UTC),
		Properties: portal.Properties{"orderNumber": 12.5, "warranty": true, "product": "printer"},
	}
	empty := portal.Ticket{StageID: openStage}
	f := func(prop string, op portal.Operator, vals ...string) portal.Filter {
		return portal.Filter{Property: prop, Operator: op, Values: vals}
	}
	cases := []struct {
		filter      portal.Filter
		full, empty bool
	}{
		{f("subject", portal.EqualsAny, "x", "printer virker ikke – æble"), true, false},
		{f("subject", portal.EqualsAny, "printer"), false, false},
		{f("subject", portal.NotEqualsAny, "printer"), true, false},
		{f("subject", portal.NotEqualsAny, "PRINTER VIRKER IKKE – æble"), false, false},
		{f("subject", portal.ContainsAny, "zzz", "æble"), true, false},
		{f("subject", portal.NotContainsAny, "æble"), false, false},
		{f("subject", portal.NotContainsAny, "scanner"), true, false},
		{f("subject", portal.StartsWith, "pRiNtEr"), true, false},
		{f("subject", portal.StartsWith, "virker"), false, false},
		{f("subject", portal.EndsWith, "æble"), true, false},
		{f("subject", portal.IsKnown), true, false},
		{f("subject", portal.IsUnknown), false, true},

		{f("orderNumber", portal.Eq, "12.5"), true, false},
		{f("orderNumber", portal.Ne, "12.5"), false, false},
		{f("orderNumber", portal.Ne, "3"), true, false},
		{f("orderNumber", portal.Lt, "12.5"), false, false},
		{f("orderNumber", portal.Lte, "12.5"), true, false},
		{f("orderNumber", portal.Gt, "12"), true, false},
		{f("orderNumber", portal.Gte, "13"), false, false},
		{f("orderNumber", portal.Between, "12.5", "20"), true, false},
		{f("orderNumber", portal.Between, "1", "12.4"), false, false},
		{f("orderNumber", portal.IsUnknown), false, true},

		{f("createdAt", portal.Eq, "2026-01-31"), true, false},
		{f("createdAt", portal.Eq, "2026-01-31T23:59:00Z"), true, false},
		{f("createdAt", portal.Eq, "2026-02-01"), false, false},
		{f("createdAt", portal.Ne, "2026-01-31"), false, false},
		{f("createdAt", portal.Lt, "2026-01-31"), false, false},
		{f("createdAt", portal.Lte, "2026-01-31"), true, false},
		{f("createdAt", portal.Gt, "2026-01-30"), true, false},
		{f("createdAt", portal.Gt, "2026-01-31"), false, false},
		{f("createdAt", portal.Gte, "2026-01-31"), true, false},
		{f("createdAt", portal.Between, "2026-01-01", "2026-01-31"), true, false},
		{f("createdAt", portal.Between, "2026-02-01", "2026-03-01"), false, false},
		{f("createdAt", portal.BeforeDaysAgo, "30"), true, false}, // 298 days before the clock
		{f("createdAt", portal.AfterDaysAgo, "30"), false, false},
		{f("createdAt", portal.AfterDaysAgo, "365"), true, false},
		{f("createdAt", portal.IsKnown), true, false},

		{f("priority", portal.IsAnyOf, "high", "urgent"), true, false},
		{f("priority", portal.IsNoneOf, "high"), false, false},
		{f("priority", portal.IsNoneOf, "low"), true, false},
		{f("priority", portal.IsUnknown), false, true},
		{f("product", portal.IsAnyOf, "printer"), true, false},
		{f("owner", portal.IsAnyOf, owner.String()), true, false},
		{f("owner", portal.IsNoneOf, uuid.NewString()), true, false},
		{f("owner", portal.IsUnknown), false, true},
		{f("status", portal.IsAnyOf, "closed"), true, false},
		{f("status", portal.IsAnyOf, "open"), false, true},

		{f("warranty", portal.Eq, "true"), true, false},
		{f("warranty", portal.Ne, "true"), false, false},
		{f("warranty", portal.Eq, "false"), false, false},
		{f("warranty", portal.IsUnknown), false, true},
	}
	for _, tc := range cases {
		name := tc.filter.Property + " " + string(tc.filter.Operator)
		m, err := portal.CompileTicketFilter(portal.FilterGroups{{tc.filter}}, schema)
		require.NoError(t, err, name)
		assert.Equal(t, tc.full, m.Match(&full, env), "%s %v on a known value", name, tc.filter.Values)
		assert.Equal(t, tc.empty, m.Match(&empty, env), "%s %v on an unknown value", name, tc.filter.Values)
	}
}

// Groups are OR-ed, filters in a group AND-ed, and no groups match all.
// covers: S5
func TestGroupsAreOredFiltersAnded(t *testing.T) {
	schema := testSchema(t)
	tk := portal.Ticket{Subject: "printer", Priority: portal.PriorityLow}
	is := func(prop, v string) portal.Filter {
		return portal.Filter{Property: prop, Operator: portal.EqualsAny, Values: []string{v}}
	}
	prio := func(v string) portal.Filter {
		return portal.Filter{Property: "priority", Operator: portal.IsAnyOf, Values: []string{v}}
	}
	for _, tc := range []struct {
		groups portal.FilterGroups
		want   bool
	}{
		{nil, true},
		{portal.FilterGroups{{is("subject", "printer"), prio("low")}}, true},
		{portal.FilterGroups{{is("subject", "printer"), prio("high")}}, false},
		{portal.FilterGroups{{prio("high")}, {is("subject", "printer")}}, true},
		{portal.FilterGroups{{prio("high")}, {is("subject", "scanner")}}, false},
	} {
		m, err := portal.CompileTicketFilter(tc.groups, schema)
		require.NoError(t, err)
		assert.Equal(t, tc.want, m.Match(&tk, &portal.Env{}), "%v", tc.groups)
		v := m.Verdict(&tk, &portal.Env{})
		assert.Equal(t, tc.want, v.Matched)
	}
	_, err := portal.CompileTicketFilter(portal.FilterGroups{{is("nope", "x")}}, schema)
	require.ErrorIs(t, err, portal.ErrInvalid)
}

// A compiled filter does not allocate per ticket.
func TestCompiledFilterDoesNotAllocate(t *testing.T) {
	m, err := portal.CompileTicketFilter(portal.FilterGroups{
		{{Property: "subject", Operator: portal.ContainsAny, Values: []string{"æble"}},
			{Property: "orderNumber", Operator: portal.Gt, Values: []string{"3"}}},
		{{Property: "createdAt", Operator: portal.AfterDaysAgo, Values: []string{"30"}}},
	}, testSchema(t))
	require.NoError(t, err)
	tk := portal.Ticket{Subject: "ÆBLE", CreatedAt: clock, Properties: portal.Properties{"orderNumber": 4.0}}
	env := &portal.Env{Now: clock}
	assert.Zero(t, testing.AllocsPerRun(100, func() { m.Match(&tk, env) }))
}

func TestFold(t *testing.T) {
	assert.Equal(t, portal.Fold("ÆBLE"), portal.Fold("æble"))
	assert.Equal(t, portal.Fold("Straße"), portal.Fold("STRASSE"[:0]+"STRAßE"))
	assert.Equal(t, portal.Fold("K"), portal.Fold("\u212a"), "Kelvin sign folds with K")
	assert.NotEqual(t, portal.Fold("a%b"), portal.Fold("a_b"))
	assert.Equal(t, "ABC", portal.Fold("abc"), "ASCII is already in canonical form when upper")
}

// A filter on a ticket's folded text (MatchFolded, as a store that keeps
// FoldTicket's text with each ticket calls it) decides exactly as one that
// folds the text as it reads it, for every text operator, on texts with
// case pairs outside ASCII, letters that fold to another (the Kelvin sign,
// final sigma) and invalid UTF-8. covers: S5, X6
func TestMatchFoldedAgreesWithMatch(t *testing.T) {
	schema, err := portal.NewSchema(portal.PropertyDef{Object: portal.TicketObject,
		Property: portal.Property{Name: "note", Label: "Note", Type: portal.Text}})
	require.NoError(t, err)
	texts := []string{"", "Printer virker ikke – ÆBLE", "æble", "ÆBLE", "\u212Aelvin", "kelvin", "ΣΟΦΟΣ", "σοφος",
		"Straße", "STRASSE", "a\xffb", "A\xffB", "50% rabat_kode", `sti\til`, "İstanbul", "x"}
	values := []string{"æble", "ÆB", "kelvin", "K", "σοφος", "ς", "ß", "\uFFFD", "%", "_", `\`, "x", "İ", "i"}
	text := []portal.Operator{portal.EqualsAny, portal.NotEqualsAny, portal.ContainsAny, portal.NotContainsAny,
		portal.StartsWith, portal.EndsWith, portal.IsKnown, portal.IsUnknown}
	env := &portal.Env{Now: clock}
	checked := 0
	for _, prop := range []string{"subject", "content", "note"} {
		for _, op := range text {
			for _, v := range values {
				var vals []string
				if op != portal.IsKnown && op != portal.IsUnknown {
					vals = []string{v}
				}
				f, err := portal.CompileTicketFilter(portal.FilterGroups{{{Property: prop, Operator: op, Values: vals}}}, schema)
				require.NoError(t, err)
				for _, s := range texts {
					tk := portal.Ticket{Subject: s, Content: s, Properties: portal.Properties{"note": s}}
					fx := portal.FoldTicket(&tk)
					require.Equal(t, f.Match(&tk, env), f.MatchFolded(&tk, &fx, env), "%s %s %q on %q", prop, op, vals, s)
					checked++
				}
			}
		}
	}
	require.Greater(t, checked, 1000)
}

// HasTerms finds a search term in the folded subject or content, whatever
// the case, and never across the two. covers: P2
func TestFoldedHasTerms(t *testing.T) {
	tk := portal.Ticket{Subject: "Printeren virker IKKE", Content: "Æblet er rødt"}
	fx := portal.FoldTicket(&tk)
	for _, tc := range []struct {
		terms []string
		want  bool
	}{
		{nil, true},
		{[]string{portal.Fold("printer")}, true},
		{[]string{portal.Fold("ikke"), portal.Fold("æBLET")}, true},
		{[]string{portal.Fold("ikkeæblet")}, false},
		{[]string{portal.Fold("printer"), portal.Fold("blå")}, false},
	} {
		assert.Equal(t, tc.want, fx.HasTerms(tc.terms), "%q", tc.terms)
	}
}

// A filter's stamp says what it decides: equal for filters that decide
// alike, different for any other, 1 for every empty filter, and 0 (no
// verdict kept) for a filter that reads more than the ticket.
// covers: P11, S8
func TestFilterStamps(t *testing.T) {
	schema := testSchema(t)
	stamp := func(g portal.FilterGroups) int64 {
		t.Helper()
		f, err := portal.CompileTicketFilter(g, schema)
		require.NoError(t, err)
		return f.Stamp()
	}
	text := func(op portal.Operator, vs ...string) portal.FilterGroups {
		return portal.FilterGroups{{{Property: "subject", Operator: op, Values: vs}}}
	}
	spam := stamp(text(portal.NotContainsAny, "[spam]"))
	assert.Greater(t, spam, int64(1))
	assert.Equal(t, spam, stamp(text(portal.NotContainsAny, "[spam]")), "the same filter")
	assert.Equal(t, int64(1), stamp(nil), "no filter")
	for name, g := range map[string]portal.FilterGroups{
		"another value":    text(portal.NotContainsAny, "[intern]"),
		"another operator": text(portal.ContainsAny, "[spam]"),
		"two values":       text(portal.NotContainsAny, "[spam", "]"),
		"a value with a 0": text(portal.NotContainsAny, "[spam\x00]"),
		"two groups":       append(text(portal.NotContainsAny, "[spam]"), text(portal.NotContainsAny, "[spam]")...),
		"a second filter":  {{{Property: "subject", Operator: portal.NotContainsAny, Values: []string{"[spam]"}}, {Property: "warranty", Operator: portal.Eq, Values: []string{"true"}}}},
		"another property": {{{Property: "content", Operator: portal.NotContainsAny, Values: []string{"[spam]"}}}},
	} {
		assert.NotEqual(t, spam, stamp(g), name)
	}
	assert.NotEqual(t, stamp(text(portal.NotContainsAny, "a\x00b")), stamp(text(portal.NotContainsAny, "a", "b")), "values are told apart")
	inZone := func(g portal.FilterGroups, zone string) int64 {
		t.Helper()
		f, err := portal.VisibilityOf(&portal.Settings{TimeZone: zone, Display: portal.Display{Visibility: g}}, nil)
		require.NoError(t, err)
		return f.Stamp()
	}
	assert.Equal(t, inZone(text(portal.NotContainsAny, "[spam]"), "UTC"), inZone(text(portal.NotContainsAny, "[spam]"), "Europe/Copenhagen"),
		"no dates: the zone decides nothing")
	day := portal.FilterGroups{{{Property: "createdAt", Operator: portal.Gte, Values: []string{"2026-01-31"}}}}
	assert.NotEqual(t, inZone(day, "UTC"), inZone(day, "Europe/Copenhagen"), "a day is one in the zone")
	assert.Zero(t, stamp(portal.FilterGroups{{{Property: "createdAt", Operator: portal.AfterDaysAgo, Values: []string{"30"}}}}), "relative to today")
	assert.Zero(t, stamp(portal.FilterGroups{{{Property: portal.PropStatus, Operator: portal.IsAnyOf, Values: []string{portal.StatusOpen}}}}), "on the status")
}

// A filter on the status alone says which statuses pass it (Statuses, what
// the stores count kept verdicts and write SQL by), and that is what Match
// answers on an open and a closed ticket, for every status operator; a
// filter on more than the status says it is not one.
// covers: S5, P3, P11
func TestStatusesAgreeWithMatch(t *testing.T) {
	schema := testSchema(t)
	openStage, closedStage := uuid.New(), uuid.New()
	env := &portal.Env{Now: clock, Closed: map[uuid.UUID]bool{closedStage: true}}
	open, closed := portal.Ticket{StageID: openStage}, portal.Ticket{StageID: closedStage}
	seen := map[[2]bool]bool{}
	for _, op := range []portal.Operator{portal.IsAnyOf, portal.IsNoneOf, portal.IsKnown, portal.IsUnknown} {
		for _, vals := range [][]string{{portal.StatusOpen}, {portal.StatusClosed}, {portal.StatusOpen, portal.StatusClosed}} {
			if op == portal.IsKnown || op == portal.IsUnknown {
				vals = nil
			}
			f, err := portal.CompileTicketFilter(portal.FilterGroups{{{Property: portal.PropStatus, Operator: op, Values: vals}}}, schema)
			require.NoError(t, err, "%s %v", op, vals)
			o, c, ok := f.Statuses()
			require.True(t, ok, "%s %v is on the status alone", op, vals)
			assert.Equal(t, f.Match(&open, env), o, "%s %v on an open ticket", op, vals)
			assert.Equal(t, f.Match(&closed, env), c, "%s %v on a closed ticket", op, vals)
			seen[[2]bool{o, c}] = true
		}
	}
	assert.Len(t, seen, 4, "every answer is reached")
	o, c, ok := portal.TicketFilter{}.Statuses()
	assert.True(t, o && c && ok, "no filter passes both")
	both, err := portal.CompileTicketFilter(portal.FilterGroups{{
		{Property: portal.PropStatus, Operator: portal.IsAnyOf, Values: []string{portal.StatusOpen}},
		{Property: portal.PropSubject, Operator: portal.ContainsAny, Values: []string{"printer"}},
	}}, schema)
	require.NoError(t, err)
	_, _, ok = both.Statuses()
	assert.False(t, ok, "a filter on the status and the subject")
}
