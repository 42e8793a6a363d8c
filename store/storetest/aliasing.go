package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var aliasingTests = []test{
	{name: "ChangingValuesAfterPutChangesNothingStored", sub: aliasTests(false)},
	{name: "ChangingReadValuesChangesNothingStored", sub: aliasTests(true)},
}

// The mutators below change, in place, every slice element, nested slice and
// map a record shares with whoever else holds it. Replacing a field would
// prove nothing: only what shares memory can leak.

func mutateProperties(p portal.Properties) {
	for k := range p {
		p[k] = "changed"
	}
	p["added"] = true
}

func mutateIDs(ids []uuid.UUID) {
	for i := range ids {
		ids[i] = uuid.Max
	}
}

func mutateContact(c *portal.Contact) {
	mutateIDs(c.Lists)
	mutateProperties(c.Properties)
}

func mutateTicket(tk *portal.Ticket) {
	mutateIDs(tk.ContactIDs)
	mutateIDs(tk.CompanyIDs)
	mutateProperties(tk.Properties)
}

func mutatePipeline(p *portal.Pipeline) {
	for i := range p.Stages {
		p.Stages[i].Name = "changed"
		p.Stages[i].ID = uuid.Max
	}
}

func mutateForm(f *portal.Form) {
	for i := range f.Fields {
		f.Fields[i].Label = "changed"
		f.Fields[i].Required = !f.Fields[i].Required
	}
}

func mutateMessage(m *portal.Message) {
	for i := range m.Attachments {
		m.Attachments[i].Name = "changed"
		m.Attachments[i].Size = -1
	}
}

func mutatePropertyDef(d *portal.PropertyDef) {
	for i := range d.Property.Options {
		d.Property.Options[i].Label = "changed"
	}
}

func mutateFilterGroups(g portal.FilterGroups) {
	for i := range g {
		for j := range g[i] {
			g[i][j].Property = "changed"
			for k := range g[i][j].Values {
				g[i][j].Values[k] = "changed"
			}
		}
	}
}

func mutateSettings(s *portal.Settings) {
	mutateFilterGroups(s.Permissions.ContactFilter)
	mutateFilterGroups(s.Display.Visibility)
	for i := range s.Display.Columns {
		s.Display.Columns[i].Label = "changed"
	}
	for i := range s.Conversations.InternalSenders {
		s.Conversations.InternalSenders[i] = "changed@example.com"
	}
	for _, stages := range []map[uuid.UUID]uuid.UUID{s.Actions.CloseStages, s.Actions.ReopenStages} {
		for k := range stages {
			stages[k] = uuid.Max
		}
		if stages != nil {
			stages[uuid.Max] = uuid.Max
		}
	}
	mutateIDs(s.Access.Lists)
	for i := range s.SupportForm.Requests {
		s.SupportForm.Requests[i].Name = "changed"
		mutateFilterGroups(s.SupportForm.Requests[i].Audience)
	}
}

// aliasCase stores one kind of record and checks that changing the value
// given to the store, or the value it gave back, changes nothing stored.
type aliasCase struct {
	name string
	// readOnly is set on records without slices or maps: only the values
	// read back (a list of them) can share memory with what is stored.
	readOnly bool
	// run stores a record in tenant pid, changes in place the value it
	// stored (or, with afterRead, the value read back) and checks that the
	// stored record is unchanged.
	run func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool)
}

