package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var replaceTests = []test{
	{name: "PutTicketReplacesItWholeWithItsAssociations", fn: testPutTicketReplacesWhole},
	{name: "PutContactReplacesItWhole", fn: testPutContactReplacesWhole},
	{name: "PutCompanyAndOwnerReplaceThemWhole", fn: testPutCompanyAndOwnerReplaceWhole},
	{name: "PutOfListedRecordReplacesItInPlace", fn: testPutListedRecordReplacesInPlace},
	{name: "PutThreadReplacesIt", fn: testPutThreadReplaces},
}

func testPutTicketReplacesWhole(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	old := newTicket(t, pid)
	require.NoError(t, s.PutTicket(ctx(t), old))

	updated := newTicket(t, pid)
	updated.ID = old.ID
	updated.ContactIDs = []uuid.UUID{old.ContactIDs[2], newID(t)} // one kept, two gone, one new
	updated.RequesterID = updated.ContactIDs[1]
	updated.CompanyIDs = []uuid.UUID{newID(t)} // both old ones gone
	updated.Properties = portal.Properties{"plan": "starter", "seats": float64(1)}
	updated.Subject = "Printer fixed"
	updated.Priority = portal.PriorityLow
	updated.LastActivityAt = old.LastActivityAt.Add(1)
	require.NoError(t, s.PutTicket(ctx(t), updated))

	require.Equal(t, updated, read(t, s.Ticket, pid, old.ID))
}

func testPutContactReplacesWhole(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	old := newContact(t, pid)
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: old}))

	updated := newContact(t, pid)
	updated.ID = old.ID
	updated.Email = "ann.oneil@acme.example"
	updated.Lists = []uuid.UUID{old.Lists[1]}
	updated.Properties = portal.Properties{"vip": false}
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: updated}))

	require.Equal(t, updated, readContact(t, s, pid, old.ID))
}

func testPutCompanyAndOwnerReplaceWhole(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	co := newCompany(t, pid)
	require.NoError(t, s.PutCompany(ctx(t), co))
	co2 := newCompany(t, pid)
	co2.ID, co2.Name, co2.Properties = co.ID, "Acme GmbH", portal.Properties{"plan": "free"}
	require.NoError(t, s.PutCompany(ctx(t), co2))
	require.Equal(t, co2, read(t, s.Company, pid, co.ID))

	o := newOwner(t, pid)
	require.NoError(t, s.PutOwner(ctx(t), o))
	o2 := portal.Owner{ID: o.ID, PortalID: pid, FirstName: "Beatrice"}
	require.NoError(t, s.PutOwner(ctx(t), o2))
	require.Equal(t, o2, readOwner(t, s, pid, o.ID))
}

// Channels, contact lists, pipelines and forms are read as lists: a second
// Put of the same ID leaves one record, the new one.
func testPutListedRecordReplacesInPlace(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)

	ch := newChannel(t, pid, "Support")
	require.NoError(t, s.PutChannel(ctx(t), ch))
	ch.Name, ch.Kind, ch.CreatesTickets = "Sales inbox", portal.Inbox, false
	require.NoError(t, s.PutChannel(ctx(t), ch))
	require.Equal(t, []portal.Channel{ch}, readAll(t, s.Channels, pid))

	l := newContactList(t, pid, "VIP")
	require.NoError(t, s.PutContactList(ctx(t), l))
	l.Name = "Very important"
	require.NoError(t, s.PutContactList(ctx(t), l))
	require.Equal(t, []portal.ContactList{l}, readAll(t, s.ContactLists, pid))

	pl := newPipeline(t, pid, "Support")
	require.NoError(t, s.PutPipeline(ctx(t), pl))
	updated := pl.Clone()
	updated.Name = "Support v2"
	// Stages removed, reordered and added.
	updated.Stages = []portal.Stage{pl.Stages[2], {ID: newID(t), Name: "Triage", State: portal.StageOpen}, pl.Stages[0]}
	updated.Stages[0].Name = "Done"
	require.NoError(t, s.PutPipeline(ctx(t), updated))
	require.Equal(t, []portal.Pipeline{updated}, readAll(t, s.Pipelines, pid))

	f := newForm(t, pid, "Contact us")
	require.NoError(t, s.PutForm(ctx(t), f))
	f2 := f.Clone()
	f2.Name = "Write to us"
	f2.Fields = []portal.FormField{f.Fields[2], f.Fields[0]}
	f2.ChannelID = newID(t)
	require.NoError(t, s.PutForm(ctx(t), f2))
	require.Equal(t, []portal.Form{f2}, readAll(t, s.Forms, pid))
}

func testPutThreadReplaces(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	th := newThread(t, pid, newID(t), at(10))
	require.NoError(t, s.PutThread(ctx(t), th))
	th.VisibleInPortal = false
	require.NoError(t, s.PutThread(ctx(t), th))

	require.Equal(t, th, read(t, s.Thread, pid, th.ID))
	require.Equal(t, []portal.Thread{th}, read(t, s.Threads, pid, th.TicketID))
}
