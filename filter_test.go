package portal_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

func testSchema(t *testing.T) portal.Schema {
	t.Helper()
	s, err := portal.NewSchema(
		portal.PropertyDef{Object: portal.TicketObject, Property: portal.Property{Name: "orderNumber", Label: "Order number", Type: portal.Number}},
		portal.PropertyDef{Object: portal.TicketObject, Property: portal.Property{Name: "warranty", Label: "Warranty", Type: portal.Boolean}},
		portal.PropertyDef{Object: portal.TicketObject, Property: portal.Property{Name: "product", Label: "Product", Type: portal.Enumeration,
			Options: []portal.Option{{Value: "printer", Label: "Printer"}, {Value: "scanner", Label: "Scanner"}}}},
	)
	require.NoError(t, err)
	return s
}

// Every operator S5 lists fits its types, with the number of values it
// takes; every other pairing is rejected naming the operator.
// covers: S5
func TestOperatorsFitTheirTypes(t *testing.T) {
	schema := testSchema(t)
	props := map[portal.PropertyType]struct{ name, value string }{
		portal.Text:        {"subject", "æble"},
		portal.Number:      {"orderNumber", "12.5"},
		portal.Date:        {"createdAt", "2026-01-31"},
		portal.Enumeration: {"product", "printer"},
		portal.Boolean:     {"warranty", "true"},
	}
	all := []portal.Operator{portal.EqualsAny, portal.NotEqualsAny, portal.ContainsAny, portal.NotContainsAny,
		portal.StartsWith, portal.EndsWith, portal.Eq, portal.Ne, portal.Lt, portal.Lte, portal.Gt, portal.Gte,
		portal.Between, portal.BeforeDaysAgo, portal.AfterDaysAgo, portal.IsAnyOf, portal.IsNoneOf,
		portal.IsKnown, portal.IsUnknown}
	for typ, prop := range props {
		fits := portal.Operators(typ)
		for _, op := range all {
			values := []string{prop.value}
			switch op {
			case portal.IsKnown, portal.IsUnknown:
				values = nil
			case portal.Between:
				values = []string{prop.value, prop.value}
			case portal.BeforeDaysAgo, portal.AfterDaysAgo:
				values = []string{"30"}
			}
			g := portal.FilterGroups{{{Property: prop.name, Operator: op, Values: values}}}
			err := g.Validate(schema, portal.TicketObject, "f")
			if contains(fits, op) {
				assert.NoError(t, err, "%s on %s", op, typ)
				continue
			}
			var ve *portal.ValidationError
			if assert.ErrorAs(t, err, &ve, "%s on %s", op, typ) {
				assert.True(t, ve.Has("f[0][0].operator"), "%s on %s: %v", op, typ, err)
			}
		}
	}
	assert.Equal(t, []portal.Operator{portal.EqualsAny, portal.NotEqualsAny, portal.ContainsAny,
		portal.NotContainsAny, portal.StartsWith, portal.EndsWith, portal.IsKnown, portal.IsUnknown},
		portal.Operators(portal.Text))
}

func contains(ops []portal.Operator, op portal.Operator) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

