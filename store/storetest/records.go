package storetest

import (
	"cmp"
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var recordTests = []test{
	{name: "ContactRoundTrips", fn: contactKind.roundTrips},
	{name: "CompanyRoundTrips", fn: companyKind.roundTrips},
	{name: "ContactListRoundTrips", fn: contactListKind.roundTrips("VIP customers — “quoted”")},
	{name: "OwnerRoundTrips", fn: ownerKind.roundTrips},
	{name: "ChannelRoundTrips", fn: testChannelRoundTrips},
	{name: "PipelineRoundTripsWithStagesInOrder", fn: pipelineKind.roundTrips("Support")},
	{name: "FormRoundTripsWithFieldsInOrder", fn: formKind.roundTrips("Contact us")},
	{name: "TicketRoundTripsWithPropertiesOfEveryType", fn: testTicketRoundTrips},
	{name: "ThreadRoundTrips", fn: testThreadRoundTrips},
	{name: "MessageRoundTripsWithAttachments", fn: testMessageRoundTrips},
	{name: "PropertyDefRoundTrips", fn: testPropertyDefRoundTrips},
	{name: "ZeroOptionalFieldsRoundTrip", fn: testZeroOptionalFieldsRoundTrip},
	{name: "EmptyCollectionsReadBackEmpty", fn: testEmptyCollectionsReadBackEmpty},
	{name: "MissingRecordsAreNotFound", fn: testMissingRecordsAreNotFound},
	{name: "ContactsAndOwnersAmongIDs", fn: testAmongIDs},
	{name: "SnapshotIsTheRecordsOneByOne", fn: testSnapshot},
}

// getContact reads one contact as Portal does: Contacts of one ID, and
// ErrNotFound when it is left out. It takes the store first, as the method
// expressions of portal.Store do (portal.Store.Company), so that it stands
// where they do in a record kind.
func getContact(s portal.Store, ctx context.Context, pid, id uuid.UUID) (portal.Contact, error) {
	cs, err := s.Contacts(ctx, pid, []uuid.UUID{id})
	if err != nil || len(cs) == 0 {
		return portal.Contact{}, cmp.Or(err, portal.ErrNotFound)
	}
	return cs[0], nil
}

// getOwner reads one owner as Portal does (see getContact).
func getOwner(s portal.Store, ctx context.Context, pid, id uuid.UUID) (portal.Owner, error) {
	os, err := s.Owners(ctx, pid, []uuid.UUID{id})
	if err != nil || len(os) == 0 {
		return portal.Owner{}, cmp.Or(err, portal.ErrNotFound)
	}
	return os[0], nil
}

// read returns what get answers for the tenant's record or parent key,
// failing t on an error.
func read[T any](t *testing.T, get func(context.Context, uuid.UUID, uuid.UUID) (T, error), pid, key uuid.UUID) T {
	t.Helper()
	got, err := get(ctx(t), pid, key)
	require.NoError(t, err)
	return got
}

// readAll returns what list answers for the tenant, failing t on an
// error.
func readAll[T any](t *testing.T, list func(context.Context, uuid.UUID) (T, error), pid uuid.UUID) T {
	t.Helper()
	got, err := list(ctx(t), pid)
	require.NoError(t, err)
	return got
}

func testChannelRoundTrips(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	helpdesk := newChannel(t, pid, "Help desk")
	inbox := newChannel(t, pid, "Inbox")
	inbox.Kind, inbox.CreatesTickets = portal.Inbox, false
	require.NoError(t, s.PutChannel(ctx(t), helpdesk))
	require.NoError(t, s.PutChannel(ctx(t), inbox))

	got := readAll(t, s.Channels, pid)
	require.ElementsMatch(t, []portal.Channel{helpdesk, inbox}, got)
}

func testTicketRoundTrips(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	want := newTicket(t, pid)
	require.NoError(t, s.PutTicket(ctx(t), want))
	got := read(t, s.Ticket, pid, want.ID)
	require.Equal(t, want, got)
	// Spelled out, as the failure of a whole-struct comparison of an any
	// map is easy to misread: each value keeps its Go type.
	require.IsType(t, "", got.Properties["plan"])
	require.IsType(t, float64(0), got.Properties["seats"])
	require.IsType(t, float64(0), got.Properties["whole"])
	require.IsType(t, at(0), got.Properties["renewedAt"])
	require.IsType(t, true, got.Properties["vip"])
}

func testThreadRoundTrips(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	ticketID := newID(t)
	visible := newThread(t, pid, ticketID, at(100))
	hidden := newThread(t, pid, ticketID, at(200))
	hidden.VisibleInPortal = false
	require.NoError(t, s.PutThread(ctx(t), visible))
	require.NoError(t, s.PutThread(ctx(t), hidden))

	require.Equal(t, visible, read(t, s.Thread, pid, visible.ID))
	require.Equal(t, hidden, read(t, s.Thread, pid, hidden.ID))
	require.Equal(t, []portal.Thread{visible, hidden}, read(t, s.Threads, pid, ticketID))
}

func testMessageRoundTrips(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	th := newThread(t, pid, newID(t), at(100))
	require.NoError(t, s.PutThread(ctx(t), th))
	want := newMessage(t, th, at(150))
	require.NoError(t, s.AddMessage(ctx(t), want))
	require.Equal(t, []portal.Message{want}, read(t, s.Messages, pid, th.ID))
}

func testPropertyDefRoundTrips(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	want := []portal.PropertyDef{
		{Object: portal.TicketObject, Property: enumProperty("tier")},
		{Object: portal.TicketObject, Property: textProperty("orderNumber", "Order number")},
		{Object: portal.ContactObject, Property: portal.Property{Name: "age", Label: "Age", Type: portal.Number}},
		{Object: portal.ContactObject, Property: portal.Property{Name: "birthday", Label: "Birthday", Type: portal.Date}},
		{Object: portal.CompanyObject, Property: portal.Property{Name: "partner", Label: "Partner", Type: portal.Boolean}},
		{Object: portal.CompanyObject, Property: enumProperty("segment")},
	}
	for _, d := range want {
		require.NoError(t, s.PutProperty(ctx(t), pid, d))
	}
	// Only enumerations have options: the others compare as nil-or-empty.
	require.Equal(t, nilEmpty(want), nilEmpty(readAll(t, s.Properties, pid)))
}

// Zero IDs, empty strings and false flags come back as such, not as
// something a database made of a NULL.
func testZeroOptionalFieldsRoundTrip(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)

	c := newContact(t, pid)
	c.FirstName, c.LastName, c.CompanyID = "", "", uuid.Nil
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: c}))
	require.Equal(t, c, contactKind.read(t, s, pid, c.ID))

	co := newCompany(t, pid)
	co.Domain = ""
	require.NoError(t, s.PutCompany(ctx(t), co))
	require.Equal(t, co, read(t, s.Company, pid, co.ID))

	o := portal.Owner{ID: newID(t), PortalID: pid, Alias: "Night shift"}
	require.NoError(t, s.PutOwner(ctx(t), o))
	require.Equal(t, o, ownerKind.read(t, s, pid, o.ID))

	tk := newTicket(t, pid)
	tk.OwnerID, tk.ChannelID, tk.RequesterID, tk.Priority, tk.Content = uuid.Nil, uuid.Nil, uuid.Nil, "", ""
	require.NoError(t, s.PutTicket(ctx(t), tk))
	require.Equal(t, tk, read(t, s.Ticket, pid, tk.ID))

	f := newForm(t, pid, "Unconnected")
	f.ChannelID = uuid.Nil
	require.NoError(t, s.PutForm(ctx(t), f))
	require.Equal(t, []portal.Form{f}, readAll(t, s.Forms, pid))

	th := newThread(t, pid, tk.ID, at(5))
	th.VisibleInPortal = false
	require.NoError(t, s.PutThread(ctx(t), th))
	require.Equal(t, th, read(t, s.Thread, pid, th.ID))

	m := newMessage(t, th, at(6))
	m.Kind, m.From, m.Body, m.Text = portal.InternalNote, "", "", ""
	m.Attachments[0].Size = 0
	require.NoError(t, s.AddMessage(ctx(t), m))
	require.Equal(t, []portal.Message{m}, read(t, s.Messages, pid, th.ID))
}

