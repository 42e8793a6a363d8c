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
	updated := newTicket(t, pid)
	updated.ID = old.ID
	updated.ContactIDs = []uuid.UUID{old.ContactIDs[2], newID(t)} // one kept, two gone, one new
	updated.RequesterID = updated.ContactIDs[1]
	updated.CompanyIDs = []uuid.UUID{newID(t)} // both old ones gone
	updated.Properties = portal.Properties{"plan": "starter", "seats": float64(1)}
	updated.Subject = "Printer fixed"
	updated.Priority = portal.PriorityLow
	updated.LastActivityAt = old.LastActivityAt.Add(1)
	ticketKind.putReplaces(t, s, pid, old, updated)
}

func testPutContactReplacesWhole(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	old := newContact(t, pid)
	updated := newContact(t, pid)
	updated.ID = old.ID
	updated.Email = "ann.oneil@acme.example"
	updated.Lists = []uuid.UUID{old.Lists[1]}
	updated.Properties = portal.Properties{"vip": false}
	contactKind.putReplaces(t, s, pid, old, updated)
}

func testPutCompanyAndOwnerReplaceWhole(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	co := newCompany(t, pid)
	co2 := newCompany(t, pid)
	co2.ID, co2.Name, co2.Properties = co.ID, "Acme GmbH", portal.Properties{"plan": "free"}
	companyKind.putReplaces(t, s, pid, co, co2)

	o := newOwner(t, pid)
	o2 := portal.Owner{ID: o.ID, PortalID: pid, FirstName: "Beatrice"}
	ownerKind.putReplaces(t, s, pid, o, o2)
}

// Channels, contact lists, pipelines and forms are read as lists: a second
// Put of the same ID leaves one record, the new one.
func testPutListedRecordReplacesInPlace(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)

	ch := newChannel(t, pid, "Support")
	inbox := ch
	inbox.Name, inbox.Kind, inbox.CreatesTickets = "Sales inbox", portal.Inbox, false
	channelKind.putReplaces(t, s, pid, ch, inbox)

	l := newContactList(t, pid, "VIP")
	renamed := l
	renamed.Name = "Very important"
	contactListKind.putReplaces(t, s, pid, l, renamed)

	pl := newPipeline(t, pid, "Support")
	updated := pl.Clone()
	updated.Name = "Support v2"
	// Stages removed, reordered and added.
	updated.Stages = []portal.Stage{pl.Stages[2], {ID: newID(t), Name: "Triage", State: portal.StageOpen}, pl.Stages[0]}
	updated.Stages[0].Name = "Done"
	pipelineKind.putReplaces(t, s, pid, pl, updated)

	f := newForm(t, pid, "Contact us")
	f2 := f.Clone()
	f2.Name = "Write to us"
	f2.Fields = []portal.FormField{f.Fields[2], f.Fields[0]}
	f2.ChannelID = newID(t)
	formKind.putReplaces(t, s, pid, f, f2)
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
