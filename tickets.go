// Tickets, their threads and messages, and the host operations that feed
// them to the portal.

package portal

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Priority is a ticket's priority: one of the options of the built-in
// "priority" property.
type Priority string

// The priorities.
const (
	PriorityLow    Priority = "low"
	PriorityMedium Priority = "medium"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Ticket is a support ticket.
type Ticket struct {
	ID       uuid.UUID
	PortalID uuid.UUID
	// Number is the ticket's number in its tenant (P10): 1, 2, 3 … in the
	// order tickets were created, unique and never given again. The store
	// gives a ticket the tenant's next number when it is written with
	// Number 0 (a submission, a host's new ticket); a host importing
	// tickets may set it (1–MaxTicketNumber), and the numbers given after
	// continue above the highest. Portal keeps a ticket's number when a
	// host saves it again without one.
	Number     int64
	Subject    string
	Content    string
	PipelineID uuid.UUID
	StageID    uuid.UUID
	OwnerID    uuid.UUID // uuid.Nil: no owner
	Priority   Priority  // "": none
	ChannelID  uuid.UUID
	// RequesterID is the contact who asked ("Requested by"); it is one of
	// ContactIDs, or uuid.Nil.
	RequesterID uuid.UUID
	// ContactIDs and CompanyIDs are the ticket's associations. A contact's
	// scope (S4) is decided by them, and by Participants (P12).
	ContactIDs     []uuid.UUID
	CompanyIDs     []uuid.UUID
	Properties     Properties
	CreatedAt      time.Time
	LastActivityAt time.Time
	// ClosedAt is when the ticket last entered a closed stage: zero while
	// it is open, and for a ticket closed before closing times were kept
	// (whose reopen window then counts from its creation). Portal keeps
	// it: SaveTicket clears it for an open stage and sets it to the time
	// of the save when a ticket enters a closed stage from an open one
	// without one (a host may give it, importing a closed ticket); a
	// ticket that was closed and stays closed keeps its own, whatever the
	// host gives (a rating names its closing by it, P14), but for one it
	// lacks; a close sets it and a reopen clears it (P13).
	ClosedAt time.Time
	// Rating is the ticket's latest satisfaction rating (P14), given by a
	// contact through Portal.Rate: a store keeps it when the ticket is put
	// again, whatever the Ticket put holds (ActionStore.RateTicket alone
	// writes it).
	Rating Rating
	// Participants are the contacts colleagues added to the ticket (P12),
	// in the order they were added: associated with it as ContactIDs are
	// (Associated). A store keeps them as it keeps Rating: only
	// ActionStore.SetParticipants writes them.
	Participants []Participant
}

// Clone returns a deep copy.
func (t Ticket) Clone() Ticket {
	t.ContactIDs = slices.Clone(t.ContactIDs)
	t.CompanyIDs = slices.Clone(t.CompanyIDs)
	t.Properties = t.Properties.Clone()
	t.Participants = slices.Clone(t.Participants)
	return t
}

// Thread is one conversation attached to a ticket. Only threads marked
// VisibleInPortal can be shown to a contact, and of those only the oldest
// (S9).
type Thread struct {
	ID              uuid.UUID
	PortalID        uuid.UUID
	TicketID        uuid.UUID
	VisibleInPortal bool
	CreatedAt       time.Time
}

// MessageKind says who wrote a message and for whom.
type MessageKind string

// The message kinds. Internal notes and comments are for agents only and are
// never shown to a contact (S9).
const (
	CustomerMessage MessageKind = "customer"
	AgentMessage    MessageKind = "agent"
	InternalNote    MessageKind = "note"
	Comment         MessageKind = "comment"
)

// Internal reports whether messages of this kind are for agents only.
func (k MessageKind) Internal() bool { return k == InternalNote || k == Comment }

// Attachment describes a file attached to a message; the bytes live
// elsewhere, under BlobKey.
type Attachment struct {
	ID          uuid.UUID
	Name        string
	ContentType string
	Size        int64
	BlobKey     string
}

// Message is one message of a thread.
type Message struct {
	ID       uuid.UUID
	PortalID uuid.UUID
	TicketID uuid.UUID
	ThreadID uuid.UUID
	Kind     MessageKind
	// From is the sender's e-mail address; the internal-communication rules
	// of S9 match on it.
	From string
	// Body is the message as HTML; Text is its plain-text form. A contact
	// sees Body only as SanitizeConversation keeps it, so a host may store
	// a received mail's HTML as it came.
	Body        string
	Text        string
	Attachments []Attachment
	// Engagement is how the message is logged on the ticket's timeline in
	// the helpdesk: a customer's portal reply is an e-mail engagement (P5).
	// "" leaves it to the host.
	Engagement Engagement
	CreatedAt  time.Time
}

// Engagement is the kind of timeline entry a message is logged as.
type Engagement string

// EmailEngagement logs a message as an e-mail on the ticket's timeline.
const EmailEngagement Engagement = "email"

// Clone returns a deep copy.
func (m Message) Clone() Message {
	m.Attachments = slices.Clone(m.Attachments)
	return m
}

// Properties holds the custom property values of a record, keyed by property
// name. A value is a string (text and enumeration), a float64 (number), a
// time.Time (date) or a bool (boolean), as the property's type says; the
// Portal checks them against the schema before a store sees them.
type Properties map[string]any

// Clone returns a copy; the values themselves are immutable.
func (p Properties) Clone() Properties {
	if p == nil {
		return nil
	}
	return maps.Clone(p)
}

// Limits of a ticket and a message.
const (
	MaxSubject = 500 // characters
	// MaxTicketNumber bounds a ticket's number: the largest integer a
	// float64 (and so JSON read by JavaScript) holds exactly.
	MaxTicketNumber = 1<<53 - 1
	MaxContent      = 1 << 20 // bytes
	MaxAssociations = 100
	MaxAttachments  = 50
)

// SaveTicket creates or updates a ticket. Its pipeline and stage (of that
// pipeline) are required; owner, channel, contacts and companies must exist
// in the same tenant; the requester must be one of its contacts. A new
// ticket's CreatedAt defaults to now and its LastActivityAt to CreatedAt; an
// update keeps the stored CreatedAt. A ticket saved without a Number gets
// the tenant's next one when it is new and keeps its own otherwise (P10);
// the ticket returned has it. A number that another ticket of the tenant
// has is a *ConflictError naming "number".
func (p *Portal) SaveTicket(ctx context.Context, t Ticket) (Ticket, error) {
	t = t.Clone()
	old, created, err := prepare(ctx, p, t.PortalID, &t.ID, p.store.Ticket)
	if err != nil {
		return Ticket{}, err
	}
	t.CreatedAt, _ = p.stamps(created, t.CreatedAt, old.CreatedAt)
	if t.LastActivityAt.IsZero() {
		t.LastActivityAt = t.CreatedAt
	}
	t.LastActivityAt = t.LastActivityAt.UTC().Truncate(time.Microsecond)
	t.Subject = strings.TrimSpace(t.Subject)
	if t.Number == 0 && !created {
		t.Number = old.Number // a save without a number keeps it (P10)
	}
	t.Rating = old.Rating                           // the customer's, which a host does not set (P14)
	t.Participants = slices.Clone(old.Participants) // so are these (P12)

	var ps problems
	if t.Number < 0 || t.Number > MaxTicketNumber {
		ps.add("number", "must be 1–%d, or 0 for the next number", int64(MaxTicketNumber))
	}
	checkTime(&ps, "createdAt", t.CreatedAt)
	checkTime(&ps, "lastActivityAt", t.LastActivityAt)
	checkText(&ps, "subject", t.Subject, 1, MaxSubject)
	if !utf8.ValidString(t.Content) || len(t.Content) > MaxContent {
		ps.add("content", "must be valid UTF-8 of at most %d bytes", MaxContent)
	}
	if t.LastActivityAt.Before(t.CreatedAt) {
		ps.add("lastActivityAt", "is before createdAt")
	}
	switch t.Priority {
	case "", PriorityLow, PriorityMedium, PriorityHigh, PriorityUrgent:
	default:
		ps.add("priority", "%q is not one of low, medium, high, urgent", t.Priority)
	}
	pipelines, err := p.store.Pipelines(ctx, t.PortalID)
	if err != nil {
		return Ticket{}, classify(err)
	}
	stage, err := p.checkTicketRefs(ctx, &ps, t, pipelines)
	if err != nil {
		return Ticket{}, err
	}
	wasClosed := !created && closedStage(pipelines, old.PipelineID, old.StageID)
	switch {
	case stage.State != StageClosed:
		t.ClosedAt = time.Time{}
	case wasClosed && (!old.ClosedAt.IsZero() || !old.Rating.IsZero() && old.Rating.ClosedAt.IsZero()):
		// Closed before, and still: when it closed does not move, for a
		// rating names its closing by it (P14). A host may fill in a
		// closing time the ticket lacks, unless that closing is rated.
		t.ClosedAt = old.ClosedAt
	case !t.ClosedAt.IsZero():
		t.ClosedAt = t.ClosedAt.UTC().Truncate(time.Microsecond)
		checkTime(&ps, "closedAt", t.ClosedAt)
		if t.ClosedAt.Before(t.CreatedAt) {
			ps.add("closedAt", "is before createdAt")
		}
	case wasClosed:
		t.ClosedAt = old.ClosedAt // closed before, and still (zero: closed before closing times were kept)
	default:
		t.ClosedAt = p.clock()
	}
	if err := p.checkProperties(ctx, &ps, t.PortalID, TicketObject, t.Properties); err != nil {
		return Ticket{}, err
	}
	if err := ps.err(); err != nil {
		return Ticket{}, err
	}
	if err := p.store.PutTicket(ctx, t); err != nil {
		if lostRace(err) && t.Number != 0 {
			return Ticket{}, conflict("number", "%s is another ticket's number", strconv.FormatInt(t.Number, 10))
		}
		return Ticket{}, classify(err)
	}
	if t.Number == 0 { // the store gave it one
		// Saved: a failed read of the number is no failure of the save,
		// which a host would make again, creating the ticket twice.
		if saved, err := p.store.Ticket(context.WithoutCancel(ctx), t.PortalID, t.ID); err == nil {
			t.Number = saved.Number
		}
	}
	return t.Clone(), nil
}

// closedStage reports whether stage is a closed stage of the pipeline.
func closedStage(pipelines []Pipeline, pipeline, stage uuid.UUID) bool {
	i := slices.IndexFunc(pipelines, func(pl Pipeline) bool { return pl.ID == pipeline })
	if i < 0 {
		return false
	}
	st, ok := pipelines[i].Stage(stage)
	return ok && st.State == StageClosed
}

// checkTicketRefs checks the records t refers to (pipelines are the
// tenant's), and returns its stage (zero when it is not one of its
// pipeline's).
func (p *Portal) checkTicketRefs(ctx context.Context, ps *problems, t Ticket, pipelines []Pipeline) (Stage, error) {
	var stage Stage
	if pl, ok := index(pipelines, func(x Pipeline) uuid.UUID { return x.ID })[t.PipelineID]; !ok {
		ps.add("pipelineId", "no such pipeline")
	} else if stage, ok = pl.Stage(t.StageID); !ok {
		ps.add("stageId", "not a stage of pipeline %q", pl.Name)
	}
	if t.ChannelID != uuid.Nil {
		channels, err := p.store.Channels(ctx, t.PortalID)
		if err != nil {
			return Stage{}, classify(err)
		}
		if _, ok := index(channels, func(c Channel) uuid.UUID { return c.ID })[t.ChannelID]; !ok {
			ps.add("channelId", "no such channel")
		}
	}
	if t.OwnerID != uuid.Nil {
		if _, err := ref(ctx, ps, "ownerId", "owner", t.PortalID, t.OwnerID, p.owner); err != nil {
			return Stage{}, err
		}
	}
	if err := checkRefs(ctx, ps, "contactIds", "contact", t.PortalID, t.ContactIDs, p.contact); err != nil {
		return Stage{}, err
	}
	if err := checkRefs(ctx, ps, "companyIds", "company", t.PortalID, t.CompanyIDs, p.store.Company); err != nil {
		return Stage{}, err
	}
	if t.RequesterID != uuid.Nil && !slices.Contains(t.ContactIDs, t.RequesterID) {
		ps.add("requesterId", "must be one of the ticket's contacts")
	}
	return stage, nil
}

// checkRefs checks a list of references: at most MaxAssociations, distinct,
// each existing in the tenant.
func checkRefs[T any](ctx context.Context, ps *problems, field, what string, portalID uuid.UUID, ids []uuid.UUID, get getter[T]) error {
	if len(ids) > MaxAssociations {
		ps.add(field, "at most %d entries", MaxAssociations)
		return nil
	}
	for i, id := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		if slices.Index(ids, id) < i {
			ps.add(f, "listed twice")
			continue
		}
		if _, err := ref(ctx, ps, f, what, portalID, id, get); err != nil {
			return err
		}
	}
	return nil
}

