package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// The fixtures below fill every field, with non-empty slices and maps, so a
// whole-struct comparison checks every column of a store. A store does not
// check references (Portal does), so the IDs they refer to are fresh ones.

// allTypes returns property values of every type a store must keep:
// string, float64, time.Time and bool.
func allTypes(n int) portal.Properties {
	return portal.Properties{
		"plan":      "enterprise",
		"note":      "ünïcödé, quotes \" ' and a\nnewline",
		"seats":     float64(12.5),
		"whole":     float64(3),
		"negative":  float64(-0.001),
		"big":       float64(1e15 + 0.5),
		"renewedAt": at(n),
		"vip":       true,
		"churned":   false,
	}
}

func newContact(t *testing.T, portalID uuid.UUID) portal.Contact {
	return portal.Contact{
		ID:         newID(t),
		PortalID:   portalID,
		FirstName:  "Ann",
		LastName:   "O'Neil",
		Email:      "ann@acme.example",
		CompanyID:  newID(t),
		Lists:      []uuid.UUID{newID(t), newID(t)},
		Properties: allTypes(1),
		CreatedAt:  at(10),
		UpdatedAt:  at(20),
	}
}

func newCompany(t *testing.T, portalID uuid.UUID) portal.Company {
	return portal.Company{
		ID:         newID(t),
		PortalID:   portalID,
		Name:       "Acme Inc.",
		Domain:     "acme.example",
		Properties: allTypes(2),
		CreatedAt:  at(30),
		UpdatedAt:  at(40),
	}
}

func newContactList(t *testing.T, portalID uuid.UUID, name string) portal.ContactList {
	return portal.ContactList{ID: newID(t), PortalID: portalID, Name: name}
}

func newOwner(t *testing.T, portalID uuid.UUID) portal.Owner {
	return portal.Owner{
		ID:        newID(t),
		PortalID:  portalID,
		FirstName: "Bea",
		LastName:  "Agent",
		Alias:     "Support team",
		Email:     "bea@helpdesk.example",
	}
}

func newChannel(t *testing.T, portalID uuid.UUID, name string) portal.Channel {
	return portal.Channel{ID: newID(t), PortalID: portalID, Name: name, Kind: portal.HelpDesk, CreatesTickets: true}
}

// newPipeline returns a pipeline whose stage order is neither the order of
// the stage IDs nor of their names.
func newPipeline(t *testing.T, portalID uuid.UUID, name string) portal.Pipeline {
	ids := scrambledIDs(t, 6)[:4]
	return portal.Pipeline{
		ID:       newID(t),
		PortalID: portalID,
		Name:     name,
		Stages: []portal.Stage{
			{ID: ids[0], Name: "New", State: portal.StageOpen},
			{ID: ids[1], Name: "Waiting on contact", State: portal.StageOpen},
			{ID: ids[2], Name: "Closed", State: portal.StageClosed},
			{ID: ids[3], Name: "Archived", State: portal.StageClosed},
		},
	}
}

func newForm(t *testing.T, portalID uuid.UUID, name string) portal.Form {
	return portal.Form{
		ID:       newID(t),
		PortalID: portalID,
		Name:     name,
		Fields: []portal.FormField{
			{Property: portal.PropSubject, Label: "What is it about?", Required: true},
			{Property: portal.PropPriority},
			{Property: portal.PropContent, Label: "Tell us more", Required: true},
			{Property: "orderNumber", Label: "Order"},
		},
		ChannelID: newID(t),
	}
}

// fixtureNumbers numbers newTicket's tickets, as a host importing them
// would (P10): each has its own, so that it reads back as it was put.
var fixtureNumbers atomic.Int64

func newTicket(t *testing.T, portalID uuid.UUID) portal.Ticket {
	contacts := []uuid.UUID{newID(t), newID(t), newID(t)}
	return portal.Ticket{
		ID:             newID(t),
		PortalID:       portalID,
		Number:         1000 + fixtureNumbers.Add(1),
		Subject:        "Printer on fire",
		Content:        "It started <b>smoking</b> after the update.",
		PipelineID:     newID(t),
		StageID:        newID(t),
		OwnerID:        newID(t),
		Priority:       portal.PriorityUrgent,
		ChannelID:      newID(t),
		RequesterID:    contacts[1],
		ContactIDs:     contacts,
		CompanyIDs:     []uuid.UUID{newID(t), newID(t)},
		Properties:     allTypes(3),
		CreatedAt:      at(50),
		LastActivityAt: at(60).Add(36 * time.Hour),
		ClosedAt:       at(61).Add(36 * time.Hour),
	}
}

