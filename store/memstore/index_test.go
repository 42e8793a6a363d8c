package memstore

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// The contact and company indexes follow a ticket's associations as it is
// replaced, so that scope queries never need to scan all tickets.
func TestIndexesFollowAssociations(t *testing.T) {
	ctx := context.Background()
	s := New()
	tid := uuid.New()
	require.NoError(t, s.CreateTenant(ctx, portal.Tenant{ID: tid}, portal.DefaultSettings()))
	c1, c2, co1, co2 := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	tk := portal.Ticket{ID: uuid.New(), PortalID: tid, ContactIDs: []uuid.UUID{c1}, CompanyIDs: []uuid.UUID{co1}}
	require.NoError(t, s.PutTicket(ctx, tk))

	ten := s.tenants[tid]
	require.Contains(t, ten.byContact[c1], tk.ID)
	require.Contains(t, ten.byCompany[co1], tk.ID)

	tk.ContactIDs = []uuid.UUID{c2}
	tk.CompanyIDs = []uuid.UUID{co2}
	require.NoError(t, s.PutTicket(ctx, tk))
	require.NotContains(t, ten.byContact, c1, "an emptied index entry is removed")
	require.NotContains(t, ten.byCompany, co1)
	require.Contains(t, ten.byContact[c2], tk.ID)
	require.Contains(t, ten.byCompany[co2], tk.ID)
}
