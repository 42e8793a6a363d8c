package portal_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

func requireField(t *testing.T, err error, field string) {
	t.Helper()
	require.ErrorIs(t, err, portal.ErrInvalid)
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has(field), "want a problem at %q, got %v", field, err)
}

// A ticket, its contact and company, its thread and messages, saved through
// the host operations and read back.
func TestSaveTicketAndConversation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pid := f.tenant.ID
	co, err := f.p.SaveCompany(ctx, portal.Company{PortalID: pid, Name: "Æblegården ApS", Domain: "AEBLE.dk"})
	require.NoError(t, err)
	assert.Equal(t, "aeble.dk", co.Domain)
	c, err := f.p.SaveContact(ctx, portal.Contact{PortalID: pid, FirstName: "Søren", Email: "soren@aeble.dk",
		CompanyID: co.ID, Lists: []uuid.UUID{f.list.ID}})
	require.NoError(t, err)
	assert.Equal(t, clock, c.CreatedAt)
	o, err := f.p.SaveOwner(ctx, portal.Owner{PortalID: pid, FirstName: "Ida", Alias: "Support"})
	require.NoError(t, err)

	tk, err := f.p.SaveTicket(ctx, portal.Ticket{PortalID: pid, Subject: "  Printer virker ikke ",
		PipelineID: f.pipeline.ID, StageID: f.pipeline.Stages[0].ID, OwnerID: o.ID, ChannelID: f.channel.ID,
		Priority: portal.PriorityHigh, RequesterID: c.ID, ContactIDs: []uuid.UUID{c.ID}, CompanyIDs: []uuid.UUID{co.ID}})
	require.NoError(t, err)
	assert.Equal(t, "Printer virker ikke", tk.Subject)
	assert.Equal(t, clock, tk.CreatedAt)
	assert.Equal(t, clock, tk.LastActivityAt)
	assert.Equal(t, 7, int(tk.ID.Version()), "IDs are UUIDv7")
	got, err := f.p.Ticket(ctx, pid, tk.ID)
	require.NoError(t, err)
	assert.Equal(t, tk, got)

	th, err := f.p.SaveThread(ctx, portal.Thread{PortalID: pid, TicketID: tk.ID, VisibleInPortal: true})
	require.NoError(t, err)
	m, err := f.p.AddMessage(ctx, portal.Message{PortalID: pid, ThreadID: th.ID, Kind: portal.InternalNote,
		From: "ida@helpdesk.example", Body: "<p>Ring kunden</p>", Text: "Ring kunden",
		Attachments: []portal.Attachment{{Name: "log.txt", ContentType: "text/plain", Size: 12, BlobKey: "k1"}}})
	require.NoError(t, err)
	assert.Equal(t, tk.ID, m.TicketID, "the ticket comes from the thread")
	assert.NotEqual(t, uuid.Nil, m.Attachments[0].ID)
	ms, err := f.p.Messages(ctx, pid, th.ID)
	require.NoError(t, err)
	assert.Equal(t, []portal.Message{m}, ms)

	// An update keeps the creation time and may not move a thread.
	tk.Subject = "Printer virker igen"
	tk.CreatedAt = time.Time{}
	tk2, err := f.p.SaveTicket(ctx, tk)
	require.NoError(t, err)
	assert.Equal(t, clock, tk2.CreatedAt)
	th.TicketID = uuid.New()
	_, err = f.p.SaveThread(ctx, th)
	requireField(t, err, "ticketId")
}

// covers: P13 (Portal keeps when a ticket closed: set when it enters a
// closed stage, kept while it stays closed, cleared when it opens; a host
// importing a closed ticket may give it)
func TestSaveTicketKeepsClosedAt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	open, closed := f.pipeline.Stages[0].ID, f.pipeline.Stages[1].ID
	tk, err := f.p.SaveTicket(ctx, portal.Ticket{PortalID: f.tenant.ID, Subject: "Printer", PipelineID: f.pipeline.ID,
		StageID: open, ClosedAt: clock})
	require.NoError(t, err)
	assert.True(t, tk.ClosedAt.IsZero(), "an open ticket has none")

	tk.StageID = closed
	tk, err = f.p.SaveTicket(ctx, tk)
	require.NoError(t, err)
	assert.Equal(t, clock, tk.ClosedAt, "entering a closed stage sets it")
	tk.ClosedAt, tk.Subject = time.Time{}, "Printer (done)"
	tk, err = f.p.SaveTicket(ctx, tk)
	require.NoError(t, err)
	assert.Equal(t, clock, tk.ClosedAt, "kept while it stays closed")
	got, err := f.p.Ticket(ctx, f.tenant.ID, tk.ID)
	require.NoError(t, err)
	assert.Equal(t, tk, got)

	tk.StageID = open
	tk, err = f.p.SaveTicket(ctx, tk)
	require.NoError(t, err)
	assert.True(t, tk.ClosedAt.IsZero(), "opening clears it")

	earlier := clock.Add(-48 * time.Hour)
	imported, err := f.p.SaveTicket(ctx, portal.Ticket{PortalID: f.tenant.ID, Subject: "Old", PipelineID: f.pipeline.ID,
		StageID: closed, CreatedAt: earlier.Add(-time.Hour), ClosedAt: earlier.Add(123 * time.Nanosecond)})
	require.NoError(t, err)
	assert.Equal(t, earlier, imported.ClosedAt, "given, to the microsecond")
	_, err = f.p.SaveTicket(ctx, portal.Ticket{PortalID: f.tenant.ID, Subject: "Odd", PipelineID: f.pipeline.ID,
		StageID: closed, CreatedAt: earlier, ClosedAt: earlier.Add(-time.Hour)})
	requireField(t, err, "closedAt")
}

