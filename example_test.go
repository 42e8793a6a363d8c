package portal_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/memstore"
)

// A host creates a tenant, adds a channel, and saves settings; a bad save is
// refused naming its fields, and the stored settings stay as they were.
func Example() {
	ctx := context.Background()
	p, _ := portal.New(memstore.New(), portal.Options{})

	tenant, _ := p.CreateTenant(ctx, "Acme")
	desk, _ := p.SaveChannel(ctx, portal.Channel{PortalID: tenant.ID, Name: "Support", Kind: portal.HelpDesk, CreatesTickets: true})

	s, _ := p.Settings(ctx, tenant.ID)
	s.Name = "Acme kundeportal"
	s.Language = "da"
	s.DefaultChannel = desk.ID
	s.Enabled = true
	s, err := p.SaveSettings(ctx, tenant.ID, s)
	fmt.Println("saved version", s.Version, err)

	bad := s
	bad.Slug = "Acme Portal"
	bad.Theme.PrimaryColor = "blue"
	_, err = p.SaveSettings(ctx, tenant.ID, bad)
	fmt.Println(errors.Is(err, portal.ErrInvalid))
	fmt.Println(err)

	now, _ := p.Settings(ctx, tenant.ID)
	fmt.Println(now.Name, now.Version)
	// Output:
	// saved version 2 <nil>
	// true
	// invalid: slug: must be 1–64 lowercase letters, digits and single hyphens; theme.primaryColor: "blue" is not a colour (#rgb or #rrggbb)
	// Acme kundeportal 2
}

// A contact lists the tickets of its company, newest first, then only its
// own.
func ExamplePortal_ListTickets() {
	ctx := context.Background()
	p, _ := portal.New(memstore.New(), portal.Options{})
	tenant, _ := p.CreateTenant(ctx, "Acme")
	desk, _ := p.SaveChannel(ctx, portal.Channel{PortalID: tenant.ID, Name: "Support", Kind: portal.HelpDesk})
	pl, _ := p.SavePipeline(ctx, portal.Pipeline{PortalID: tenant.ID, Name: "Support", Stages: []portal.Stage{
		{Name: "New", State: portal.StageOpen}, {Name: "Done", State: portal.StageClosed}}})
	acme, _ := p.SaveCompany(ctx, portal.Company{PortalID: tenant.ID, Name: "Æblegården ApS"})
	ann, _ := p.SaveContact(ctx, portal.Contact{PortalID: tenant.ID, FirstName: "Ann", Email: "ann@aeble.dk", CompanyID: acme.ID})
	bob, _ := p.SaveContact(ctx, portal.Contact{PortalID: tenant.ID, FirstName: "Bob", Email: "bob@aeble.dk", CompanyID: acme.ID})
	for i, c := range []portal.Contact{ann, bob, ann} {
		_, err := p.SaveTicket(ctx, portal.Ticket{PortalID: tenant.ID, Subject: fmt.Sprintf("Sag %d fra %s", i+1, c.FirstName),
			PipelineID: pl.ID, StageID: pl.Stages[i%2].ID, RequesterID: c.ID,
			ContactIDs: []uuid.UUID{c.ID}, CompanyIDs: []uuid.UUID{acme.ID},
			CreatedAt: time.Date(2026, 11, 20+i, 9, 0, 0, 0, time.UTC)})
		if err != nil {
			fmt.Println(err)
		}
	}
	s, _ := p.Settings(ctx, tenant.ID)
	s.Enabled, s.DefaultChannel = true, desk.ID
	s.Permissions.Scope = portal.CompanyTickets
	if _, err := p.SaveSettings(ctx, tenant.ID, s); err != nil {
		fmt.Println(err)
	}

	viewer, _ := p.Viewer(ctx, tenant.ID, ann.ID)
	for _, view := range []portal.View{portal.OrganizationTickets, portal.OwnedByMe} {
		tv, err := p.ListTickets(ctx, viewer, portal.ListQuery{Limit: 25, View: view})
		if err != nil {
			fmt.Println(err)
		}
		fmt.Println(view)
		for _, row := range tv.Rows {
			fmt.Printf("  %s | %s | %s | %s\n", row.Cells[0].Text, row.Cells[1].Text, row.Cells[2].Text, row.Cells[5].Text)
		}
	}
	// Output:
	// organization
	//   Sag 3 fra Ann | Ann | 2026-11-22 09:00 | Open
	//   Sag 2 fra Bob | Bob | 2026-11-21 09:00 | Closed
	//   Sag 1 fra Ann | Ann | 2026-11-20 09:00 | Open
	// mine
	//   Sag 3 fra Ann | Ann | 2026-11-22 09:00 | Open
	//   Sag 1 fra Ann | Ann | 2026-11-20 09:00 | Open
}
