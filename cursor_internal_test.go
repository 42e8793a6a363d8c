package portal

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cursor's MAC binds it to its list, but the default MAC key is derived
// from the tenant's ID, so anyone may forge one: a forged cursor whose key
// no ticket could have for the list's sort is refused as ErrInvalid naming
// "cursor", never passed to a store (a PostgreSQL store failed on an
// integer sort's 1e308). A real one of any sort, as long as its text key
// may be, round-trips within the bound.
// covers: X8, P3
func TestForgedCursorKeysAreRefused(t *testing.T) {
	p := &Portal{}
	r := &request{viewer: Viewer{PortalID: uuid.New()}, contact: Contact{ID: uuid.New()}}
	lq := ListQuery{Sort: PropPriority}
	schema, err := NewSchema()
	require.NoError(t, err)
	sortBy := func(name string) Sort {
		prop, ok := schema.Lookup(TicketObject, name)
		require.True(t, ok, name)
		return Sort{Property: prop}
	}
	number := Sort{Property: Property{Name: "amount", Type: Number}}
	date := Sort{Property: Property{Name: "due", Type: Date}}
	id := uuid.New()
	forged := []struct {
		sort Sort
		key  SortKey
	}{
		{sortBy(PropPriority), SortKey{Int: math.MaxInt64}},
		{sortBy(PropPriority), SortKey{Int: -1}},
		{sortBy(PropStatus), SortKey{Int: 2}},
		{sortBy(PropCreatedAt), SortKey{Int: math.MaxInt64}},
		{sortBy(PropCreatedAt), SortKey{Int: maxTime.UnixMicro() + 1}},
		{date, SortKey{Int: minTime.UnixMicro() - 1}},
		{number, SortKey{Num: math.Copysign(0, -1)}},
		{number, SortKey{Num: math.Inf(1)}},
		{number, SortKey{Num: math.NaN()}},
		{sortBy(PropSubject), SortKey{Text: strings.Repeat("a", KeyTextLen+1)}},
		{sortBy(PropSubject), SortKey{}},
	}
	for _, f := range forged {
		c := p.cursor(r, lq, OrganizationTickets, f.sort, f.key, id)
		_, _, err := p.readCursor(r, lq, OrganizationTickets, f.sort, c)
		require.Error(t, err, "%s %+v", f.sort.Property.Name, f.key)
		assert.True(t, errors.Is(err, ErrInvalid), "%v", err)
		var fe *ValidationError
		require.True(t, errors.As(err, &fe), "%v", err)
		assert.Equal(t, "cursor", fe.Problems[0].Field)
	}
	real := []struct {
		sort Sort
		key  SortKey
	}{
		{sortBy(PropPriority), SortKey{Int: 3}},
		{sortBy(PropStatus), SortKey{Int: 1}},
		{sortBy(PropCreatedAt), SortKey{Int: maxTime.UnixMicro()}},
		{date, SortKey{Int: minTime.UnixMicro()}},
		{number, SortKey{Num: -1.5}},
		{number, SortKey{Null: true}},
		{sortBy(PropSubject), SortKey{Text: strings.Repeat("<", KeyTextLen)}},
	}
	for _, c := range real {
		cur := p.cursor(r, lq, OrganizationTickets, c.sort, c.key, id)
		assert.LessOrEqual(t, len(cur), 400, "a cursor is small")
		key, gotID, err := p.readCursor(r, lq, OrganizationTickets, c.sort, cur)
		require.NoError(t, err, "%s %+v", c.sort.Property.Name, c.key)
		assert.Equal(t, c.key, key)
		assert.Equal(t, id, gotID)
	}
}