// Records without list members, associations, properties, stages, fields or
// attachments read back with those collections empty (nil or empty).
func testEmptyCollectionsReadBackEmpty(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)

	for _, c := range []portal.Contact{
		func() portal.Contact { c := newContact(t, pid); c.Lists, c.Properties = nil, nil; return c }(),
		func() portal.Contact {
			c := newContact(t, pid)
			c.Lists, c.Properties = []uuid.UUID{}, portal.Properties{}
			return c
		}(),
	} {
		require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: c}))
		require.Equal(t, nilEmpty(c), nilEmpty(contactKind.read(t, s, pid, c.ID)))
	}

	co := newCompany(t, pid)
	co.Properties = nil
	require.NoError(t, s.PutCompany(ctx(t), co))
	require.Equal(t, nilEmpty(co), nilEmpty(read(t, s.Company, pid, co.ID)))

	tk := newTicket(t, pid)
	tk.ContactIDs, tk.CompanyIDs, tk.Properties, tk.RequesterID = nil, []uuid.UUID{}, nil, uuid.Nil
	require.NoError(t, s.PutTicket(ctx(t), tk))
	require.Equal(t, nilEmpty(tk), nilEmpty(read(t, s.Ticket, pid, tk.ID)))

	pl := newPipeline(t, pid, "Empty")
	pl.Stages = nil
	require.NoError(t, s.PutPipeline(ctx(t), pl))
	require.Equal(t, nilEmpty([]portal.Pipeline{pl}), nilEmpty(readAll(t, s.Pipelines, pid)))

	f := newForm(t, pid, "Empty")
	f.Fields = nil
	require.NoError(t, s.PutForm(ctx(t), f))
	require.Equal(t, nilEmpty([]portal.Form{f}), nilEmpty(readAll(t, s.Forms, pid)))

	th := newThread(t, pid, tk.ID, at(1))
	require.NoError(t, s.PutThread(ctx(t), th))
	m := newMessage(t, th, at(2))
	m.Attachments = nil
	require.NoError(t, s.AddMessage(ctx(t), m))
	require.Equal(t, nilEmpty([]portal.Message{m}), nilEmpty(read(t, s.Messages, pid, th.ID)))

	settings := saveOverFirst(t, s, pid, portal.DefaultSettings()) // nil filters, senders, map, lists
	require.Equal(t, nilEmpty(settings), nilEmpty(currentSettings(t, s, pid)))
}

