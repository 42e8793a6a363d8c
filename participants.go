package portal

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Colleagues on a ticket (P12): a contact adds other contacts of its own
// company to a ticket it may see, by e-mail, and they see the ticket as
// their own; who may add and remove whom (participantsVerdict), and the
// actions that do.

// DefaultMaxParticipants is how many participants a ticket may have when
// Participants.Max is 0; MaxParticipants bounds Participants.Max.
const (
	DefaultMaxParticipants = 10
	MaxParticipants        = 50
)

// Participant is a contact added to a ticket by a colleague (P12). A
// participant is associated with the ticket as its contacts are: the
// ticket is among its own tickets (OwnedByMe), and it may act on it as on
// its own.
type Participant struct {
	ContactID uuid.UUID
	// AddedBy is the contact who added it; AddedAt when.
	AddedBy uuid.UUID
	AddedAt time.Time
}

// Associated reports whether the contact is associated with t: one of its
// ContactIDs, or a participant (P12). A contact's own tickets are those it
// is associated with (S4); every store answers TicketQuery.ContactID by
// the same rule.
func (t *Ticket) Associated(contactID uuid.UUID) bool {
	return slices.Contains(t.ContactIDs, contactID) || t.participant(contactID) >= 0
}

// Contacts returns the contacts associated with t: its ContactIDs, then
// the participants that are not among them, each once.
func (t *Ticket) Contacts() []uuid.UUID {
	if len(t.Participants) == 0 {
		return t.ContactIDs
	}
	out := slices.Clone(t.ContactIDs)
	for _, pa := range t.Participants {
		if !slices.Contains(out, pa.ContactID) {
			out = append(out, pa.ContactID)
		}
	}
	return out
}

// participant returns the position of the contact among t's participants,
// or -1.
func (t *Ticket) participant(contactID uuid.UUID) int {
	return slices.IndexFunc(t.Participants, func(pa Participant) bool { return pa.ContactID == contactID })
}

// SameParticipants reports whether a and b are the same participants in
// the same order, comparing times as instants: what
// ActionStore.SetParticipants compares its ParticipantChange.Was with.
func SameParticipants(a, b []Participant) bool {
	return slices.EqualFunc(a, b, func(x, y Participant) bool {
		return x.ContactID == y.ContactID && x.AddedBy == y.AddedBy && x.AddedAt.Equal(y.AddedAt)
	})
}

// ParticipantView is a participant as a contact sees it on the ticket.
type ParticipantView struct {
	ContactID uuid.UUID
	Name      string
	Email     string
	// AddedByViewer is set for a participant the viewer added;
	// CanRemove when the viewer may remove it (one it added, or itself).
	AddedByViewer bool
	CanRemove     bool
	AddedAt       time.Time
}

// AddParticipant adds a colleague of the viewer, named by e-mail, to a
// ticket of the viewer's scope (P12), with an EventParticipantAdded, in
// one store step. The colleague must be a contact of the viewer's primary
// company; an address that is not one is refused exactly as one of a
// contact of another company, so that no answer tells who is a customer
// of the helpdesk.
//
// Errors: ErrNotFound for a ticket the viewer cannot see; ErrForbidden
// when participants are off, for a viewer without a company, and for a
// preview, naming the rule; ErrInvalid naming "email" for an address that
// is not a colleague's, the viewer's own, or one already on the ticket,
// and naming "participants" when the ticket has as many as it may;
// ErrUnsupported when the store has no AuthStore to find contacts by
// e-mail.
func (p *Portal) AddParticipant(ctx context.Context, v Viewer, ticketID uuid.UUID, email string) (Participant, error) {
	r, rd, err := p.beginView(ctx, v)
	if err != nil {
		return Participant{}, err
	}
	e := Event{PortalID: v.PortalID, Kind: EventParticipantAdded, ContactID: r.contact.ID, At: r.now}
	if e.ID, err = p.id(); err != nil {
		return Participant{}, err
	}
	var colleague Contact
	for attempt := 1; ; attempt++ {
		t, err := p.visibleTicket(ctx, r, rd, ticketID)
		if err != nil {
			return Participant{}, err
		}
		if verdict := participantsVerdict(r); !verdict.Allowed {
			return Participant{}, forbidden(verdict)
		}
		if colleague.ID == uuid.Nil {
			if colleague, err = p.colleague(ctx, r, email); err != nil {
				return Participant{}, err
			}
		}
		var ps problems
		max := r.settings.Participants.max()
		switch {
		case t.Associated(colleague.ID):
			ps.add("email", "is already on the ticket")
		case len(t.Participants) >= max:
			ps.add("participants", fmt.Sprintf("the ticket has the most participants it may have (%d)", max))
		}
		if err := ps.err(); err != nil {
			return Participant{}, err
		}
		added := Participant{ContactID: colleague.ID, AddedBy: r.contact.ID, AddedAt: r.now}
		e.TicketID, e.TicketNumber, e.ChannelID, e.ParticipantID = t.ID, t.Number, channelOf(r, &t), colleague.ID
		err = p.setParticipants(ctx, &t, append(slices.Clone(t.Participants), added), e)
		if err == nil {
			return added, nil
		}
		if !lostRace(err) || attempt == maxAttempts {
			return Participant{}, classify(err)
		}
	}
}

