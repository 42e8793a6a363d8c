package storetest

import (
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
	for k := range s.Actions.CloseStages {
		s.Actions.CloseStages[k] = uuid.Max
	}
	if s.Actions.CloseStages != nil {
		s.Actions.CloseStages[uuid.Max] = uuid.Max
	}
	mutateIDs(s.Access.Lists)
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
		want := c.Clone()
		require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: c}))
		if afterRead {
			c = readContact(t, s, pid, c.ID)
		}
		mutateContact(&c)
		require.Equal(t, want, readContact(t, s, pid, want.ID))
	}},
	{"Company", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		c := newCompany(t, pid)
		want := c.Clone()
		require.NoError(t, s.PutCompany(ctx(t), c))
		if afterRead {
			c = read(t, s.Company, pid, c.ID)
		}
		mutateProperties(c.Properties)
		require.Equal(t, want, read(t, s.Company, pid, want.ID))
	}},
	{"Ticket", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		tk := newTicket(t, pid)
		want := tk.Clone()
		require.NoError(t, s.PutTicket(ctx(t), tk))
		if afterRead {
			tk = read(t, s.Ticket, pid, tk.ID)
		}
		mutateTicket(&tk)
		require.Equal(t, want, read(t, s.Ticket, pid, want.ID))
	}},
	{"Pipeline", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		p := newPipeline(t, pid, "Support")
		want := p.Clone()
		require.NoError(t, s.PutPipeline(ctx(t), p))
		if afterRead {
			got := readAll(t, s.Pipelines, pid)
			require.Len(t, got, 1)
			mutatePipeline(&got[0])
			got[0].Name = "changed"
		} else {
			mutatePipeline(&p)
		}
		require.Equal(t, []portal.Pipeline{want}, readAll(t, s.Pipelines, pid))
	}},
	{"Form", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		f := newForm(t, pid, "Contact us")
		want := f.Clone()
		require.NoError(t, s.PutForm(ctx(t), f))
		if afterRead {
			got := readAll(t, s.Forms, pid)
			require.Len(t, got, 1)
			mutateForm(&got[0])
			got[0].Name = "changed"
		} else {
			mutateForm(&f)
		}
		require.Equal(t, []portal.Form{want}, readAll(t, s.Forms, pid))
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
		m := newMessage(t, th, at(2))
		want := m.Clone()
		require.NoError(t, s.AddMessage(ctx(t), m))
		if afterRead {
			got := read(t, s.Messages, pid, th.ID)
			require.Len(t, got, 1)
			mutateMessage(&got[0])
			got[0].Body = "changed"
		} else {
			mutateMessage(&m)
		}
		require.Equal(t, []portal.Message{want}, read(t, s.Messages, pid, th.ID))
	}},
	{"PropertyDef", false, func(t *testing.T, s portal.Store, pid uuid.UUID, afterRead bool) {
		d := portal.PropertyDef{Object: portal.TicketObject, Property: enumProperty("tier")}
		want := portal.PropertyDef{Object: d.Object, Property: d.Property.Clone()}
		require.NoError(t, s.PutProperty(ctx(t), pid, d))
		if afterRead {
			got := readAll(t, s.Properties, pid)
			require.Len(t, got, 1)
			mutatePropertyDef(&got[0])
			got[0].Property.Label = "changed"
		} else {
			mutatePropertyDef(&d)
		}
		require.Equal(t, []portal.PropertyDef{want}, readAll(t, s.Properties, pid))
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
		settings.Version = 1
		v, err := s.SaveSettings(ctx(t), pid, settings)
		require.NoError(t, err)
		want := settings.Clone()
		want.Version = v
		if afterRead {
			settings = currentSettings(t, s, pid)
		}
		mutateSettings(&settings)
		require.Equal(t, want, currentSettings(t, s, pid))
	}},
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
