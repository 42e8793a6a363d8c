// Command quickstart is the smallest embedding of portal: it builds a demo
// helpdesk on the in-memory store, prints the portal's settings and what it
// holds, and shows a bad settings save being refused with every problem
// named while the stored settings stay as they were.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"text/tabwriter"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	p, err := portal.New(memstore.New(), portal.Options{})
	if err != nil {
		return err
	}
	demo, err := portaltest.Generate(ctx, p, portaltest.Size{}, 1)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	tenant := demo.Tenant.ID

	s, err := p.Settings(ctx, tenant)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "Portal\t%s (settings version %d)\n", s.Name, s.Version)
	fmt.Fprintf(w, "Address\thttps://%s/%s (%s)\n", s.Domain, s.Slug, s.Language)
	fmt.Fprintf(w, "Enabled\t%v\n", s.Enabled)
	fmt.Fprintf(w, "Ticket scope\t%s\n", s.Permissions.Scope)
	fmt.Fprintf(w, "Tickets are called\t%s\n", s.Display.TicketName)
	var cols []string
	schema, err := p.Schema(ctx, tenant)
	if err != nil {
		return err
	}
	for _, c := range s.Display.Columns {
		label := c.Label
		if label == "" {
			prop, _ := schema.Lookup(portal.TicketObject, c.Property)
			label = prop.Label
		}
		cols = append(cols, label)
	}
	fmt.Fprintf(w, "Columns\t%v\n", cols)
	fmt.Fprintf(w, "Companies\t%d\n", len(demo.Companies))
	fmt.Fprintf(w, "Contacts\t%d\n", len(demo.Contacts))
	fmt.Fprintf(w, "Owners\t%d\n", len(demo.Owners))
	fmt.Fprintf(w, "Tickets\t%d\n", len(demo.Tickets))
	fmt.Fprintf(w, "Threads\t%d\n", len(demo.Threads))
	fmt.Fprintf(w, "Messages\t%d\n", len(demo.Messages))
	if err := w.Flush(); err != nil {
		return err
	}

	// An administrator tries a save that breaks several rules at once.
	bad := s.Clone()
	bad.Slug = "Kunde Portal"
	bad.Theme.PrimaryColor = "purple"
	bad.Display.Columns = append(bad.Display.Columns, bad.Display.Columns...)
	_, err = p.SaveSettings(ctx, tenant, bad)
	var invalid *portal.ValidationError
	if !errors.As(err, &invalid) {
		return fmt.Errorf("the bad save was not refused: %v", err)
	}
	fmt.Printf("\nA bad save is refused (errors.Is ErrInvalid: %v):\n", errors.Is(err, portal.ErrInvalid))
	for _, problem := range invalid.Problems {
		fmt.Printf("  %s: %s\n", problem.Field, problem.Problem)
	}
	after, err := p.Settings(ctx, tenant)
	if err != nil {
		return err
	}
	fmt.Printf("Stored settings unchanged: version %d, slug %q\n", after.Version, after.Slug)

	// Two administrators edit the same version: the second save is a conflict.
	first, second := after.Clone(), after.Clone()
	first.Name = "Kundeportal"
	second.Name = "Customer area"
	if _, err := p.SaveSettings(ctx, tenant, first); err != nil {
		return err
	}
	_, err = p.SaveSettings(ctx, tenant, second)
	fmt.Printf("A save from a stale version: conflict = %v\n", errors.Is(err, portal.ErrConflict))
	return nil
}
