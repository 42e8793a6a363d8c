package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var tenancyTests = []test{
	{name: "RecordOfAnotherTenantIsNotFound", fn: testRecordOfAnotherTenantIsNotFound},
	{name: "ListsHoldOnlyTheirTenantsRecords", fn: testListsHoldOnlyTheirTenants},
	{name: "SameIDInTwoTenantsIsTwoRecords", fn: testSameIDInTwoTenants},
	{name: "SettingsOfTenantsAreIndependent", fn: testSettingsOfTenantsIndependent},
}

// covers: X5
func testRecordOfAnotherTenantIsNotFound(t *testing.T, s portal.Store) {
	a, b := newTenant(t, s), newTenant(t, s)
	c := newContact(t, a)
	co := newCompany(t, a)
	o := newOwner(t, a)
	tk := newTicket(t, a)
	th := newThread(t, a, tk.ID, at(1))
	m := newMessage(t, th, at(2))
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: c}))
	require.NoError(t, s.PutCompany(ctx(t), co))
	require.NoError(t, s.PutOwner(ctx(t), o))
	require.NoError(t, s.PutTicket(ctx(t), tk))
	require.NoError(t, s.PutThread(ctx(t), th))
	require.NoError(t, s.AddMessage(ctx(t), m))

	_, err := getContact(s, ctx(t), b, c.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "Contact")
	_, err = s.Company(ctx(t), b, co.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "Company")
	_, err = getOwner(s, ctx(t), b, o.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "Owner")
	_, err = s.Ticket(ctx(t), b, tk.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "Ticket")
	_, err = s.Thread(ctx(t), b, th.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "Thread")
	threads, err := s.Threads(ctx(t), b, tk.ID)
	requireEmptyOrNotFound(t, threads, err, "Threads")
	messages, err := s.Messages(ctx(t), b, th.ID)
	requireEmptyOrNotFound(t, messages, err, "Messages")

	// Still there for their own tenant.
	require.Equal(t, c, contactKind.read(t, s, a, c.ID))
	require.Equal(t, []portal.Message{m}, read(t, s.Messages, a, th.ID))
}

// covers: X5
func testListsHoldOnlyTheirTenants(t *testing.T, s portal.Store) {
	a, b := newTenant(t, s), newTenant(t, s)
	for range 2 {
		require.NoError(t, s.PutForm(ctx(t), newForm(t, a, "A form")))
		require.NoError(t, s.PutContactList(ctx(t), newContactList(t, a, "A list")))
		require.NoError(t, s.PutChannel(ctx(t), newChannel(t, a, "A channel")))
		require.NoError(t, s.PutPipeline(ctx(t), newPipeline(t, a, "A pipeline")))
	}
	require.NoError(t, s.PutProperty(ctx(t), a, portal.PropertyDef{Object: portal.TicketObject, Property: textProperty("onlyInA", "A")}))

	// B is empty …
	require.Empty(t, readAll(t, s.Forms, b))
	require.Empty(t, readAll(t, s.ContactLists, b))
	require.Empty(t, readAll(t, s.Channels, b))
	require.Empty(t, readAll(t, s.Pipelines, b))
	require.Empty(t, readAll(t, s.Properties, b))

	// … and then holds its own records only.
	f := newForm(t, b, "B form")
	l := newContactList(t, b, "B list")
	ch := newChannel(t, b, "B channel")
	pl := newPipeline(t, b, "B pipeline")
	prop := portal.PropertyDef{Object: portal.ContactObject, Property: enumProperty("onlyInB")}
	require.NoError(t, s.PutForm(ctx(t), f))
	require.NoError(t, s.PutContactList(ctx(t), l))
	require.NoError(t, s.PutChannel(ctx(t), ch))
	require.NoError(t, s.PutPipeline(ctx(t), pl))
	require.NoError(t, s.PutProperty(ctx(t), b, prop))
	require.Equal(t, []portal.Form{f}, readAll(t, s.Forms, b))
	require.Equal(t, []portal.ContactList{l}, readAll(t, s.ContactLists, b))
	require.Equal(t, []portal.Channel{ch}, readAll(t, s.Channels, b))
	require.Equal(t, []portal.Pipeline{pl}, readAll(t, s.Pipelines, b))
	require.Equal(t, []portal.PropertyDef{prop}, readAll(t, s.Properties, b))
	require.Len(t, readAll(t, s.Forms, a), 2)
	require.Len(t, readAll(t, s.Properties, a), 1)
}