func newThread(t *testing.T, portalID, ticketID uuid.UUID, createdAt time.Time) portal.Thread {
	return portal.Thread{ID: newID(t), PortalID: portalID, TicketID: ticketID, VisibleInPortal: true, CreatedAt: createdAt}
}

func newMessage(t *testing.T, th portal.Thread, createdAt time.Time) portal.Message {
	return portal.Message{
		ID:       newID(t),
		PortalID: th.PortalID,
		TicketID: th.TicketID,
		ThreadID: th.ID,
		Kind:     portal.AgentMessage,
		From:     "bea@helpdesk.example",
		Body:     "<p>We are on it.</p>",
		Text:     "We are on it.",
		Attachments: []portal.Attachment{
			{ID: newID(t), Name: "log.txt", ContentType: "text/plain", Size: 1234, BlobKey: "blobs/a/log.txt"},
			{ID: newID(t), Name: "photo.jpg", ContentType: "image/jpeg", Size: 5 << 30, BlobKey: "blobs/b/photo.jpg"},
		},
		CreatedAt: createdAt,
	}
}

func textProperty(name, label string) portal.Property {
	return portal.Property{Name: name, Label: label, Type: portal.Text}
}

func enumProperty(name string) portal.Property {
	return portal.Property{Name: name, Label: "Tier", Type: portal.Enumeration, Options: []portal.Option{
		{Value: "gold", Label: "Gold"}, {Value: "silver", Label: "Silver"}, {Value: "bronze", Label: "Bronze"},
	}}
}

// richSettings returns settings with every part filled, including every
// slice and map, in the shape a store keeps (a store does not validate).
func richSettings(t *testing.T) portal.Settings {
	s := portal.DefaultSettings()
	s.Enabled = true
	s.Name = "Acme support"
	s.Domain = "help.acme.example"
	s.Slug = "tickets"
	s.Language = "de-CH"
	s.DefaultChannel = newID(t)
	s.Permissions = portal.Permissions{
		Scope: portal.CompanyTicketsForGroup,
		ContactFilter: portal.FilterGroups{
			{
				{Property: portal.PropEmail, Operator: portal.EndsWith, Values: []string{"@acme.example", "@acme.test"}},
				{Property: portal.PropLists, Operator: portal.IsAnyOf, Values: []string{newID(t).String()}},
			},
			{
				{Property: portal.PropCreatedAt, Operator: portal.Between, Values: []string{"2024-01-01", "2024-12-31T23:59:59Z"}},
			},
		},
	}
	s.SupportForm = portal.SupportForm{Enabled: true, MenuText: "Ask us", HeadingText: "Ask us anything", FormID: newID(t)}
	s.Theme.LogoURL = "https://cdn.acme.example/logo.svg"
	s.Theme.CornerRadius = 12
	s.Display = portal.Display{
		TicketName: "Cases",
		Visibility: portal.FilterGroups{{
			{Property: portal.PropPriority, Operator: portal.IsNoneOf, Values: []string{"low"}},
			{Property: "seats", Operator: portal.Gte, Values: []string{"12.5"}},
		}},
		Columns: []portal.Column{
			{Property: portal.PropSubject, Label: "Topic"},
			{Property: portal.PropStatus},
			{Property: portal.PropOwner, Label: "Handled by"},
		},
		OwnerName:  portal.OwnerAlias,
		ShowStages: true,
	}
	s.Conversations.InternalSenders = []string{"@helpdesk.example", "robot@acme.example"}
	s.Actions = portal.Actions{
		ReplyToClosed: true,
		CustomerClose: true,
		CloseStages:   map[uuid.UUID]uuid.UUID{newID(t): newID(t), newID(t): newID(t)},
		Reopen:        true,
		ReopenDays:    14,
		ReopenStages:  map[uuid.UUID]uuid.UUID{newID(t): newID(t)},
		ReplyReopens:  true,
	}
	s.Satisfaction = portal.Satisfaction{Enabled: true, Scale: portal.OneToFive, Comment: true, ChangeDays: 7}
	s.Participants = portal.Participants{Enabled: true, Max: 5}
	s.SupportForm.Requests = []portal.RequestForm{{ID: newID(t), Name: "Billing", Description: "Invoices", FormID: newID(t),
		PipelineID: newID(t), StageID: newID(t), ChannelID: newID(t),
		Audience: portal.FilterGroups{{{Property: portal.PropEmail, Operator: portal.EndsWith, Values: []string{"@acme.dk"}}}}}}
	s.Access = portal.Access{Mode: portal.AccessGroups, Lists: []uuid.UUID{newID(t), newID(t)}, Auth: portal.SingleSignOn}
	s.Consent = portal.Consent{Notice: "We keep your data.", Checkbox: "I agree."}
	s.IdleTimeout = 90*time.Minute + 1500*time.Millisecond
	return s
}