func testMissingRecordsAreNotFound(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	// The tenant holds one record of each kind, none of them the one asked.
	tk := newTicket(t, pid)
	th := newThread(t, pid, tk.ID, at(1))
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: newContact(t, pid)}))
	require.NoError(t, s.PutCompany(ctx(t), newCompany(t, pid)))
	require.NoError(t, s.PutOwner(ctx(t), newOwner(t, pid)))
	require.NoError(t, s.PutTicket(ctx(t), tk))
	require.NoError(t, s.PutThread(ctx(t), th))

	missing := newID(t)
	_, err := getContact(s, ctx(t), pid, missing)
	require.ErrorIs(t, err, portal.ErrNotFound, "Contact")
	_, err = s.Company(ctx(t), pid, missing)
	require.ErrorIs(t, err, portal.ErrNotFound, "Company")
	_, err = getOwner(s, ctx(t), pid, missing)
	require.ErrorIs(t, err, portal.ErrNotFound, "Owner")
	_, err = s.Ticket(ctx(t), pid, missing)
	require.ErrorIs(t, err, portal.ErrNotFound, "Ticket")
	_, err = s.Thread(ctx(t), pid, missing)
	require.ErrorIs(t, err, portal.ErrNotFound, "Thread")
	_, err = s.Ticket(ctx(t), pid, uuid.Nil)
	require.ErrorIs(t, err, portal.ErrNotFound, "Ticket(uuid.Nil)")
}

