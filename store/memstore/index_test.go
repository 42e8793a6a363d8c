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
	ids := func(sc *scope) (out []uuid.UUID) {
		require.Equal(t, sc.tree(portal.ByCreated).Len(), sc.tree(portal.ByActivity).Len(), "both orders hold every ticket")
		sc.tree(portal.ByCreated).Ascend(func(it item) bool { out = append(out, it.e.t.ID); return true })
		return out
	}
	require.Equal(t, []uuid.UUID{tk.ID}, ids(ten.byContact[c1]))
	require.Equal(t, []uuid.UUID{tk.ID}, ids(ten.byCompany[co1]))

	tk.ContactIDs = []uuid.UUID{c2}
	tk.CompanyIDs = []uuid.UUID{co2}
	require.NoError(t, s.PutTicket(ctx, tk))
	require.NotContains(t, ten.byContact, c1, "an emptied index entry is removed")
	require.NotContains(t, ten.byCompany, co1)
	require.Equal(t, []uuid.UUID{tk.ID}, ids(ten.byContact[c2]))
	require.Equal(t, []uuid.UUID{tk.ID}, ids(ten.byCompany[co2]))
	require.NoError(t, s.PutTicket(ctx, tk))
	require.Equal(t, 1, ten.byContact[c2].len(), "a put of the same associations does not index twice")
}