// Ticket returns a ticket, for the host. Customers read tickets through
// their own view, which applies their scope.
func (p *Portal) Ticket(ctx context.Context, portalID, id uuid.UUID) (Ticket, error) {
	t, err := p.store.Ticket(ctx, portalID, id)
	return t, classify(err)
}

// SaveThread creates a thread on a ticket, or updates one (an agent marks it
// visible in the portal or not, S9). A new thread's CreatedAt defaults to
// now; a thread cannot move to another ticket.
func (p *Portal) SaveThread(ctx context.Context, th Thread) (Thread, error) {
	old, created, err := prepare(ctx, p, th.PortalID, &th.ID, p.store.Thread)
	if err != nil {
		return Thread{}, err
	}
	th.CreatedAt, _ = p.stamps(created, th.CreatedAt, old.CreatedAt)
	var ps problems
	checkTime(&ps, "createdAt", th.CreatedAt)
	if !created && th.TicketID != old.TicketID {
		ps.add("ticketId", "a thread cannot move to another ticket")
	} else if _, err := ref(ctx, &ps, "ticketId", "ticket", th.PortalID, th.TicketID, p.store.Ticket); err != nil {
		return Thread{}, err
	}
	if err := ps.err(); err != nil {
		return Thread{}, err
	}
	return th, classify(p.store.PutThread(ctx, th))
}

