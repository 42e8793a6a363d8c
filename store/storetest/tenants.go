package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var tenantTests = []test{
	{name: "CreatedTenantReadsBack", fn: testCreatedTenantReadsBack},
	{name: "FirstSettingsAreVersionOneWhateverTheirVersion", fn: testFirstSettingsAreVersionOne},
	{name: "DuplicateTenantIDConflictsAndKeepsTheFirst", fn: testDuplicateTenantConflicts},
	{name: "UnknownTenantIsNotFound", fn: testUnknownTenantIsNotFound},
	{name: "WritesToUnknownTenantAreNotFoundAndStoreNothing", sub: unknownTenantWriteTests()},
	{name: "ListsOfUnknownTenantAreEmptyOrNotFound", fn: testListsOfUnknownTenant},
}

// covers: X5
func testCreatedTenantReadsBack(t *testing.T, s portal.Store) {
	want := portal.Tenant{ID: newID(t), Name: "Acme helpdesk", CreatedAt: at(7)}
	require.NoError(t, s.CreateTenant(ctx(t), want, portal.DefaultSettings()))

	got, err := s.Tenant(ctx(t), want.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

// covers: S16
func testFirstSettingsAreVersionOne(t *testing.T, s portal.Store) {
	for _, v := range []int64{0, 1, 42, -3} {
		settings := richSettings(t)
		settings.Version = v
		id := newID(t)
		require.NoError(t, s.CreateTenant(ctx(t), portal.Tenant{ID: id, Name: "T", CreatedAt: at(0)}, settings))

		got, err := s.Settings(ctx(t), id)
		require.NoError(t, err)
		want := settings.Clone()
		want.Version = 1
		require.Equal(t, want, got, "settings created with Version %d", v)
	}
}

// covers: X5
func testDuplicateTenantConflicts(t *testing.T, s portal.Store) {
	first := portal.Tenant{ID: newID(t), Name: "First", CreatedAt: at(1)}
	firstSettings := richSettings(t)
	require.NoError(t, s.CreateTenant(ctx(t), first, firstSettings))

	second := portal.Tenant{ID: first.ID, Name: "Second", CreatedAt: at(2)}
	secondSettings := portal.DefaultSettings()
	secondSettings.Name = "Second"
	err := s.CreateTenant(ctx(t), second, secondSettings)
	require.ErrorIs(t, err, portal.ErrConflict)

	got, err := s.Tenant(ctx(t), first.ID)
	require.NoError(t, err)
	require.Equal(t, first, got)
	gotSettings, err := s.Settings(ctx(t), first.ID)
	require.NoError(t, err)
	firstSettings.Version = 1
	require.Equal(t, firstSettings, gotSettings)
}

// covers: X5
func testUnknownTenantIsNotFound(t *testing.T, s portal.Store) {
	newTenant(t, s) // the store is not empty
	unknown := newID(t)

	_, err := s.Tenant(ctx(t), unknown)
	require.ErrorIs(t, err, portal.ErrNotFound, "Tenant")
	_, err = s.Settings(ctx(t), unknown)
	require.ErrorIs(t, err, portal.ErrNotFound, "Settings")
	_, err = s.Tenant(ctx(t), uuid.Nil)
	require.ErrorIs(t, err, portal.ErrNotFound, "Tenant(uuid.Nil)")
}

// unknownTenantWrite is one write method called for a tenant that does not
// exist.
type unknownTenantWrite struct {
	name string
	// do writes into tenant pid and returns a check that the write left
	// nothing, to be run once pid exists.
	do func(t *testing.T, s portal.Store, pid uuid.UUID) (func(t *testing.T), error)
}

var unknownTenantWrites = []unknownTenantWrite{
	{"SaveSettings", func(t *testing.T, s portal.Store, pid uuid.UUID) (func(t *testing.T), error) {
		settings := richSettings(t)
		settings.Version = 1
		_, err := s.SaveSettings(ctx(t), pid, settings)
		return func(t *testing.T) {
			got, err := s.Settings(ctx(t), pid)
			require.NoError(t, err)
			want := portal.DefaultSettings()
			want.Version = 1
			require.Equal(t, nilEmpty(want), nilEmpty(got))
		}, err
	}},
	{"PutProperty", func(t *testing.T, s portal.Store, pid uuid.UUID) (func(t *testing.T), error) {
		err := s.PutProperty(ctx(t), pid, portal.PropertyDef{Object: portal.TicketObject, Property: textProperty("orderNumber", "Order")})
		return func(t *testing.T) {
			got, err := s.Properties(ctx(t), pid)
			require.NoError(t, err)
			require.Empty(t, got)
		}, err
	}},
	formKind.unknownTenantWrite("PutForm"),
	contactKind.unknownTenantWrite("PutContact"),
	companyKind.unknownTenantWrite("PutCompany"),
	contactListKind.unknownTenantWrite("PutContactList"),
	ownerKind.unknownTenantWrite("PutOwner"),
	channelKind.unknownTenantWrite("PutChannel"),
	pipelineKind.unknownTenantWrite("PutPipeline"),
	ticketKind.unknownTenantWrite("PutTicket"),
	{"PutThread", func(t *testing.T, s portal.Store, pid uuid.UUID) (func(t *testing.T), error) {
		th := newThread(t, pid, newID(t), at(1))
		err := s.PutThread(ctx(t), th)
		return func(t *testing.T) {
			_, err := s.Thread(ctx(t), pid, th.ID)
			require.ErrorIs(t, err, portal.ErrNotFound)
			got, err := s.Threads(ctx(t), pid, th.TicketID)
			requireEmptyOrNotFound(t, got, err)
		}, err
	}},
	{"AddMessage", func(t *testing.T, s portal.Store, pid uuid.UUID) (func(t *testing.T), error) {
		m := newMessage(t, newThread(t, pid, newID(t), at(1)), at(2))
		err := s.AddMessage(ctx(t), m)
		return func(t *testing.T) {
			got, err := s.Messages(ctx(t), pid, m.ThreadID)
			requireEmptyOrNotFound(t, got, err)
		}, err
	}},
}

// A write naming a tenant that does not exist fails with ErrNotFound, and
// leaves nothing behind: once the tenant is created, the record is not there.
//
// covers: X5
func unknownTenantWriteTests() []test {
	var out []test
	for _, w := range unknownTenantWrites {
		out = append(out, test{name: w.name, fn: func(t *testing.T, s portal.Store) {
			newTenant(t, s) // the store is not empty
			pid := newID(t)
			leftNothing, err := w.do(t, s, pid)
			require.ErrorIs(t, err, portal.ErrNotFound)

			require.NoError(t, s.CreateTenant(ctx(t), portal.Tenant{ID: pid, Name: "Late", CreatedAt: at(0)}, portal.DefaultSettings()))
			leftNothing(t)
		}})
	}
	return out
}

// The contract does not say whether listing the records of a tenant that
// does not exist gives ErrNotFound or an empty list; either is accepted, but
// nothing else.
//
// covers: X5
func testListsOfUnknownTenant(t *testing.T, s portal.Store) {
	known := newTenant(t, s)
	require.NoError(t, s.PutForm(ctx(t), newForm(t, known, "Form")))
	require.NoError(t, s.PutChannel(ctx(t), newChannel(t, known, "Channel")))
	require.NoError(t, s.PutPipeline(ctx(t), newPipeline(t, known, "Pipeline")))
	require.NoError(t, s.PutContactList(ctx(t), newContactList(t, known, "List")))
	require.NoError(t, s.PutProperty(ctx(t), known, portal.PropertyDef{Object: portal.ContactObject, Property: textProperty("nickname", "Nickname")}))

	unknown := newID(t)
	props, err := s.Properties(ctx(t), unknown)
	requireEmptyOrNotFound(t, props, err, "Properties")
	forms, err := s.Forms(ctx(t), unknown)
	requireEmptyOrNotFound(t, forms, err, "Forms")
	lists, err := s.ContactLists(ctx(t), unknown)
	requireEmptyOrNotFound(t, lists, err, "ContactLists")
	channels, err := s.Channels(ctx(t), unknown)
	requireEmptyOrNotFound(t, channels, err, "Channels")
	pipelines, err := s.Pipelines(ctx(t), unknown)
	requireEmptyOrNotFound(t, pipelines, err, "Pipelines")
	threads, err := s.Threads(ctx(t), unknown, newID(t))
	requireEmptyOrNotFound(t, threads, err, "Threads")
	messages, err := s.Messages(ctx(t), unknown, newID(t))
	requireEmptyOrNotFound(t, messages, err, "Messages")
}