func TestSaveTicketRejectsBadReferences(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pid := f.tenant.ID
	c, err := f.p.SaveContact(ctx, portal.Contact{PortalID: pid, Email: "a@example.com"})
	require.NoError(t, err)
	otherStage := uuid.New()
	cases := []struct {
		name   string
		field  string
		mutate func(*portal.Ticket)
	}{
		{"empty subject", "subject", func(t *portal.Ticket) { t.Subject = " " }},
		{"unknown pipeline", "pipelineId", func(t *portal.Ticket) { t.PipelineID = uuid.New() }},
		{"stage of no pipeline", "stageId", func(t *portal.Ticket) { t.StageID = otherStage }},
		{"unknown owner", "ownerId", func(t *portal.Ticket) { t.OwnerID = uuid.New() }},
		{"unknown channel", "channelId", func(t *portal.Ticket) { t.ChannelID = uuid.New() }},
		{"unknown contact", "contactIds[1]", func(t *portal.Ticket) { t.ContactIDs = append(t.ContactIDs, uuid.New()) }},
		{"contact twice", "contactIds[1]", func(t *portal.Ticket) { t.ContactIDs = append(t.ContactIDs, c.ID) }},
		{"unknown company", "companyIds[0]", func(t *portal.Ticket) { t.CompanyIDs = []uuid.UUID{uuid.New()} }},
		{"requester not a contact", "requesterId", func(t *portal.Ticket) { t.RequesterID = uuid.New() }},
		{"bad priority", "priority", func(t *portal.Ticket) { t.Priority = "asap" }},
		{"unknown property", "properties.colour", func(t *portal.Ticket) { t.Properties = portal.Properties{"colour": "red"} }},
		{"activity before creation", "lastActivityAt", func(t *portal.Ticket) {
			t.CreatedAt = clock
			t.LastActivityAt = clock.Add(-time.Hour)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tk := portal.Ticket{PortalID: pid, Subject: "Hello", PipelineID: f.pipeline.ID,
				StageID: f.pipeline.Stages[0].ID, ContactIDs: []uuid.UUID{c.ID}}
			tc.mutate(&tk)
			_, err := f.p.SaveTicket(ctx, tk)
			requireField(t, err, tc.field)
		})
	}
}

// Records of one tenant cannot be referenced, read or updated through
// another (X5).
func TestRecordsDoNotCrossTenants(t *testing.T) {
	a := newFixture(t)
	ctx := context.Background()
	b, err := a.p.CreateTenant(ctx, "Other helpdesk")
	require.NoError(t, err)
	c, err := a.p.SaveContact(ctx, portal.Contact{PortalID: a.tenant.ID, Email: "a@example.com"})
	require.NoError(t, err)

	_, err = a.p.Contact(ctx, b.ID, c.ID)
	require.ErrorIs(t, err, portal.ErrNotFound)
	c.PortalID = b.ID
	_, err = a.p.SaveContact(ctx, c)
	require.ErrorIs(t, err, portal.ErrNotFound, "updating another tenant's contact finds nothing")

	// A ticket in B may not use A's pipeline or contact.
	_, err = a.p.SaveTicket(ctx, portal.Ticket{PortalID: b.ID, Subject: "x", PipelineID: a.pipeline.ID,
		StageID: a.pipeline.Stages[0].ID, ContactIDs: []uuid.UUID{c.ID}})
	requireField(t, err, "pipelineId")
	requireField(t, err, "contactIds[0]")

	// B's settings may not name A's channel.
	s, err := a.p.Settings(ctx, b.ID)
	require.NoError(t, err)
	s.DefaultChannel = a.channel.ID
	_, err = a.p.SaveSettings(ctx, b.ID, s)
	requireField(t, err, "defaultChannel")
}