var aliasCases = []aliasCase{
	{"Contact", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		c := newContact(t, pid)
		unshared(t, afterRead, c, portal.Contact.Clone,
			func(c portal.Contact) error { return s.PutContact(ctx(t), portal.ContactChange{Contact: c}) },
			func() portal.Contact { return contactKind.read(t, s, pid, c.ID) }, mutateContact)
	}},
	{"Company", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		c := newCompany(t, pid)
		unshared(t, afterRead, c, portal.Company.Clone, put(t, s.PutCompany),
			func() portal.Company { return read(t, s.Company, pid, c.ID) },
			func(c *portal.Company) { mutateProperties(c.Properties) })
	}},
	{"Ticket", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		tk := newTicket(t, pid)
		unshared(t, afterRead, tk, portal.Ticket.Clone, put(t, s.PutTicket),
			func() portal.Ticket { return read(t, s.Ticket, pid, tk.ID) }, mutateTicket)
	}},
	{"Participants", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		tk := newTicket(t, pid)
		require.NoError(t, s.PutTicket(ctx(t), tk))
		tk = read(t, s.Ticket, pid, tk.ID)
		given := []portal.Participant{{ContactID: newID(t), CompanyID: newID(t), AddedBy: newID(t), AddedAt: at(3)}}
		require.NoError(t, s.SetParticipants(ctx(t), portal.ParticipantChange{PortalID: pid, TicketID: tk.ID, Participants: given,
			Event: portal.Event{ID: newID(t), PortalID: pid, Kind: portal.EventParticipantAdded, TicketID: tk.ID, At: at(3)}}))
		tk.Participants = slices.Clone(given)
		changed := given
		if afterRead {
			changed = read(t, s.Ticket, pid, tk.ID).Participants
		}
		changed[0].ContactID, changed[0].AddedAt = uuid.Max, at(99)
		require.Equal(t, tk, read(t, s.Ticket, pid, tk.ID))
	}},
	{"Pipeline", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		unsharedInList(t, afterRead, newPipeline(t, pid, "Support"), portal.Pipeline.Clone, put(t, s.PutPipeline),
			func() []portal.Pipeline { return readAll(t, s.Pipelines, pid) },
			func(p *portal.Pipeline) { mutatePipeline(p); p.Name = "changed" })
	}},
	{"Form", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		unsharedInList(t, afterRead, newForm(t, pid, "Contact us"), portal.Form.Clone, put(t, s.PutForm),
			func() []portal.Form { return readAll(t, s.Forms, pid) },
			func(f *portal.Form) { mutateForm(f); f.Name = "changed" })
	}},
	{"ContactListAndChannelLists", true, func(t *testing.T, s portal.Store, pid uuid.UUID, _ bool) {
		l := newContactList(t, pid, "VIP")
		ch := newChannel(t, pid, "Support")
		require.NoError(t, s.PutContactList(ctx(t), l))
		require.NoError(t, s.PutChannel(ctx(t), ch))
		lists := readAll(t, s.ContactLists, pid)
		require.Len(t, lists, 1)
		lists[0].Name = "changed"
		channels := readAll(t, s.Channels, pid)
		require.Len(t, channels, 1)
		channels[0].Name, channels[0].CreatesTickets = "changed", false
		require.Equal(t, []portal.ContactList{l}, readAll(t, s.ContactLists, pid))
		require.Equal(t, []portal.Channel{ch}, readAll(t, s.Channels, pid))
	}},
	{"Threads", true, func(t *testing.T, s portal.Store, pid uuid.UUID, _ bool) {
		th := newThread(t, pid, newID(t), at(1))
		require.NoError(t, s.PutThread(ctx(t), th))
		got := read(t, s.Threads, pid, th.TicketID)
		require.Len(t, got, 1)
		got[0].VisibleInPortal, got[0].CreatedAt = false, at(99)
		require.Equal(t, []portal.Thread{th}, read(t, s.Threads, pid, th.TicketID))
		require.Equal(t, th, read(t, s.Thread, pid, th.ID))
	}},
	{"Message", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		th := newThread(t, pid, newID(t), at(1))
		require.NoError(t, s.PutThread(ctx(t), th))
		unsharedInList(t, afterRead, newMessage(t, th, at(2)), portal.Message.Clone, put(t, s.AddMessage),
			func() []portal.Message { return read(t, s.Messages, pid, th.ID) },
			func(m *portal.Message) { mutateMessage(m); m.Body = "changed" })
	}},
	{"PropertyDef", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		unsharedInList(t, afterRead, portal.PropertyDef{Object: portal.TicketObject, Property: enumProperty("tier")},
			func(d portal.PropertyDef) portal.PropertyDef { d.Property = d.Property.Clone(); return d },
			func(d portal.PropertyDef) error { return s.PutProperty(ctx(t), pid, d) },
			func() []portal.PropertyDef { return readAll(t, s.Properties, pid) },
			func(d *portal.PropertyDef) { mutatePropertyDef(d); d.Property.Label = "changed" })
	}},
	{"SettingsOfCreateTenant", false, func(t *testing.T, s portal.Store, _ uuid.UUID, afterRead bool) {
		settings := richSettings(t)
		want := settings.Clone()
		want.Version = 1
		pid := newID(t)
		require.NoError(t, s.CreateTenant(ctx(t), portal.Tenant{ID: pid, Name: "T", CreatedAt: at(0)}, settings))
		if afterRead {
			settings = currentSettings(t, s, pid)
		}
		mutateSettings(&settings)
		require.Equal(t, want, currentSettings(t, s, pid))
	}},
	{"SettingsOfSaveSettings", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		settings := richSettings(t)
		want := saveOverFirst(t, s, pid, settings)
		if afterRead {
			settings = currentSettings(t, s, pid)
		}
		mutateSettings(&settings)
		require.Equal(t, want, currentSettings(t, s, pid))
	}},
}

// put binds a store's put of one record to the test's context.
func put[T any](t *testing.T, fn func(context.Context, T) error) func(T) error {
	return func(x T) error { return fn(ctx(t), x) }
}

// unshared puts x, changes in place x or, afterRead, the value get reads
// back, and checks that get still reads x as it was put.
func unshared[T any](t *testing.T, afterRead bool, x T, clone func(T) T, put func(T) error, get func() T, mutate func(*T)) {
	want := clone(x)
	require.NoError(t, put(x))
	if afterRead {
		x = get()
	}
	mutate(&x)
	require.Equal(t, want, get())
}

// unsharedInList is unshared for a record read back as a list of one,
// whose element is changed in place.
func unsharedInList[T any](t *testing.T, afterRead bool, x T, clone func(T) T, put func(T) error, list func() []T, mutate func(*T)) {
	want := clone(x)
	require.NoError(t, put(x))
	if afterRead {
		got := list()
		require.Len(t, got, 1)
		mutate(&got[0])
	} else {
		mutate(&x)
	}
	require.Equal(t, []T{want}, list())
}

// aliasTests makes one test, with a fresh store, per record kind.
func aliasTests(afterRead bool) []test {
	var out []test
	for _, c := range aliasCases {
		if c.readOnly && !afterRead {
			continue
		}
		out = append(out, test{name: c.name, fn: func(t *testing.T, s portal.Store) {
			c.run(t, s, newTenant(t, s), afterRead)
		}})
	}
	return out
}
