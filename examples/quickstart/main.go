// Command quickstart is the smallest embedding of portal: it builds a demo
// helpdesk in a SQLite database file (pure Go, no server; in a temporary
// directory unless -db names a file), prints the portal's settings and what it
// holds, shows a bad settings save being refused with every problem named
// while the stored settings stay as they were, and then logs a demo contact
// in and prints its ticket list in both views, one ticket's conversation and
// the list's CSV export; then the contact replies (a hostile reply is
// refused), closes the ticket, submits the support form twice with one
// idempotency key, and the helpdesk receives the events of it all.
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
	"github.com/helpdeskkit/portal/blobs"
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
	// Attachments are kept as files beside the database.
	files, err := blobs.OpenDir(path + ".files")
	if err != nil {
		return err
	}
	defer files.Close()
	p, err := portal.New(st, portal.Options{Now: portaltest.Now, Blobs: files})
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
	return act(ctx, p, demo)
}

// act shows the contact acting: a refused and an accepted reply, a close,
// a support form submission retried with its key, and the events the
// helpdesk receives from the outbox.
func act(ctx context.Context, p *portal.Portal, demo *portaltest.Dataset) error {
	// The first contact with an open ticket of its own acts.
	var viewer portal.Viewer
	var ticket uuid.UUID
	for _, c := range demo.Contacts {
		v, err := p.Viewer(ctx, demo.Tenant.ID, c.ID)
		if err != nil {
			return err
		}
		tv, err := p.ListTickets(ctx, v, portal.ListQuery{View: portal.OwnedByMe, Status: portal.StatusOpen, Limit: 1})
		if err != nil {
			return err
		}
		if len(tv.Rows) > 0 {
			viewer, ticket = v, tv.Rows[0].ID
			fmt.Printf("\n%s <%s> acts on %q:\n", c.Name(), c.Email, tv.Rows[0].Cells[0].Text)
			break
		}
	}
	if ticket == uuid.Nil {
		return errors.New("no contact has an open ticket")
	}

	_, err := p.Reply(ctx, viewer, ticket, portal.ReplyInput{HTML: `<p onclick="steal()">Hi</p>`})
	fmt.Printf("A reply with an event handler is refused: %v\n", err)
	m, err := p.Reply(ctx, viewer, ticket, portal.ReplyInput{
		HTML:        `<p>Thanks! The espresso machine works again, see <a href="https://example.com/log">the log</a>.</p><font size=7>Big</font>`,
		Attachments: []portal.AttachmentInput{{Name: "machine-log.txt", Content: strings.NewReader("12:01 descaling\n12:09 ready\n")}}})
	if err != nil {
		return err
	}
	fmt.Printf("Reply %s on the portal thread, sanitised:\n  %s\n", m.ID, m.Body)
	for _, a := range m.Attachments {
		fmt.Printf("  attachment %q, %s, %d bytes (sniffed from its bytes)\n", a.Name, a.ContentType, a.Size)
	}

	res, err := p.Close(ctx, viewer, ticket)
	if err != nil {
		return err
	}
	fmt.Printf("Closed: moved to stage %s\n", stageName(demo, res.StageID))
	res, err = p.Close(ctx, viewer, ticket)
	if err != nil {
		return err
	}
	fmt.Printf("Closed again: already closed = %v, nothing changed\n", res.AlreadyClosed)

	form, err := p.SupportForm(ctx, viewer)
	if err != nil {
		return err
	}
	fmt.Printf("\n%s — fields:", form.Heading)
	for _, f := range form.Fields {
		req := ""
		if f.Required {
			req = "*"
		}
		fmt.Printf(" %s%s (%s)", f.Label, req, f.Type)
	}
	fmt.Println()
	in := portal.SubmissionInput{Key: "browser-tab-7", Values: map[string]any{
		"subject": "The grinder is stuck", "content": "Since this morning the grinder only hums.",
		portaltest.PropProduct: "grinder"}}
	_, err = p.SubmitTicket(ctx, viewer, portal.SubmissionInput{Values: map[string]any{"subject": ""}})
	fmt.Printf("An empty submission is refused: %v\n", err)
	sub, err := p.SubmitTicket(ctx, viewer, in)
	if err != nil {
		return err
	}
	again, err := p.SubmitTicket(ctx, viewer, in)
	if err != nil {
		return err
	}
	fmt.Printf("Submitted ticket %s (created %v); the retry got %s (created %v)\n", sub.Ref, sub.Created, again.Ref, again.Created)
	found, err := p.ListTickets(ctx, viewer, portal.ListQuery{Search: sub.Ref, Limit: portal.DefaultPageSize})
	if err != nil {
		return err
	}
	fmt.Printf("A search for %s finds %d ticket: %s\n", sub.Ref, len(found.Rows), found.Rows[0].Ref)

	fmt.Println("\nThe helpdesk receives from the outbox:")
	n, err := p.Deliver(ctx, demo.Tenant.ID, func(_ context.Context, e portal.Event) error {
		fmt.Printf("  #%d %-6s ticket %s (#%d) channel %s message %s\n", e.Seq, e.Kind, short(e.TicketID), e.TicketNumber, short(e.ChannelID), short(e.MessageID))
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("(%d events delivered and acknowledged)\n", n)
	return nil
}

func stageName(demo *portaltest.Dataset, id uuid.UUID) string {
	for _, pl := range demo.Pipelines {
		if st, ok := pl.Stage(id); ok {
			return fmt.Sprintf("%q of %q", st.Name, pl.Name)
		}
	}
	return id.String()
}

// short is the last block of an ID (the first ones are its time), or "-"
// for none.
func short(id uuid.UUID) string {
	if id == uuid.Nil {
		return "-"
	}
	return id.String()[24:]
}