func TestUnknownIDsAreNotFound(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pid := f.tenant.ID
	_, err := f.p.SaveContact(ctx, portal.Contact{ID: uuid.New(), PortalID: pid, Email: "a@example.com"})
	require.ErrorIs(t, err, portal.ErrNotFound)
	_, err = f.p.SaveTicket(ctx, portal.Ticket{ID: uuid.New(), PortalID: pid})
	require.ErrorIs(t, err, portal.ErrNotFound)
	_, err = f.p.SaveChannel(ctx, portal.Channel{ID: uuid.New(), PortalID: pid, Name: "x", Kind: portal.Inbox})
	require.ErrorIs(t, err, portal.ErrNotFound)
	_, err = f.p.SaveThread(ctx, portal.Thread{ID: uuid.New(), PortalID: pid})
	require.ErrorIs(t, err, portal.ErrNotFound)
	_, err = f.p.Tenant(ctx, uuid.New())
	require.ErrorIs(t, err, portal.ErrNotFound)
	_, err = f.p.SaveCompany(ctx, portal.Company{PortalID: uuid.New(), Name: "Nowhere"})
	require.ErrorIs(t, err, portal.ErrNotFound, "a new record in an unknown tenant")
}

// Zero values get clear errors, never panics.
func TestZeroRecordsAreInvalid(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, save := range map[string]func() error{
		"contact":  func() error { _, err := f.p.SaveContact(ctx, portal.Contact{}); return err },
		"company":  func() error { _, err := f.p.SaveCompany(ctx, portal.Company{}); return err },
		"owner":    func() error { _, err := f.p.SaveOwner(ctx, portal.Owner{}); return err },
		"channel":  func() error { _, err := f.p.SaveChannel(ctx, portal.Channel{}); return err },
		"pipeline": func() error { _, err := f.p.SavePipeline(ctx, portal.Pipeline{}); return err },
		"list":     func() error { _, err := f.p.SaveContactList(ctx, portal.ContactList{}); return err },
		"form":     func() error { _, err := f.p.SaveForm(ctx, portal.Form{}); return err },
		"ticket":   func() error { _, err := f.p.SaveTicket(ctx, portal.Ticket{}); return err },
		"thread":   func() error { _, err := f.p.SaveThread(ctx, portal.Thread{}); return err },
		"message":  func() error { _, err := f.p.AddMessage(ctx, portal.Message{}); return err },
		"tenant":   func() error { _, err := f.p.CreateTenant(ctx, ""); return err },
		"property": func() error { return f.p.RegisterProperty(ctx, f.tenant.ID, "", portal.Property{}) },
	} {
		t.Run(name, func(t *testing.T) {
			err := save()
			require.ErrorIs(t, err, portal.ErrInvalid)
		})
	}
	// The same kinds with only a tenant set name their missing fields.
	_, err := f.p.SaveOwner(ctx, portal.Owner{PortalID: f.tenant.ID})
	requireField(t, err, "firstName")
	_, err = f.p.SaveContact(ctx, portal.Contact{PortalID: f.tenant.ID})
	requireField(t, err, "email")
	_, err = f.p.SavePipeline(ctx, portal.Pipeline{PortalID: f.tenant.ID, Name: "P"})
	requireField(t, err, "stages")
	_, err = f.p.AddMessage(ctx, portal.Message{PortalID: f.tenant.ID})
	requireField(t, err, "threadId")
	requireField(t, err, "kind")
}

func TestPipelineRules(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.p.SavePipeline(ctx, portal.Pipeline{PortalID: f.tenant.ID, Name: "Only closed",
		Stages: []portal.Stage{{Name: "Done", State: portal.StageClosed}}})
	requireField(t, err, "stages")
	_, err = f.p.SavePipeline(ctx, portal.Pipeline{PortalID: f.tenant.ID, Name: "Bad state",
		Stages: []portal.Stage{{Name: "New", State: "pending"}, {Name: "", State: portal.StageOpen}}})
	requireField(t, err, "stages[0].state")
	requireField(t, err, "stages[1].name")
}

// A stage's ID is in one pipeline of the tenant: a pipeline that names a
// stage of another is refused, so whether a ticket's stage is closed never
// depends on which pipeline was saved last.
// covers: X8, S8
func TestStageIsInOnePipeline(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	solved := f.pipeline.Stages[1].ID
	_, err := f.p.SavePipeline(ctx, portal.Pipeline{PortalID: f.tenant.ID, Name: "Sales", Stages: []portal.Stage{
		{Name: "Lead", State: portal.StageOpen}, {ID: solved, Name: "Won", State: portal.StageOpen}}})
	requireField(t, err, "stages[1].id")
	pls, err := f.p.Pipelines(ctx, f.tenant.ID)
	require.NoError(t, err)
	require.Len(t, pls, 1, "nothing was written")
	// The pipeline itself may keep its own stage.
	pl := f.pipeline.Clone()
	pl.Name = "Support desk"
	_, err = f.p.SavePipeline(ctx, pl)
	require.NoError(t, err)
}