// covers: S5
func TestFilterValuesMustFitTheProperty(t *testing.T) {
	schema := testSchema(t)
	validate := func(f portal.Filter) error {
		return portal.FilterGroups{{f}}.Validate(schema, portal.TicketObject, "f")
	}
	requireRefusals(t, validate, []refusal[portal.Filter]{
		{"number that is not a number", portal.Filter{Property: "orderNumber", Operator: portal.Eq, Values: []string{"ten"}}, "f[0][0].values[0]"},
		{"number that is infinite", portal.Filter{Property: "orderNumber", Operator: portal.Gt, Values: []string{"Inf"}}, "f[0][0].values[0]"},
		{"date that is not a date", portal.Filter{Property: "createdAt", Operator: portal.Lt, Values: []string{"yesterday"}}, "f[0][0].values[0]"},
		{"between with one value", portal.Filter{Property: "createdAt", Operator: portal.Between, Values: []string{"2026-01-01"}}, "f[0][0].values"},
		{"between low above high", portal.Filter{Property: "orderNumber", Operator: portal.Between, Values: []string{"9", "1"}}, "f[0][0].values"},
		{"days that are negative", portal.Filter{Property: "createdAt", Operator: portal.BeforeDaysAgo, Values: []string{"-3"}}, "f[0][0].values[0]"},
		{"option that does not exist", portal.Filter{Property: "product", Operator: portal.IsAnyOf, Values: []string{"toaster"}}, "f[0][0].values[0]"},
		{"reference that is not an ID", portal.Filter{Property: "owner", Operator: portal.IsAnyOf, Values: []string{"bob"}}, "f[0][0].values[0]"},
		{"boolean that is not one", portal.Filter{Property: "warranty", Operator: portal.Eq, Values: []string{"yes"}}, "f[0][0].values[0]"},
		{"known with a value", portal.Filter{Property: "subject", Operator: portal.IsKnown, Values: []string{"x"}}, "f[0][0].values"},
		{"text with no values", portal.Filter{Property: "subject", Operator: portal.ContainsAny}, "f[0][0].values"},
		{"empty text value", portal.Filter{Property: "subject", Operator: portal.StartsWith, Values: []string{""}}, "f[0][0].values[0]"},
		{"invalid UTF-8", portal.Filter{Property: "subject", Operator: portal.ContainsAny, Values: []string{"\xff"}}, "f[0][0].values[0]"},
		{"huge value", portal.Filter{Property: "subject", Operator: portal.ContainsAny, Values: []string{strings.Repeat("x", 10000)}}, "f[0][0].values[0]"},
		{"unknown property", portal.Filter{Property: "shoeSize", Operator: portal.IsKnown}, "f[0][0].property"},
		{"contact property on a ticket", portal.Filter{Property: "email", Operator: portal.IsKnown}, "f[0][0].property"},
	})
	ok := portal.FilterGroups{{{Property: "owner", Operator: portal.IsAnyOf, Values: []string{uuid.NewString()}}}}
	require.NoError(t, ok.Validate(schema, portal.TicketObject, "f"))
}

// refusal is a row of a table of refused inputs: the subtest's name, the
// input, and the field the refusal must name.
type refusal[T any] struct {
	name  string
	in    T
	field string
}

// requireRefusals runs validate on each row's input, in a subtest of the
// row's name, and requires an ErrInvalid that names the row's field.
func requireRefusals[T any](t *testing.T, validate func(T) error, rows []refusal[T]) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) { requireField(t, validate(row.in), row.field) })
	}
}

func TestFilterGroupsClone(t *testing.T) {
	g := portal.FilterGroups{{{Property: "subject", Operator: portal.ContainsAny, Values: []string{"a"}}}}
	c := g.Clone()
	c[0][0].Values[0] = "b"
	assert.Equal(t, "a", g[0][0].Values[0])
	assert.Nil(t, portal.FilterGroups(nil).Clone())
}

func TestSchemaWith(t *testing.T) {
	s := testSchema(t)
	requireRefusals(t, func(p portal.Property) error {
		_, err := s.With(portal.TicketObject, p)
		return err
	}, []refusal[portal.Property]{
		{"built-in name", portal.Property{Name: "subject", Label: "S", Type: portal.Text}, "name"},
		{"bad name", portal.Property{Name: "Order Number", Label: "S", Type: portal.Text}, "name"},
		{"type change", portal.Property{Name: "orderNumber", Label: "S", Type: portal.Text}, "type"},
		{"unknown type", portal.Property{Name: "x", Label: "S", Type: "money"}, "type"},
		{"enumeration without options", portal.Property{Name: "x", Label: "S", Type: portal.Enumeration}, "options"},
		{"duplicate option", portal.Property{Name: "x", Label: "S", Type: portal.Enumeration,
			Options: []portal.Option{{Value: "a", Label: "A"}, {Value: "a", Label: "B"}}}, "options[1].value"},
		{"no label", portal.Property{Name: "x", Type: portal.Text}, "label"},
	})
	_, err := s.With("invoice", portal.Property{Name: "x", Label: "X", Type: portal.Text})
	require.ErrorIs(t, err, portal.ErrInvalid)

	relabelled, err := s.With(portal.TicketObject, portal.Property{Name: "orderNumber", Label: "Ordre", Type: portal.Number})
	require.NoError(t, err)
	p, ok := relabelled.Lookup(portal.TicketObject, "orderNumber")
	require.True(t, ok)
	assert.Equal(t, "Ordre", p.Label)
	p, _ = s.Lookup(portal.TicketObject, "orderNumber")
	assert.Equal(t, "Order number", p.Label, "With does not change the schema it is called on")

	names := []string{}
	for _, p := range s.Properties(portal.TicketObject) {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{"subject", "content", "requestedBy", "createdAt", "owner", "lastActivityAt",
		"status", "stage", "pipeline", "priority", "channel", "number", "satisfaction", "orderNumber", "warranty", "product"}, names)
	assert.Len(t, s.Custom(), 3)
}