// RemoveParticipant takes a participant off a ticket of the viewer's scope
// (P12), with an EventParticipantRemoved, in one store step: one the
// viewer added, or the viewer itself (leaving the ticket).
//
// Errors: ErrNotFound for a ticket the viewer cannot see and for a contact
// that is not a participant of it; ErrForbidden when participants are off,
// for a participant another contact added, and for a preview.
func (p *Portal) RemoveParticipant(ctx context.Context, v Viewer, ticketID, contactID uuid.UUID) error {
	r, rd, err := p.beginView(ctx, v)
	if err != nil {
		return err
	}
	e := Event{PortalID: v.PortalID, Kind: EventParticipantRemoved, ContactID: r.contact.ID, ParticipantID: contactID, At: r.now}
	if e.ID, err = p.id(); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		t, err := p.visibleTicket(ctx, r, rd, ticketID)
		if err != nil {
			return err
		}
		if ro, ok := readOnly(r.viewer, "participants"); ok {
			return forbidden(ro)
		}
		i := t.participant(contactID)
		if i < 0 {
			return fmt.Errorf("%w: participant %s", ErrNotFound, contactID)
		}
		if !mayRemove(r, t.Participants[i]) {
			return forbidden(ActionVerdict{Action: "participants", Rule: "participants",
				Reason: "only the contact who added a participant, or the participant itself, may remove it"})
		}
		e.TicketID, e.TicketNumber, e.ChannelID = t.ID, t.Number, channelOf(r, &t)
		err = p.setParticipants(ctx, &t, slices.Delete(slices.Clone(t.Participants), i, i+1), e)
		if err == nil || !lostRace(err) || attempt == maxAttempts {
			return classify(err)
		}
	}
}

// setParticipants writes t's participants as now, with e, in one store
// step; ErrConflict (a lost race) when t changed meanwhile.
func (p *Portal) setParticipants(ctx context.Context, t *Ticket, now []Participant, e Event) error {
	c := ParticipantChange{PortalID: t.PortalID, TicketID: t.ID, Was: t.Participants, Participants: now, Event: e}
	err := p.store.SetParticipants(ctx, c)
	if err == nil {
		p.wake.notify(t.PortalID)
		return nil
	}
	if !lostRace(err) {
		// Committed though its acknowledgement was lost? Then the ticket
		// has these very participants.
		if got, gerr := p.store.Ticket(context.WithoutCancel(ctx), t.PortalID, t.ID); gerr == nil && SameParticipants(got.Participants, now) {
			p.wake.notify(t.PortalID)
			return nil
		}
	}
	return err
}

// colleague returns the contact of the viewer's company with the e-mail
// address. An address of no contact, of a contact of another company, or
// of several contacts is one answer: not a colleague who can be added.
func (p *Portal) colleague(ctx context.Context, r *request, email string) (Contact, error) {
	notColleague := invalid("email", "is not the address of a colleague at your company who can be added")
	addr := NormalizeEmail(email)
	var ps problems
	checkEmail(&ps, "email", addr, true)
	if err := ps.err(); err != nil {
		return Contact{}, err
	}
	if addr == NormalizeEmail(r.contact.Email) {
		return Contact{}, invalid("email", "is your own address")
	}
	if err := p.ways(); err != nil {
		return Contact{}, err // no index of contacts by e-mail
	}
	cs, err := p.as.ContactsByEmail(ctx, r.viewer.PortalID, addr)
	if err != nil {
		return Contact{}, classify(err)
	}
	if len(cs) != 1 || cs[0].CompanyID != r.contact.CompanyID || cs[0].ID == r.contact.ID {
		return Contact{}, notColleague
	}
	return cs[0], nil
}

// participantsVerdict decides whether the viewer may add colleagues to a
// ticket it sees (P12).
func participantsVerdict(r *request) ActionVerdict {
	if ro, ok := readOnly(r.viewer, "participants"); ok {
		return ro
	}
	v := ActionVerdict{Action: "participants", Rule: "participants.enabled"}
	switch {
	case !r.settings.Participants.Enabled:
		v.Reason = "customers may not add colleagues to tickets"
	case r.contact.CompanyID == uuid.Nil:
		v.Reason = "the contact has no company, and so no colleagues to add"
	default:
		v.Allowed = true
		v.Reason = fmt.Sprintf("customers may add up to %d colleagues of their company to a ticket", r.settings.Participants.max())
	}
	return v
}

// mayRemove reports whether the viewer may take pa off the ticket.
func mayRemove(r *request, pa Participant) bool {
	return !r.viewer.Preview && (pa.AddedBy == r.contact.ID || pa.ContactID == r.contact.ID)
}

// participantViews returns t's participants as the viewer sees them.
func (p *Portal) participantViews(ctx context.Context, r *request, t *Ticket) ([]ParticipantView, error) {
	var out []ParticipantView
	for _, pa := range t.Participants {
		c, err := readContact(ctx, p.store, r.viewer.PortalID, pa.ContactID)
		if isNotFound(err) {
			continue // a contact the helpdesk has since deleted
		} else if err != nil {
			return nil, classify(err)
		}
		out = append(out, ParticipantView{ContactID: pa.ContactID, Name: c.Name(), Email: c.Email,
			AddedByViewer: pa.AddedBy == r.contact.ID, CanRemove: mayRemove(r, pa), AddedAt: pa.AddedAt})
	}
	return out, nil
}
