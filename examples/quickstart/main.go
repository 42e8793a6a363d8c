// Command quickstart is the smallest embedding of portal: it builds a demo
// helpdesk in a SQLite database file (pure Go, no server; in a temporary
// directory unless -db names a file), prints the portal's settings and what it
// holds, shows a bad settings save being refused with every problem named
// while the stored settings stay as they were, and then logs a demo contact
// in and prints its ticket list in both views, one ticket's conversation and
// the list's CSV export.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/sqlstore"

	_ "modernc.org/sqlite" // the SQLite driver, pure Go
)

func main() {
	path := flag.String("db", "", "SQLite database file (default: a new file in a temporary directory)")
	flag.Parse()
	if err := run(context.Background(), *path); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, path string) error {
	if path == "" {
		dir, err := os.MkdirTemp("", "portal-quickstart-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "portal.db")
	}
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := sqlstore.Open(ctx, db, sqlstore.SQLite)
	if err != nil {
		return err
	}
	p, err := portal.New(st, portal.Options{Now: portaltest.Now})
	if err != nil {
		return err
	}
	fmt.Printf("%-20s%s (SQLite)\n", "Store", path)
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

	// The administrator lets contacts see their company's tickets (S4).
	s, err = p.Settings(ctx, tenant)
	if err != nil {
		return err
	}
	s.Permissions.Scope = portal.CompanyTickets
	if _, err := p.SaveSettings(ctx, tenant, s); err != nil {
		return err
	}
	return customer(ctx, p, demo)
}

// customer shows what the first demo contact sees.
func customer(ctx context.Context, p *portal.Portal, demo *portaltest.Dataset) error {
	contact := demo.Contacts[0]
	viewer, err := p.Viewer(ctx, demo.Tenant.ID, contact.ID)
	if err != nil {
		return err
	}
	var first portal.TicketRow
	for _, view := range []portal.View{portal.OrganizationTickets, portal.OwnedByMe} {
		tv, err := p.ListTickets(ctx, viewer, portal.ListQuery{View: view, Limit: 8})
		if err != nil {
			return err
		}
		fmt.Printf("\n%s of %s <%s>, view %q (may choose %v):\n", tv.TicketName, contact.Name(), contact.Email, view, tv.Views)
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		for _, c := range tv.Columns {
			fmt.Fprintf(w, "%s\t", c.Label)
		}
		fmt.Fprintln(w)
		for _, r := range tv.Rows {
			for _, c := range r.Cells {
				fmt.Fprintf(w, "%s\t", c.Text)
			}
			fmt.Fprintln(w)
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if tv.Next != "" {
			fmt.Println("… more on the next page")
		}
		if first.ID == uuid.Nil && len(tv.Rows) > 0 {
			first = tv.Rows[0]
		}
	}
	if first.ID == uuid.Nil {
		return nil
	}
	d, err := p.TicketDetail(ctx, viewer, first.ID)
	if err != nil {
		return err
	}
	fmt.Printf("\nConversation of %q (reply allowed: %v, close allowed: %v):\n", d.Subject, d.CanReply, d.CanClose)
	for _, m := range d.Conversation {
		who := "agent"
		if m.FromContact {
			who = "customer"
		}
		text := strings.ReplaceAll(strings.TrimSpace(m.Text), "\n", "\n      ")
		fmt.Printf("  %s %-8s %s:\n      %s\n", m.CreatedAt.Format(portal.DateLayout), who, m.From, text)
	}

	// The same organization view as CSV (P7), as a download would offer it.
	name := portal.ExportFilename(d.TicketName, time.Now())
	fmt.Printf("\nExport %q (Content-Disposition: %s):\n", name, portal.ContentDisposition(name))
	n, err := p.ExportCSV(ctx, viewer, portal.ListQuery{View: portal.OrganizationTickets}, os.Stdout,
		portal.CSVOptions{NoBOM: true, LF: true})
	if err != nil {
		return err
	}
	fmt.Printf("(%d rows)\n", n)
	return nil
}
