package storetest

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// A record kind tells the checks that hold for many kinds of record how to
// make, put and read back one kind, so that each check is written once: a
// listed kind is read as the tenant's whole list, ordered by ID; a keyed
// kind is read by its ID. Put, list and get are shaped like the method
// expressions of portal.Store (portal.Store.PutForm), which most of them
// are.

// listKind is a kind of record a store reads as the tenant's whole list,
// ordered by ID.
type listKind[T any] struct {
	fixture func(t *testing.T, pid uuid.UUID, name string) T
	id      func(*T) *uuid.UUID
	put     func(portal.Store, context.Context, T) error
	list    func(portal.Store, context.Context, uuid.UUID) ([]T, error)
}

var (
	formKind        = listKind[portal.Form]{newForm, func(f *portal.Form) *uuid.UUID { return &f.ID }, portal.Store.PutForm, portal.Store.Forms}
	contactListKind = listKind[portal.ContactList]{newContactList, func(l *portal.ContactList) *uuid.UUID { return &l.ID }, portal.Store.PutContactList, portal.Store.ContactLists}
	channelKind     = listKind[portal.Channel]{newChannel, func(c *portal.Channel) *uuid.UUID { return &c.ID }, portal.Store.PutChannel, portal.Store.Channels}
	pipelineKind    = listKind[portal.Pipeline]{newPipeline, func(p *portal.Pipeline) *uuid.UUID { return &p.ID }, portal.Store.PutPipeline, portal.Store.Pipelines}
)

// idOf returns x's ID.
func (k listKind[T]) idOf(x T) uuid.UUID { return *k.id(&x) }

// read returns the tenant's list, failing t on an error.
func (k listKind[T]) read(t *testing.T, s portal.Store, pid uuid.UUID) []T {
	t.Helper()
	got, err := k.list(s, ctx(t), pid)
	require.NoError(t, err)
	return got
}

// orderedByID puts seven records under scrambled IDs and checks that the
// list reads them back in the byte order of their IDs. Their names, A to
// G, are in the order they are put, which is not that of their IDs.
func (k listKind[T]) orderedByID(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	var all []T
	for i, id := range scrambledIDs(t, 7) {
		x := k.fixture(t, pid, string(rune('A'+i)))
		*k.id(&x) = id
		require.NoError(t, k.put(s, ctx(t), x))
		all = append(all, x)
	}
	require.Equal(t, sortedBy(all, k.idOf), k.read(t, s, pid))
}

// roundTrips makes the test that puts one record named name in a fresh
// tenant and checks that it is the tenant's whole list, as it was put.
func (k listKind[T]) roundTrips(name string) func(t *testing.T, s portal.Store) {
	return func(t *testing.T, s portal.Store) {
		pid := newTenant(t, s)
		want := k.fixture(t, pid, name)
		require.NoError(t, k.put(s, ctx(t), want))
		require.Equal(t, []T{want}, k.read(t, s, pid))
	}
}

// putReplaces puts old, then updated under the same ID, and checks that
// the tenant's list holds updated alone.
func (k listKind[T]) putReplaces(t *testing.T, s portal.Store, pid uuid.UUID, old, updated T) {
	t.Helper()
	require.Equal(t, k.idOf(old), k.idOf(updated), "a replacement has the ID of the record it replaces")
	require.NoError(t, k.put(s, ctx(t), old))
	require.NoError(t, k.put(s, ctx(t), updated))
	require.Equal(t, []T{updated}, k.read(t, s, pid))
}

// unknownTenantWrite is the write of one record to a tenant that does not
// exist yet; once it does, its list is empty.
func (k listKind[T]) unknownTenantWrite(name string) unknownTenantWrite {
	return unknownTenantWrite{name, func(t *testing.T, s portal.Store, pid uuid.UUID) (func(t *testing.T), error) {
		err := k.put(s, ctx(t), k.fixture(t, pid, "Orphan"))
		return func(t *testing.T) { require.Empty(t, k.read(t, s, pid)) }, err
	}}
}

// keyKind is a kind of record a store reads by its ID.
type keyKind[T any] struct {
	fixture func(t *testing.T, pid uuid.UUID) T
	id      func(T) uuid.UUID
	put     func(portal.Store, context.Context, T) error
	get     func(portal.Store, context.Context, uuid.UUID, uuid.UUID) (T, error)
}

var (
	contactKind = keyKind[portal.Contact]{newContact, func(c portal.Contact) uuid.UUID { return c.ID }, putContact, getContact}
	companyKind = keyKind[portal.Company]{newCompany, func(c portal.Company) uuid.UUID { return c.ID }, portal.Store.PutCompany, portal.Store.Company}
	ownerKind   = keyKind[portal.Owner]{newOwner, func(o portal.Owner) uuid.UUID { return o.ID }, portal.Store.PutOwner, getOwner}
	ticketKind  = keyKind[portal.Ticket]{newTicket, func(tk portal.Ticket) uuid.UUID { return tk.ID }, portal.Store.PutTicket, portal.Store.Ticket}
)

// putContact puts a contact as a ContactChange of the contact alone.
func putContact(s portal.Store, ctx context.Context, c portal.Contact) error {
	return s.PutContact(ctx, portal.ContactChange{Contact: c})
}

// read returns the tenant's record of that ID, failing t on an error.
func (k keyKind[T]) read(t *testing.T, s portal.Store, pid, id uuid.UUID) T {
	t.Helper()
	got, err := k.get(s, ctx(t), pid, id)
	require.NoError(t, err)
	return got
}

// roundTrips puts one record in a fresh tenant and checks that it reads
// back as it was put.
func (k keyKind[T]) roundTrips(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	want := k.fixture(t, pid)
	require.NoError(t, k.put(s, ctx(t), want))
	require.Equal(t, want, k.read(t, s, pid, k.id(want)))
}

// putReplaces puts old, then updated under the same ID, and checks that
// the store reads back updated.
func (k keyKind[T]) putReplaces(t *testing.T, s portal.Store, pid uuid.UUID, old, updated T) {
	t.Helper()
	require.Equal(t, k.id(old), k.id(updated), "a replacement has the ID of the record it replaces")
	require.NoError(t, k.put(s, ctx(t), old))
	require.NoError(t, k.put(s, ctx(t), updated))
	require.Equal(t, updated, k.read(t, s, pid, k.id(old)))
}

// unknownTenantWrite is the write of one record to a tenant that does not
// exist yet; once it does, the record is not found.
func (k keyKind[T]) unknownTenantWrite(name string) unknownTenantWrite {
	return unknownTenantWrite{name, func(t *testing.T, s portal.Store, pid uuid.UUID) (func(t *testing.T), error) {
		x := k.fixture(t, pid)
		err := k.put(s, ctx(t), x)
		return func(t *testing.T) {
			_, err := k.get(s, ctx(t), pid, k.id(x))
			require.ErrorIs(t, err, portal.ErrNotFound)
		}, err
	}}
}
