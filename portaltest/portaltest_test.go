package portaltest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
)

func newPortal(t testing.TB) *portal.Portal {
	t.Helper()
	p, err := portal.New(memstore.New(), portal.Options{Now: portaltest.Now})
	require.NoError(t, err)
	return p
}

func generate(t testing.TB, p *portal.Portal, size portaltest.Size, seed uint64) *portaltest.Dataset {
	t.Helper()
	d, err := portaltest.Generate(context.Background(), p, size, seed)
	require.NoError(t, err)
	return d
}

// fingerprint renders a dataset's content without record IDs: every ID is
// replaced by the record's position in the dataset.
func fingerprint(d *portaltest.Dataset) []string {
	pos := map[uuid.UUID]string{uuid.Nil: "-"}
	// number names the n records of a kind by prefix and position; id(i)
	// is the ID of the i-th.
	number := func(prefix string, n int, id func(i int) uuid.UUID) {
		for i := range n {
			pos[id(i)] = fmt.Sprintf("%s%d", prefix, i)
		}
	}
	number("ch", len(d.Channels), func(i int) uuid.UUID { return d.Channels[i].ID })
	number("pl", len(d.Pipelines), func(i int) uuid.UUID { return d.Pipelines[i].ID })
	for i, x := range d.Pipelines {
		for j, st := range x.Stages {
			pos[st.ID] = fmt.Sprintf("pl%d.st%d", i, j)
		}
	}
	number("li", len(d.Lists), func(i int) uuid.UUID { return d.Lists[i].ID })
	number("ow", len(d.Owners), func(i int) uuid.UUID { return d.Owners[i].ID })
	number("co", len(d.Companies), func(i int) uuid.UUID { return d.Companies[i].ID })
	number("ct", len(d.Contacts), func(i int) uuid.UUID { return d.Contacts[i].ID })
	number("tk", len(d.Tickets), func(i int) uuid.UUID { return d.Tickets[i].ID })
	number("th", len(d.Threads), func(i int) uuid.UUID { return d.Threads[i].ID })
	ids := func(xs []uuid.UUID) string {
		var out []string
		for _, x := range xs {
			out = append(out, pos[x])
		}
		return strings.Join(out, ",")
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	add("tenant %s", d.Tenant.Name)
	for _, x := range d.Channels {
		add("channel %s %s %v", x.Name, x.Kind, x.CreatesTickets)
	}
	for _, x := range d.Pipelines {
		add("pipeline %s %v", x.Name, len(x.Stages))
	}
	for _, x := range d.Owners {
		add("owner %s|%s|%s|%s", x.FirstName, x.LastName, x.Alias, x.Email)
	}
	for _, x := range d.Companies {
		add("company %s|%s|%v", x.Name, x.Domain, x.Properties)
	}
	for _, x := range d.Contacts {
		add("contact %s|%s|%s|%s|%s|%v", x.FirstName, x.LastName, x.Email, pos[x.CompanyID], ids(x.Lists), x.Properties)
	}
	for _, x := range d.Tickets {
		add("ticket %q|%q|%s|%s|%s|%s|%s|%s|%s|%s|%v|%s|%s", x.Subject, x.Content, pos[x.PipelineID], pos[x.StageID],
			pos[x.OwnerID], x.Priority, pos[x.ChannelID], pos[x.RequesterID], ids(x.ContactIDs), ids(x.CompanyIDs),
			x.Properties, x.CreatedAt, x.LastActivityAt)
	}
	for _, x := range d.Threads {
		add("thread %s %v %s", pos[x.TicketID], x.VisibleInPortal, x.CreatedAt)
	}
	for _, x := range d.Messages {
		var att []string
		for _, a := range x.Attachments {
			att = append(att, fmt.Sprintf("%s/%s/%d/%s", a.Name, a.ContentType, a.Size, a.BlobKey))
		}
		add("message %s %s %s %s %q %q %v %s", pos[x.TicketID], pos[x.ThreadID], x.Kind, x.From, x.Text, x.Body, att, x.CreatedAt)
	}
	add("form %s %s %d", d.Form.Name, pos[d.Form.ChannelID], len(d.Form.Fields))
	return out
}

func subjects(d *portaltest.Dataset) []string {
	var out []string
	for _, t := range d.Tickets {
		out = append(out, t.Subject)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	size := portaltest.Size{Tickets: 200}
	a := generate(t, newPortal(t), size, 42)
	b := generate(t, newPortal(t), size, 42)
	assert.Equal(t, fingerprint(a), fingerprint(b), "same seed, same content")
	assert.Equal(t, subjects(a), subjects(b))
	assert.NotEqual(t, a.Tickets[0].ID, b.Tickets[0].ID, "IDs come from the portal")

	// The same seed in the same store gives the same content in a new tenant.
	p := newPortal(t)
	c := generate(t, p, size, 42)
	e := generate(t, p, size, 42)
	assert.NotEqual(t, c.Tenant.ID, e.Tenant.ID)
	assert.Equal(t, fingerprint(c)[1:], fingerprint(e)[1:])

	other := generate(t, newPortal(t), size, 43)
	assert.NotEqual(t, subjects(a), subjects(other), "different seeds differ")
	assert.NotEqual(t, fingerprint(a), fingerprint(other))
	assert.NotEqual(t, len(a.Messages), 0)
}

func TestSize(t *testing.T) {
	p := newPortal(t)
	d := generate(t, p, portaltest.Size{}, 1)
	assert.Len(t, d.Channels, 2)
	assert.Len(t, d.Pipelines, 2)
	assert.Len(t, d.Lists, 3)
	assert.Len(t, d.Owners, portaltest.DefaultOwners)
	assert.Len(t, d.Companies, portaltest.DefaultCompanies)
	assert.Len(t, d.Contacts, portaltest.DefaultCompanies*portaltest.DefaultContactsPerCompany+portaltest.DefaultLooseContacts)
	assert.Len(t, d.Tickets, portaltest.DefaultTickets)

	size := portaltest.Size{Companies: 30, ContactsPerCompany: 1, LooseContacts: 2, Owners: 9,
		Tickets: 120, ThreadsPerTicket: 1, MessagesPerThread: 7}
	d = generate(t, p, size, 2)
	assert.Len(t, d.Owners, 9)
	assert.Len(t, d.Companies, 30)
	assert.Len(t, d.Contacts, 32)
	assert.Len(t, d.Tickets, 120)
	assert.Len(t, d.Threads, 120, "one thread per ticket")
	perThread := map[uuid.UUID]int{}
	for _, m := range d.Messages {
		perThread[m.ThreadID]++
	}
	for _, n := range perThread {
		assert.True(t, n >= 1 && n <= 7, "messages per thread: %d", n)
	}
	names := map[string]bool{}
	for _, c := range d.Companies {
		assert.False(t, names[c.Name], "company names are unique: %q", c.Name)
		names[c.Name] = true
	}
	emails := map[string]bool{}
	for _, c := range d.Contacts {
		assert.False(t, emails[c.Email], "contact e-mails are unique: %q", c.Email)
		emails[c.Email] = true
	}

	_, err := portaltest.Generate(context.Background(), p, portaltest.Size{Tickets: -1}, 1)
	assert.Error(t, err)
}

func TestAssociations(t *testing.T) {
	p := newPortal(t)
	ctx := context.Background()
	d := generate(t, p, portaltest.Size{Tickets: 300}, 7)
	other := generate(t, p, portaltest.Size{}, 7) // a second tenant in the same store
	tid := d.Tenant.ID

	var colleagues, loose, noCompany, companyOnly, noOwner int
	for _, tk := range d.Tickets {
		assert.Equal(t, tid, tk.PortalID)
		stored, err := p.Ticket(ctx, tid, tk.ID)
		require.NoError(t, err)
		assert.Equal(t, tk.ContactIDs, stored.ContactIDs)
		for _, id := range tk.ContactIDs {
			c, err := p.Contact(ctx, tid, id)
			require.NoError(t, err, "ticket %q: contact %s", tk.Subject, id)
			assert.Equal(t, tid, c.PortalID)
			_, err = p.Contact(ctx, other.Tenant.ID, id)
			assert.ErrorIs(t, err, portal.ErrNotFound, "a contact belongs to one tenant")
			if len(tk.CompanyIDs) > 0 {
				assert.Equal(t, tk.CompanyIDs[0], c.CompanyID, "contacts of a ticket belong to its company")
			}
		}
		for _, id := range tk.CompanyIDs {
			c, err := p.Company(ctx, tid, id)
			require.NoError(t, err)
			assert.Equal(t, tid, c.PortalID)
		}
		if tk.RequesterID != uuid.Nil {
			assert.Equal(t, tk.ContactIDs[0], tk.RequesterID)
		}
		switch {
		case len(tk.ContactIDs) > 1:
			colleagues++
		case len(tk.ContactIDs) == 0:
			companyOnly++
			assert.Equal(t, uuid.Nil, tk.RequesterID)
		case len(tk.CompanyIDs) == 0:
			c, _ := p.Contact(ctx, tid, tk.ContactIDs[0])
			if c.CompanyID == uuid.Nil {
				loose++
			} else {
				noCompany++
			}
		}
		if tk.OwnerID == uuid.Nil {
			noOwner++
		}
	}
	assert.Positive(t, colleagues, "tickets with several contacts")
	assert.Positive(t, loose, "tickets of contacts without a company")
	assert.Positive(t, noCompany, "tickets of a company contact without the company")
	assert.Positive(t, companyOnly, "tickets without contacts")
	assert.Positive(t, noOwner, "tickets without owner")

	for _, c := range d.Contacts {
		if c.CompanyID != uuid.Nil {
			assert.Contains(t, c.Lists, d.PortalUsers().ID)
		}
	}
}

func TestContent(t *testing.T) {
	d := generate(t, newPortal(t), portaltest.Size{}, 3)
	text := func(s []string) string { return strings.Join(s, "\n") }

	var companies []string
	for _, c := range d.Companies {
		companies = append(companies, c.Name)
	}
	assert.Contains(t, companies, "Æblegården ApS")
	assert.Contains(t, companies, "Zoë's Café")
	for _, r := range "æøåÆØÅ" {
		assert.Contains(t, text(companies)+text(subjects(d)), string(r))
	}
	all := text(subjects(d))
	for _, s := range []string{"%", "_", `"`, `\`, "'"} {
		assert.Contains(t, all, s, "a subject with %s", s)
	}

	owners := map[string]portal.Owner{}
	for _, o := range d.Owners {
		owners[o.FirstName] = o
	}
	assert.NotEmpty(t, owners["Mette"].Alias)
	assert.Equal(t, "", owners["Jens"].LastName+owners["Jens"].Alias)

	kinds := map[portal.MessageKind]int{}
	internalSender := 0
	for _, m := range d.Messages {
		kinds[m.Kind]++
		if strings.HasSuffix(m.From, "@"+portaltest.InternalDomain) && !m.Kind.Internal() {
			internalSender++
		}
		assert.NotEmpty(t, m.From)
		assert.NotEmpty(t, m.Text)
	}
	for _, k := range []portal.MessageKind{portal.CustomerMessage, portal.AgentMessage, portal.InternalNote, portal.Comment} {
		assert.Positive(t, kinds[k], "messages of kind %s", k)
	}
	assert.Positive(t, internalSender, "a customer-visible kind from an internal sender")

	hidden := 0
	for _, th := range d.Threads {
		if !th.VisibleInPortal {
			hidden++
		}
	}
	assert.Positive(t, hidden, "hidden threads")
}

func TestDates(t *testing.T) {
	d := generate(t, newPortal(t), portaltest.Size{Tickets: 500}, 9)
	earliest := portaltest.BaseTime.AddDate(-2, 0, 0)
	threadAt := map[uuid.UUID]time.Time{}
	for _, th := range d.Threads {
		threadAt[th.ID] = th.CreatedAt
	}
	last := map[uuid.UUID]time.Time{}
	for _, m := range d.Messages {
		assert.False(t, m.CreatedAt.Before(threadAt[m.ThreadID]))
		if m.CreatedAt.After(last[m.TicketID]) {
			last[m.TicketID] = m.CreatedAt
		}
	}
	var old, recent int
	for _, tk := range d.Tickets {
		assert.False(t, tk.CreatedAt.Before(earliest), tk.CreatedAt)
		assert.False(t, tk.LastActivityAt.Before(tk.CreatedAt))
		assert.False(t, tk.LastActivityAt.After(portaltest.BaseTime))
		assert.Equal(t, last[tk.ID], tk.LastActivityAt, "last activity is the last message")
		if tk.CreatedAt.Before(portaltest.BaseTime.AddDate(-1, 0, 0)) {
			old++
		} else {
			recent++
		}
	}
	assert.Positive(t, old)
	assert.Positive(t, recent)
}

func TestSettings(t *testing.T) {
	p := newPortal(t)
	ctx := context.Background()
	d := generate(t, p, portaltest.Size{}, 5)
	s, err := p.Settings(ctx, d.Tenant.ID)
	require.NoError(t, err)
	assert.True(t, s.Enabled)
	assert.Equal(t, d.HelpDesk().ID, s.DefaultChannel)
	assert.Equal(t, "Helpdesk", d.HelpDesk().Name)
	assert.Equal(t, portal.HelpDesk, d.HelpDesk().Kind)
	assert.True(t, s.SupportForm.Enabled)
	assert.Equal(t, d.Form.ID, s.SupportForm.FormID)
	assert.Equal(t, d.HelpDesk().ID, d.Form.ChannelID)
	assert.Equal(t, []uuid.UUID{d.PortalUsers().ID}, s.Access.Lists)
	assert.Equal(t, []string{"@" + portaltest.InternalDomain}, s.Conversations.InternalSenders)
	assert.Equal(t, d.Settings.Version, s.Version)
	assert.Equal(t, int64(2), s.Version)

	assert.Equal(t, []string{"New", "Waiting on contact", "Waiting on us", "Closed"}, stageNames(d.Support()))
	assert.Equal(t, []string{"Received", "Inspecting", "Refunded", "Rejected"}, stageNames(d.Returns()))
	assert.Len(t, d.Returns().ClosedStages(), 2)

	schema, err := p.Schema(ctx, d.Tenant.ID)
	require.NoError(t, err)
	for _, c := range []struct {
		obj  portal.Object
		name string
		typ  portal.PropertyType
	}{
		{portal.TicketObject, portaltest.PropOrderNumber, portal.Number},
		{portal.TicketObject, portaltest.PropProduct, portal.Enumeration},
		{portal.TicketObject, portaltest.PropWarranty, portal.Boolean},
		{portal.TicketObject, portaltest.PropDueDate, portal.Date},
		{portal.CompanyObject, portaltest.PropTier, portal.Enumeration},
		{portal.ContactObject, portaltest.PropLanguage, portal.Text},
	} {
		prop, ok := schema.Lookup(c.obj, c.name)
		if assert.True(t, ok, c.name) {
			assert.Equal(t, c.typ, prop.Type, c.name)
		}
	}
}

func stageNames(p portal.Pipeline) []string {
	var out []string
	for _, s := range p.Stages {
		out = append(out, s.Name)
	}
	return out
}

func TestLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large dataset")
	}
	start := time.Now()
	d := generate(t, newPortal(t), portaltest.Size{Companies: 200, Tickets: 10000}, 11)
	t.Logf("10,000 tickets, %d threads, %d messages in %v", len(d.Threads), len(d.Messages), time.Since(start))
	assert.Len(t, d.Tickets, 10000)
	assert.True(t, slices.IndexFunc(d.Companies, func(c portal.Company) bool { return c.Name == "Åkerström AB" }) >= 0)
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		p, err := portal.New(memstore.New(), portal.Options{})
		require.NoError(b, err)
		_, err = portaltest.Generate(context.Background(), p, portaltest.Size{Tickets: 1000}, 1)
		require.NoError(b, err)
	}
}

func ExampleGenerate() {
	p, err := portal.New(memstore.New(), portal.Options{Now: portaltest.Now})
	if err != nil {
		panic(err)
	}
	d, err := portaltest.Generate(context.Background(), p, portaltest.Size{}, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println("companies:", len(d.Companies))
	fmt.Println("contacts:", len(d.Contacts))
	fmt.Println("owners:", len(d.Owners))
	fmt.Println("tickets:", len(d.Tickets))
	fmt.Println("threads:", len(d.Threads))
	fmt.Println("messages:", len(d.Messages))
	fmt.Println("first company:", d.Companies[0].Name)
	fmt.Println("default channel:", d.Settings.DefaultChannel == d.HelpDesk().ID)
	// Output:
	// companies: 5
	// contacts: 23
	// owners: 4
	// tickets: 60
	// threads: 119
	// messages: 290
	// first company: Æblegården ApS
	// default channel: true
}
