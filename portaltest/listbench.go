package portaltest

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// ListBenchCompany is how many tickets the listed company of a ListBench
// has, whatever the tenant's size.
const ListBenchCompany = 1000

// ListBenchSubjects are the subjects of a ListBench's tickets, in turn:
// some hold "printer" (the query's search), one "[spam]" (hidden by the
// visibility filter).
var ListBenchSubjects = []string{"Printeren virker ikke", "Faktura mangler", "Levering forsinket",
	"Spørgsmål om printer-blæk", "Ændring af adresse", "[spam] Vind en printer", "Reklamation på scanner"}

// ListBench is the helpdesk the list benchmarks measure on every store
// (BenchmarkList, BenchmarkSQLList): one tenant of companies of
// ListBenchCompany tickets each, three stages (New, Waiting open; Closed
// closed), five owners, the four priorities in turn, and the first
// company's first contact listing its organisation's tickets with a
// visibility filter (no "[spam]" subject, no low priority), a customer
// filter (three of the owners), a search ("printer") and a sort (last
// activity, newest first), 25 to a page.
type ListBench struct {
	Viewer  portal.Viewer
	Query   portal.ListQuery
	Company uuid.UUID // the listed company
	Owners  []portal.Owner
	Closed  uuid.UUID // the closed stage
	// Names are the listed company's contacts' names; Tickets its tickets,
	// as put.
	Names   map[uuid.UUID]string
	Tickets []portal.Ticket
}

// NewListBench makes a ListBench of n tickets through p, its host
// operations for every record but the tickets, which put writes a
// company's at a time (a store's bulk write: tickets are many). at is the
// Portal's clock: the tickets' dates lie in the 70 days before it. Only
// the listed company has 20 contacts; the others have one.
func NewListBench(ctx context.Context, p *portal.Portal, n int, at time.Time, put func(ctx context.Context, company int, tickets []portal.Ticket) error) (*ListBench, error) {
	w := &ListBench{Names: map[uuid.UUID]string{}}
	tenant, err := p.CreateTenant(ctx, "Bench")
	if err != nil {
		return nil, err
	}
	pid := tenant.ID
	desk, err := p.SaveChannel(ctx, portal.Channel{PortalID: pid, Name: "Desk", Kind: portal.HelpDesk})
	if err != nil {
		return nil, err
	}
	pl, err := p.SavePipeline(ctx, portal.Pipeline{PortalID: pid, Name: "Support", Stages: []portal.Stage{
		{Name: "New", State: portal.StageOpen}, {Name: "Waiting", State: portal.StageOpen}, {Name: "Closed", State: portal.StageClosed}}})
	if err != nil {
		return nil, err
	}
	w.Closed = pl.Stages[2].ID
	for i := range 5 {
		o, err := p.SaveOwner(ctx, portal.Owner{PortalID: pid, FirstName: fmt.Sprintf("Agent %d", i), LastName: "Holm"})
		if err != nil {
			return nil, err
		}
		w.Owners = append(w.Owners, o)
	}
	priorities := []portal.Priority{portal.PriorityLow, portal.PriorityMedium, portal.PriorityHigh, portal.PriorityUrgent}
	for c := range n / ListBenchCompany {
		co, err := p.SaveCompany(ctx, portal.Company{PortalID: pid, Name: fmt.Sprintf("Firma %d ApS", c)})
		if err != nil {
			return nil, err
		}
		var contacts []portal.Contact
		for i := range 20 {
			if c > 0 && i > 0 { // only the listed company needs many contacts
				contacts = append(contacts, contacts[0])
				continue
			}
			ct, err := p.SaveContact(ctx, portal.Contact{PortalID: pid, FirstName: fmt.Sprintf("Søren %d", i),
				LastName: "Østergaard", Email: fmt.Sprintf("s%d.%d@firma.example", c, i), CompanyID: co.ID})
			if err != nil {
				return nil, err
			}
			contacts = append(contacts, ct)
			if c == 0 {
				w.Names[ct.ID] = ct.Name()
			}
		}
		tickets := make([]portal.Ticket, 0, ListBenchCompany)
		for i := range ListBenchCompany {
			ct := contacts[i%len(contacts)]
			id, err := uuid.NewV7()
			if err != nil {
				return nil, err
			}
			created := at.Add(-time.Duration(i*7919%100000) * time.Minute)
			tickets = append(tickets, portal.Ticket{ID: id, PortalID: pid,
				Subject: fmt.Sprintf("%s (%d)", ListBenchSubjects[i%len(ListBenchSubjects)], i),
				Content: "Hej, vi har et problem med vores udstyr.", PipelineID: pl.ID, StageID: pl.Stages[i%3].ID,
				OwnerID: w.Owners[i%len(w.Owners)].ID, Priority: priorities[i%4], ChannelID: desk.ID, RequesterID: ct.ID,
				ContactIDs: []uuid.UUID{ct.ID}, CompanyIDs: []uuid.UUID{co.ID},
				CreatedAt: created, LastActivityAt: created.Add(time.Duration(i%50) * time.Hour)})
		}
		if err := put(ctx, c, tickets); err != nil {
			return nil, err
		}
		if c == 0 {
			w.Company, w.Tickets = co.ID, tickets
			w.Viewer = portal.Viewer{PortalID: pid, ContactID: contacts[0].ID}
		}
	}
	s, err := p.Settings(ctx, pid)
	if err != nil {
		return nil, err
	}
	s.Enabled, s.DefaultChannel = true, desk.ID
	s.Permissions.Scope = portal.CompanyTickets
	s.Display.Visibility = portal.FilterGroups{{
		{Property: portal.PropSubject, Operator: portal.NotContainsAny, Values: []string{"[spam]"}},
		{Property: portal.PropPriority, Operator: portal.IsNoneOf, Values: []string{string(portal.PriorityLow)}},
	}}
	if _, err := p.SaveSettings(ctx, pid, s); err != nil {
		return nil, err
	}
	w.Query = portal.ListQuery{View: portal.OrganizationTickets, Search: "printer", Sort: portal.PropLastActivityAt, Desc: true, Limit: 25,
		Filters: []portal.Filter{{Property: portal.PropOwner, Operator: portal.IsAnyOf,
			Values: []string{w.Owners[0].ID.String(), w.Owners[1].ID.String(), w.Owners[2].ID.String()}}}}
	return w, nil
}