// Records are keyed by tenant and ID: the same ID in two tenants names two
// records, and changing one leaves the other alone.
//
// covers: X5
func testSameIDInTwoTenants(t *testing.T, s portal.Store) {
	a, b := newTenant(t, s), newTenant(t, s)

	ca, cb := newContact(t, a), newContact(t, b)
	cb.ID, cb.Email = ca.ID, "bob@b.example"
	coa, cob := newCompany(t, a), newCompany(t, b)
	cob.ID, cob.Name = coa.ID, "B corp"
	oa, ob := newOwner(t, a), newOwner(t, b)
	ob.ID, ob.Alias = oa.ID, "B team"
	ta, tb := newTicket(t, a), newTicket(t, b)
	tb.ID, tb.Subject = ta.ID, "B ticket"
	tha, thb := newThread(t, a, ta.ID, at(1)), newThread(t, b, ta.ID, at(2))
	thb.ID = tha.ID
	la, lb := newContactList(t, a, "A list"), newContactList(t, b, "B list")
	lb.ID = la.ID
	cha, chb := newChannel(t, a, "A channel"), newChannel(t, b, "B channel")
	chb.ID = cha.ID
	pa, pb := newPipeline(t, a, "A pipeline"), newPipeline(t, b, "B pipeline")
	pb.ID = pa.ID
	fa, fb := newForm(t, a, "A form"), newForm(t, b, "B form")
	fb.ID = fa.ID
	puts := []func(tenant string) error{
		func(x string) error { return s.PutContact(ctx(t), portal.ContactChange{Contact: pick(x, ca, cb)}) },
		func(x string) error { return s.PutCompany(ctx(t), pick(x, coa, cob)) },
		func(x string) error { return s.PutOwner(ctx(t), pick(x, oa, ob)) },
		func(x string) error { return s.PutTicket(ctx(t), pick(x, ta, tb)) },
		func(x string) error { return s.PutThread(ctx(t), pick(x, tha, thb)) },
		func(x string) error { return s.PutContactList(ctx(t), pick(x, la, lb)) },
		func(x string) error { return s.PutChannel(ctx(t), pick(x, cha, chb)) },
		func(x string) error { return s.PutPipeline(ctx(t), pick(x, pa, pb)) },
		func(x string) error { return s.PutForm(ctx(t), pick(x, fa, fb)) },
	}
	for _, put := range puts {
		require.NoError(t, put("a"))
		require.NoError(t, put("b"))
	}
	check := func() {
		t.Helper()
		require.Equal(t, ca, contactKind.read(t, s, a, ca.ID))
		require.Equal(t, cb, contactKind.read(t, s, b, ca.ID))
		require.Equal(t, coa, read(t, s.Company, a, coa.ID))
		require.Equal(t, cob, read(t, s.Company, b, coa.ID))
		require.Equal(t, oa, ownerKind.read(t, s, a, oa.ID))
		require.Equal(t, ob, ownerKind.read(t, s, b, oa.ID))
		require.Equal(t, ta, read(t, s.Ticket, a, ta.ID))
		require.Equal(t, tb, read(t, s.Ticket, b, ta.ID))
		require.Equal(t, tha, read(t, s.Thread, a, tha.ID))
		require.Equal(t, thb, read(t, s.Thread, b, tha.ID))
		require.Equal(t, []portal.Thread{tha}, read(t, s.Threads, a, ta.ID))
		require.Equal(t, []portal.Thread{thb}, read(t, s.Threads, b, ta.ID))
		require.Equal(t, []portal.ContactList{la}, readAll(t, s.ContactLists, a))
		require.Equal(t, []portal.ContactList{lb}, readAll(t, s.ContactLists, b))
		require.Equal(t, []portal.Channel{cha}, readAll(t, s.Channels, a))
		require.Equal(t, []portal.Channel{chb}, readAll(t, s.Channels, b))
		require.Equal(t, []portal.Pipeline{pa}, readAll(t, s.Pipelines, a))
		require.Equal(t, []portal.Pipeline{pb}, readAll(t, s.Pipelines, b))
		require.Equal(t, []portal.Form{fa}, readAll(t, s.Forms, a))
		require.Equal(t, []portal.Form{fb}, readAll(t, s.Forms, b))
	}
	check()

	// Changing A's records leaves B's alone.
	ca.Email, coa.Name, oa.Alias, ta.Subject = "changed@a.example", "A changed", "A changed", "A changed"
	tha.VisibleInPortal, la.Name, cha.Name, pa.Name, fa.Name = false, "A changed", "A changed", "A changed", "A changed"
	for _, put := range puts {
		require.NoError(t, put("a"))
	}
	check()
}

// pick returns a for tenant "a" and b otherwise.
func pick[T any](tenant string, a, b T) T {
	if tenant == "a" {
		return a
	}
	return b
}

// covers: X5, S16
func testSettingsOfTenantsIndependent(t *testing.T, s portal.Store) {
	a := newTenant(t, s)
	b := newID(t)
	bSettings := richSettings(t)
	require.NoError(t, s.CreateTenant(ctx(t), portal.Tenant{ID: b, Name: "B", CreatedAt: at(0)}, bSettings))
	bSettings.Version = 1

	aSettings := currentSettings(t, s, a)
	for range 3 {
		aSettings.Name += "!"
		v, err := s.SaveSettings(ctx(t), a, aSettings)
		require.NoError(t, err)
		aSettings.Version = v
	}
	require.Equal(t, int64(4), currentSettings(t, s, a).Version)
	require.Equal(t, bSettings, currentSettings(t, s, b), "B's settings did not move")

	// B saves from its own version 1, whatever A's version is.
	bSettings.Name = "B renamed"
	v, err := s.SaveSettings(ctx(t), b, bSettings)
	require.NoError(t, err)
	require.Equal(t, int64(2), v)
	require.Equal(t, aSettings, currentSettings(t, s, a))
}
