package main

import (
	"context"
	"fmt"
	"log"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
)

// demoPassword is the password of every demo login.
const demoPassword = "nordlys-demo-2026"

// demoLogin is a login the demo prints.
type demoLogin struct {
	Name, Email, Company string
}

// demo is the helpdesk the example serves: portaltest's generated data,
// with the settings a real helpdesk would choose, and password logins for
// a few of its contacts.
type demo struct {
	data   *portaltest.Dataset
	logins []demoLogin
}

// labels are the demo's administrator-set texts in each language: what a
// Danish helpdesk would type in its settings.
var labels = map[string]struct {
	ticketName, menu, heading string
	columns                   [8]string
}{
	"en": {"Tickets", "Submit a support ticket", "Submit a support ticket",
		[8]string{"No.", "Subject", "Requested by", "Created", "Owner", "Last activity", "Status", "Product"}},
	"da": {"Sager", "Opret en supportsag", "Opret en supportsag",
		[8]string{"Nr.", "Emne", "Anmodet af", "Oprettet", "Ejer", "Seneste aktivitet", "Status", "Produkt"}},
}

// seedDemo generates the demo helpdesk in the portal's store and gives
// the first two contacts of the first company and the first contact of
// the second one their password. Their invitations go to mails, which
// stays quiet while it seeds.
func seedDemo(ctx context.Context, p *portal.Portal, mail *devMailer, lang string, size portaltest.Size) (*demo, error) {
	mail.quiet.Store(true)
	defer mail.quiet.Store(false)
	data, err := portaltest.Generate(ctx, p, size, 7)
	if err != nil {
		return nil, fmt.Errorf("demo data: %w", err)
	}
	size = size.WithDefaults()
	s := data.Settings.Clone()
	l, ok := labels[lang]
	if !ok {
		l = labels["en"]
	}
	s.Name = "Nordlys Support"
	s.Language = lang
	s.Permissions.Scope = portal.CompanyTickets
	s.Display.TicketName = l.ticketName
	s.Display.Columns = nil
	for i, prop := range []string{portal.PropNumber, portal.PropSubject, portal.PropRequestedBy, portal.PropCreatedAt, portal.PropOwner,
		portal.PropLastActivityAt, portal.PropStatus, portaltest.PropProduct} {
		s.Display.Columns = append(s.Display.Columns, portal.Column{Property: prop, Label: l.columns[i]})
	}
	s.Display.OwnerName = portal.OwnerFullName
	s.Actions.Reopen, s.Actions.ReopenDays = true, 30 // P13
	s.Satisfaction = portal.Satisfaction{Enabled: true, Scale: portal.OneToFive, Comment: true, ChangeDays: 7}
	s.Participants = portal.Participants{Enabled: true} // P12, ten a ticket
	s.Access.SignInLinks = true                         // A7
	s.SupportForm.MenuText, s.SupportForm.HeadingText = l.menu, l.heading
	s.Theme = portal.Theme{PrimaryColor: "#3b5bdb", BackgroundColor: "#f4f6fb", TextColor: "#1d2433", LinkColor: "#3451c6",
		FontFamily: `Inter, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif`, CornerRadius: 10}
	if data.Settings, err = p.SaveSettings(ctx, data.Tenant.ID, s); err != nil {
		return nil, fmt.Errorf("demo settings: %w", err)
	}
	if _, err := p.Invite(ctx, data.Tenant.ID); err != nil {
		return nil, fmt.Errorf("demo invitations: %w", err)
	}
	if _, err := p.DeliverMail(ctx, data.Tenant.ID); err != nil {
		return nil, fmt.Errorf("demo invitations: %w", err)
	}
	d := &demo{data: data}
	for _, i := range []int{0, 1, size.ContactsPerCompany} {
		c := data.Contacts[i]
		invitation, ok := mail.Last(c.Email)
		if !ok {
			return nil, fmt.Errorf("demo: no invitation for %s", c.Email)
		}
		if err := p.AcceptInvitation(ctx, data.Tenant.ID, invitation.Token, demoPassword); err != nil {
			return nil, fmt.Errorf("demo login %s: %w", c.Email, err)
		}
		d.logins = append(d.logins, demoLogin{Name: c.Name(), Email: c.Email, Company: data.Companies[i/size.ContactsPerCompany].Name})
	}
	return d, nil
}

// tenant is the demo's tenant.
func (d *demo) tenant() uuid.UUID { return d.data.Tenant.ID }

// devMailer prints the portal's mails (invitations, registration links,
// password resets) to the log instead of sending them, and keeps them, so
// the demo can be used without a mail server.
type devMailer struct {
	portaltest.Mailbox
	quiet atomic.Bool
	log   *log.Logger
}

func (m *devMailer) Send(ctx context.Context, mail portal.Mail) error {
	if err := m.Mailbox.Send(ctx, mail); err != nil {
		return err
	}
	if !m.quiet.Load() {
		m.log.Printf("mail to %s: %q\n\t%s", mail.To, mail.Subject, mail.Link)
	}
	return nil
}
