package portal_test

import (
	"context"
	"errors"
	"fmt"

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
