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
	// CompanyID is the company the participant and the contact who added
	// it were both of: the participation gives access only while it is
	// the participant's primary company, and a host's SaveContact that
	// moves the participant to another company ends it.
	CompanyID uuid.UUID
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
// the participants that are not among them. Without participants it is
// t.ContactIDs itself, not a copy.
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
	return slices.EqualFunc(a, b, Participant.equal)
}

// equal reports whether pa and o are the same participation.
func (pa Participant) equal(o Participant) bool {
	return pa.ContactID == o.ContactID && pa.CompanyID == o.CompanyID && pa.AddedBy == o.AddedBy && pa.AddedAt.Equal(o.AddedAt)
}

// ParticipantView is a participant as a contact sees it on the ticket.
type ParticipantView struct {
	ContactID uuid.UUID
	Name      string
	// Email is shown to the participant's colleagues only: "" for a
	// viewer of another company.
	Email string
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
// Errors: ErrNotFound for a ticket the viewer cannot see; ErrForbidden,
// naming the rule, when participants are off, for a viewer without a
// company, when the store cannot find contacts by e-mail (it has no
// AuthStore), and for a preview; ErrInvalid naming "email" for an
// address that is not a colleague's, the viewer's own, or one already on
// the ticket, and naming "participants" when the ticket has as many as it
// may.
func (p *Portal) AddParticipant(ctx context.Context, v Viewer, ticketID uuid.UUID, email string) (_ Participant, err error) {
	defer p.speak(ctx, v, &err)
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
		if verdict := participantsVerdict(r, &t); !verdict.Allowed && verdict.Rule != ruleMaxParticipants {
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
			ps.add("participants", "the ticket has the most participants it may have (%d)", max)
		}
		if err := ps.err(); err != nil {
			return Participant{}, err
		}
		added := Participant{ContactID: colleague.ID, CompanyID: r.contact.CompanyID, AddedBy: r.contact.ID, AddedAt: r.now}
		e.TicketID, e.TicketNumber, e.ChannelID, e.ParticipantID = t.ID, t.Number, channelOf(r, &t), colleague.ID
		now := append(slices.Clone(t.Participants), added)
		err = p.setParticipants(ctx, &t, now, e, func(got []Participant) bool {
			return slices.ContainsFunc(got, added.equal)
		})
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
// viewer added, or the viewer itself (leaving the ticket). It works with
// participants off too: turning them off adds no more, and takes none
// off.
//
// Errors: ErrNotFound for a ticket the viewer cannot see and for a contact
// that is not a participant of it; ErrForbidden for a participant another
// contact added, and for a preview.
func (p *Portal) RemoveParticipant(ctx context.Context, v Viewer, ticketID, contactID uuid.UUID) (err error) {
	defer p.speak(ctx, v, &err)
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
		if ro, ok := readOnly(r, "participants"); ok {
			return forbidden(ro)
		}
		i := t.participant(contactID)
		if i < 0 {
			return fmt.Errorf("%w: participant %s", ErrNotFound, contactID)
		}
		if !mayRemove(r, t.Participants[i]) {
			return forbidden(ActionVerdict{Action: "participants", Rule: "participants",
				Reason: r.say("only the contact who added a participant, or the participant itself, may remove it")})
		}
		e.TicketID, e.TicketNumber, e.ChannelID = t.ID, t.Number, channelOf(r, &t)
		err = p.setParticipants(ctx, &t, slices.Delete(slices.Clone(t.Participants), i, i+1), e, func(got []Participant) bool {
			return t.participant(contactID) >= 0 && !slices.ContainsFunc(got, func(pa Participant) bool { return pa.ContactID == contactID })
		})
		if err == nil || !lostRace(err) || attempt == maxAttempts {
			return classify(err)
		}
	}
}

// setParticipants writes t's participants as now, with e, in one store
// step; ErrConflict (a lost race) when t changed meanwhile. When the
// store cannot tell whether its step committed, done says from the
// participants the ticket has then whether it did.
func (p *Portal) setParticipants(ctx context.Context, t *Ticket, now []Participant, e Event, done func(got []Participant) bool) error {
	c := ParticipantChange{PortalID: t.PortalID, TicketID: t.ID, Was: t.Participants, Participants: now, Event: e}
	err := p.store.SetParticipants(ctx, c)
	if err == nil {
		p.wake.notify(t.PortalID)
		return nil
	}
	if mayBeWritten(err) {
		if got, gerr := p.store.Ticket(context.WithoutCancel(ctx), t.PortalID, t.ID); gerr == nil && done(got.Participants) {
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
	addr, err := emailInput(email)
	if err != nil {
		return Contact{}, err
	}
	if addr == NormalizeEmail(r.contact.Email) {
		return Contact{}, invalid("email", "is your own address")
	}
	cs, err := p.as.ContactsByEmail(ctx, r.viewer.PortalID, addr)
	if err != nil {
		return Contact{}, classify(err)
	}
	cs = slices.DeleteFunc(cs, func(c Contact) bool { return c.CompanyID != r.contact.CompanyID || c.ID == r.contact.ID })
	if len(cs) != 1 {
		return Contact{}, notColleague // none, or two colleagues with one address: which one is meant?
	}
	return cs[0], nil
}

// ruleMaxParticipants is the rule of a ticket with as many participants
// as it may have.
const ruleMaxParticipants = "participants.max"

// participantsVerdict decides whether the viewer may add colleagues to t,
// a ticket it sees (P12).
func participantsVerdict(r *request, t *Ticket) ActionVerdict {
	if ro, ok := readOnly(r, "participants"); ok {
		return ro
	}
	v := ActionVerdict{Action: "participants", Rule: "participants.enabled"}
	max := r.settings.Participants.max()
	switch {
	case !r.settings.Participants.Enabled:
		v.Reason = r.say("customers may not add colleagues to tickets")
	case !r.indexed:
		v.Reason = r.say("the store cannot find contacts by e-mail (it has no AuthStore)")
	case r.contact.CompanyID == uuid.Nil:
		v.Rule, v.Reason = "contact.companyId", r.say("the contact has no company, and so no colleagues to add")
	case len(t.Participants) >= max:
		v.Rule, v.Reason = ruleMaxParticipants, r.say("the ticket has the most participants it may have (%d)", max)
	default:
		v.Allowed = true
		v.Reason = r.say("customers may add up to %d colleagues of their company to a ticket", max)
	}
	return v
}

// mayRemove reports whether the viewer may take pa off the ticket.
func mayRemove(r *request, pa Participant) bool {
	return !r.viewer.Preview && (pa.AddedBy == r.contact.ID || pa.ContactID == r.contact.ID)
}

// participantViews returns t's participants as the viewer sees them. A
// participant the helpdesk has since deleted is shown by no name, and may
// still be taken off.
func (p *Portal) participantViews(ctx context.Context, r *request, t *Ticket) ([]ParticipantView, error) {
	if len(t.Participants) == 0 {
		return nil, nil
	}
	ids := make([]uuid.UUID, len(t.Participants))
	for i, pa := range t.Participants {
		ids[i] = pa.ContactID
	}
	cs, err := p.store.Contacts(ctx, r.viewer.PortalID, ids) // one read, not one a participant
	if err != nil {
		return nil, classify(err)
	}
	byID := make(map[uuid.UUID]*Contact, len(cs))
	for i := range cs {
		byID[cs[i].ID] = &cs[i]
	}
	out := make([]ParticipantView, 0, len(t.Participants))
	for _, pa := range t.Participants {
		view := ParticipantView{ContactID: pa.ContactID, AddedByViewer: pa.AddedBy == r.contact.ID,
			CanRemove: mayRemove(r, pa), AddedAt: pa.AddedAt}
		if c, ok := byID[pa.ContactID]; ok {
			view.Name = c.Name()
			if c.CompanyID == r.contact.CompanyID {
				view.Email = c.Email
			}
		}
		out = append(out, view)
	}
	return out, nil
}

// dropParticipations takes contact c off the tickets it participates in
// for another company than its own (P12): a host's save that moves a
// contact to another company ends what it was added to as a colleague.
// Each is an EventParticipantRemoved that names no contact (the helpdesk
// did it). Scope decisions never count such a participation anyway
// (Decision.covers); this takes the tickets off the contact's list.
func (p *Portal) dropParticipations(ctx context.Context, c Contact) error {
	created, _ := Schema{}.Lookup(TicketObject, PropCreatedAt)
	q := TicketQuery{PortalID: c.PortalID, ContactID: c.ID, Sort: Sort{Property: created}, Limit: MaxPageSize, Now: p.clock()}
	var page TicketPage
	for {
		if err := p.store.QueryTickets(ctx, q, &page); err != nil {
			return classify(err)
		}
		for i := range page.Tickets {
			if err := p.dropParticipation(ctx, page.Tickets[i], c); err != nil {
				return err
			}
		}
		if !page.More || len(page.Tickets) == 0 {
			return nil
		}
		last := len(page.Tickets) - 1
		q.After, q.AfterID = &page.Keys[last], page.Tickets[last].ID
	}
}

// dropParticipation takes c off t when it participates in t for another
// company than its own, deciding again on a ticket changed meanwhile.
func (p *Portal) dropParticipation(ctx context.Context, t Ticket, c Contact) error {
	for attempt := 1; ; attempt++ {
		i := t.participant(c.ID)
		if i < 0 || t.Participants[i].CompanyID == c.CompanyID {
			return nil
		}
		e := Event{PortalID: c.PortalID, Kind: EventParticipantRemoved, TicketID: t.ID, TicketNumber: t.Number,
			ChannelID: t.ChannelID, ParticipantID: c.ID, At: p.clock()}
		var err error
		if e.ID, err = p.id(); err != nil {
			return err
		}
		err = p.setParticipants(ctx, &t, slices.Delete(slices.Clone(t.Participants), i, i+1), e, func(got []Participant) bool {
			return !slices.ContainsFunc(got, func(pa Participant) bool { return pa.ContactID == c.ID })
		})
		if err == nil || !lostRace(err) || attempt == maxAttempts {
			return classify(err)
		}
		if t, err = p.store.Ticket(ctx, c.PortalID, t.ID); isNotFound(err) {
			return nil
		} else if err != nil {
			return classify(err)
		}
	}
}