// A date outside the years 1–9999 is refused with ErrInvalid naming its
// field, on a new ticket and on an update, and nothing is written.
// covers: X8
func TestDatesOutsideTheYears1To9999AreRefused(t *testing.T) {
	w := newWorld(t, portal.OwnTickets)
	ctx := context.Background()
	pid := w.tenant.ID
	require.NoError(t, w.p.RegisterProperty(ctx, pid, portal.TicketObject, portal.Property{Name: "due", Label: "Due", Type: portal.Date}))
	y10000 := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	mine := func(tk portal.Ticket) portal.Ticket {
		tk.PortalID, tk.PipelineID, tk.StageID = pid, w.pipeline.ID, w.pipeline.Stages[0].ID
		tk.ContactIDs = []uuid.UUID{w.solo.ID}
		return tk
	}
	ok, err := w.p.SaveTicket(ctx, mine(portal.Ticket{Subject: "kept"}))
	require.NoError(t, err)
	for _, c := range []struct {
		field string
		tk    portal.Ticket
	}{
		{"lastActivityAt", portal.Ticket{Subject: "a", LastActivityAt: y10000}},
		{"createdAt", portal.Ticket{Subject: "b", CreatedAt: y10000}},
		{"properties.due", portal.Ticket{Subject: "c", Properties: portal.Properties{"due": y10000}}},
		{"properties.due", portal.Ticket{Subject: "d", Properties: portal.Properties{"due": time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)}}},
	} {
		_, err := w.p.SaveTicket(ctx, mine(c.tk))
		requireField(t, err, c.field)
		upd := ok.Clone()
		upd.LastActivityAt, upd.Properties = c.tk.LastActivityAt, c.tk.Properties
		_, err = w.p.SaveTicket(ctx, upd)
		if c.field != "createdAt" { // an update keeps the stored creation date
			requireField(t, err, c.field)
		}
	}
	assert.Equal(t, []string{"kept", "Solo's"}, w.subjects(t, w.solo, portal.ListQuery{Limit: 25}), "nothing else was written")
	got, err := w.p.Ticket(ctx, pid, ok.ID)
	require.NoError(t, err)
	assert.Equal(t, ok.LastActivityAt, got.LastActivityAt, "the refused updates changed nothing")
	assert.Empty(t, got.Properties, "the refused updates changed nothing")
}

func TestCustomPropertiesAreTyped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pid := f.tenant.ID
	require.NoError(t, f.p.RegisterProperty(ctx, pid, portal.CompanyObject,
		portal.Property{Name: "tier", Label: "Tier", Type: portal.Enumeration,
			Options: []portal.Option{{Value: "gold", Label: "Gold"}, {Value: "silver", Label: "Silver"}}}))
	require.NoError(t, f.p.RegisterProperty(ctx, pid, portal.CompanyObject,
		portal.Property{Name: "seats", Label: "Seats", Type: portal.Number}))
	err := f.p.RegisterProperty(ctx, pid, portal.CompanyObject, portal.Property{Name: "seats", Label: "Seats", Type: portal.Text})
	requireField(t, err, "type")

	_, err = f.p.SaveCompany(ctx, portal.Company{PortalID: pid, Name: "Müller GmbH",
		Properties: portal.Properties{"tier": "platinum", "seats": "12"}})
	requireField(t, err, "properties.tier")
	requireField(t, err, "properties.seats")
	co, err := f.p.SaveCompany(ctx, portal.Company{PortalID: pid, Name: "Müller GmbH",
		Properties: portal.Properties{"tier": "gold", "seats": 12.0}})
	require.NoError(t, err)
	assert.Equal(t, "gold", co.Properties["tier"])

	schema, err := f.p.Schema(ctx, pid)
	require.NoError(t, err)
	p, ok := schema.Lookup(portal.CompanyObject, "tier")
	require.True(t, ok)
	assert.Equal(t, portal.Enumeration, p.Type)
}

// A store failure reaches the caller as ErrInternal, without its text.
func TestStoreFailuresAreInternal(t *testing.T) {
	f := newFixture(t)
	p, err := portal.New(failingStore{f.store}, portal.Options{})
	require.NoError(t, err)
	_, err = p.Settings(context.Background(), f.tenant.ID)
	require.ErrorIs(t, err, portal.ErrInternal)
	assert.Equal(t, "internal error", err.Error())
	assert.ErrorIs(t, err, errDisk, "the cause stays reachable for logs")
}

var errDisk = errors.New("disk on fire at /var/lib/secret")

type failingStore struct{ portal.Store }

func (failingStore) Settings(context.Context, uuid.UUID) (portal.Settings, error) {
	return portal.Settings{}, errDisk
}