// Contacts and Owners return exactly the tenant's records among the IDs,
// each once, whatever else the IDs name.
// covers: X5, S8
func testAmongIDs(t *testing.T, s portal.Store) {
	pid, other := newTenant(t, s), newTenant(t, s)
	var contacts []portal.Contact
	var owners []portal.Owner
	for range 3 {
		c, o := newContact(t, pid), newOwner(t, pid)
		require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: c}))
		require.NoError(t, s.PutOwner(ctx(t), o))
		contacts, owners = append(contacts, c), append(owners, o)
	}
	foreignContact, foreignOwner := newContact(t, other), newOwner(t, other)
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: foreignContact}))
	require.NoError(t, s.PutOwner(ctx(t), foreignOwner))

	gotC, err := s.Contacts(ctx(t), pid, []uuid.UUID{contacts[2].ID, uuid.New(), contacts[0].ID, foreignContact.ID, contacts[2].ID})
	require.NoError(t, err)
	require.ElementsMatch(t, []portal.Contact{contacts[0], contacts[2]}, gotC)
	gotO, err := s.Owners(ctx(t), pid, []uuid.UUID{owners[1].ID, foreignOwner.ID, uuid.New(), owners[1].ID})
	require.NoError(t, err)
	require.ElementsMatch(t, []portal.Owner{owners[1]}, gotO)

	none, err := s.Contacts(ctx(t), pid, nil)
	require.NoError(t, err)
	require.Empty(t, none)
	noOwners, err := s.Owners(ctx(t), pid, []uuid.UUID{foreignOwner.ID})
	require.NoError(t, err)
	require.Empty(t, noOwners, "another tenant's owner is not among this tenant's")
}

// A store with the optional SnapshotReader answers exactly what the
// single reads answer. covers: S4, X5
func testSnapshot(t *testing.T, s portal.Store) {
	sr, ok := s.(portal.SnapshotReader)
	if !ok {
		t.Skip("the store has no SnapshotReader")
	}
	pid, other := newTenant(t, s), newTenant(t, s)
	co := newCompany(t, pid)
	require.NoError(t, s.PutCompany(ctx(t), co))
	c := newContact(t, pid)
	c.CompanyID = co.ID
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: c}))
	loose := newContact(t, pid)
	loose.CompanyID = uuid.Nil
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: loose}))
	for _, name := range []string{"zeta", "alpha", "mid"} {
		require.NoError(t, s.PutProperty(ctx(t), pid, portal.PropertyDef{Object: portal.TicketObject, Property: textProperty(name, name)}))
	}
	for _, name := range []string{"One", "Two"} {
		require.NoError(t, s.PutPipeline(ctx(t), newPipeline(t, pid, name)))
		require.NoError(t, s.PutChannel(ctx(t), newChannel(t, pid, name)))
	}
	foreign := newContact(t, other)
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: foreign}))

	snap, err := sr.Snapshot(ctx(t), pid, c.ID)
	require.NoError(t, err)
	set, err := s.Settings(ctx(t), pid)
	require.NoError(t, err)
	require.Equal(t, set, snap.Settings)
	require.Equal(t, c, snap.Contact)
	require.NotNil(t, snap.Company)
	require.Equal(t, co, *snap.Company)
	require.Equal(t, readAll(t, s.Properties, pid), snap.Properties, "properties in the order first put")
	require.Equal(t, readAll(t, s.Pipelines, pid), snap.Pipelines)
	require.Equal(t, readAll(t, s.Channels, pid), snap.Channels)

	snap, err = sr.Snapshot(ctx(t), pid, loose.ID)
	require.NoError(t, err)
	require.Nil(t, snap.Company, "a contact without a company")

	_, err = sr.Snapshot(ctx(t), pid, foreign.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "another tenant's contact")
	_, err = sr.Snapshot(ctx(t), uuid.New(), c.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "an unknown tenant")
}