// Threads returns a ticket's threads, oldest first, for the host.
func (p *Portal) Threads(ctx context.Context, portalID, ticketID uuid.UUID) ([]Thread, error) {
	ts, err := p.store.Threads(ctx, portalID, ticketID)
	return ts, classify(err)
}

// AddMessage adds a message to a thread, for the host (agents' messages,
// notes and comments, and customer e-mails the helpdesk received). Its
// TicketID is taken from the thread; CreatedAt defaults to now. Messages are
// never changed once added. AddMessage does not touch the ticket: the host
// sets the ticket's LastActivityAt itself.
func (p *Portal) AddMessage(ctx context.Context, m Message) (Message, error) {
	m = m.Clone()
	if m.PortalID == uuid.Nil {
		return Message{}, invalid("portalId", "is required")
	}
	if m.ID != uuid.Nil {
		return Message{}, invalid("id", "is assigned by the portal")
	}
	var err error
	if m.ID, err = p.id(); err != nil {
		return Message{}, err
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = p.clock()
	}
	m.CreatedAt = m.CreatedAt.UTC().Truncate(time.Microsecond)
	var ps problems
	checkTime(&ps, "createdAt", m.CreatedAt)
	th, err := ref(ctx, &ps, "threadId", "thread", m.PortalID, m.ThreadID, p.store.Thread)
	if err != nil {
		return Message{}, err
	}
	m.TicketID = th.TicketID
	switch m.Kind {
	case CustomerMessage, AgentMessage, InternalNote, Comment:
	default:
		ps.add("kind", "%q is not one of customer, agent, note, comment", m.Kind)
	}
	checkEmail(&ps, "from", m.From, false)
	if m.Engagement != "" && m.Engagement != EmailEngagement {
		ps.add("engagement", "%q is not one of \"\", email", m.Engagement)
	}
	if !utf8.ValidString(m.Body) || len(m.Body) > MaxContent {
		ps.add("body", "must be valid UTF-8 of at most %d bytes", MaxContent)
	}
	if !utf8.ValidString(m.Text) || len(m.Text) > MaxContent {
		ps.add("text", "must be valid UTF-8 of at most %d bytes", MaxContent)
	}
	if len(m.Attachments) > MaxAttachments {
		ps.add("attachments", "at most %d attachments", MaxAttachments)
	}
	for i, a := range m.Attachments {
		f := fmt.Sprintf("attachments[%d]", i)
		checkText(&ps, f+".name", a.Name, 1, 255)
		checkText(&ps, f+".contentType", a.ContentType, 1, 255)
		checkText(&ps, f+".blobKey", a.BlobKey, 1, 500)
		if a.Size < 0 {
			ps.add(f+".size", "must not be negative")
		}
		if a.ID == uuid.Nil {
			if m.Attachments[i].ID, err = p.id(); err != nil {
				return Message{}, err
			}
		}
	}
	if err := ps.err(); err != nil {
		return Message{}, err
	}
	return m.Clone(), classify(p.store.AddMessage(ctx, m))
}

// Messages returns a thread's messages, oldest first, for the host. Internal
// notes and comments are included; customers never get them.
func (p *Portal) Messages(ctx context.Context, portalID, threadID uuid.UUID) ([]Message, error) {
	ms, err := p.store.Messages(ctx, portalID, threadID)
	return ms, classify(err)
}
