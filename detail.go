package portal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// TicketDetail is one ticket as its customer sees it (P4): the shown
// properties and the conversation, and what the customer may do with it.
type TicketDetail struct {
	ID uuid.UUID
	// Number is the ticket's number and Ref how a customer names it
	// ("#1042", "HD-1042"): P10.
	Number     int64
	Ref        string
	TicketName string
	Subject    string
	Closed     bool
	// Columns and Cells are the ticket's shown properties (S8).
	Columns []ColumnView
	Cells   []Cell
	// TimeZone names the zone the cells' dates are shown in (X3); the
	// host shows the conversation's times in it too.
	TimeZone string
	// Conversation is the portal thread's messages that a contact may see
	// (S9), oldest first; empty when no thread is visible in the portal.
	Conversation []ConversationMessage
	ThreadID     uuid.UUID // uuid.Nil when no thread is visible
	CanReply     bool
	CanClose     bool
	CanReopen    bool // P13
	// Rating is the ticket's rating of its current closing, nil when it
	// has none (P14). CanRate says whether the viewer may rate the ticket,
	// or change its rating, with one of RatingOptions, and with a comment
	// when RatingComment is set.
	Rating        *RatingView
	CanRate       bool
	RatingOptions []Option
	RatingComment bool
	// Participants are the colleagues added to the ticket (P12);
	// CanAddParticipants says whether the viewer may add more.
	Participants       []ParticipantView
	CanAddParticipants bool
}

// ConversationMessage is a message as a contact sees it.
type ConversationMessage struct {
	ID          uuid.UUID
	FromContact bool // written by a customer, not an agent
	From        string
	Body        string // HTML, sanitised by SanitizeConversation
	Text        string
	// Attachments are the message's files, without their BlobKey (which
	// is the host's business): Portal.Attachment opens one by its ID.
	Attachments []Attachment
	CreatedAt   time.Time
}

// shownAttachments returns a copy of as without the blob keys, for a
// contact's eyes.
func shownAttachments(as []Attachment) []Attachment {
	if len(as) == 0 {
		return nil
	}
	out := make([]Attachment, len(as))
	for i, a := range as {
		a.BlobKey = ""
		out[i] = a
	}
	return out
}

// TicketDetail returns a ticket of the viewer's scope with its conversation.
// A ticket that is missing, of another tenant, outside the viewer's scope or
// hidden by the visibility filter is ErrNotFound, all alike (P4).
func (p *Portal) TicketDetail(ctx context.Context, v Viewer, ticketID uuid.UUID) (_ TicketDetail, err error) {
	defer p.speak(ctx, v, &err)
	r, rd, t, err := p.openTicket(ctx, v, ticketID)
	if err != nil {
		return TicketDetail{}, err
	}
	cols := columns(&r.settings, r.schema, r.lang)
	row, err := rd.row(&t, cols)
	if err != nil {
		return TicketDetail{}, err
	}
	d := TicketDetail{ID: t.ID, TimeZone: r.zone.String(), Number: t.Number, Ref: r.settings.Display.TicketRef(t.Number),
		TicketName: r.settings.Display.TicketName, Subject: t.Subject,
		Closed: row.Closed, Columns: columnViews(cols), Cells: row.Cells}
	for _, a := range actions(r, rd, &t) {
		switch a.Action {
		case "reply":
			d.CanReply = a.Allowed
		case "close":
			d.CanClose = a.Allowed
		case "reopen":
			d.CanReopen = a.Allowed
		case "rate":
			d.CanRate = a.Allowed
		case "participants":
			d.CanAddParticipants = a.Allowed
		}
	}
	if d.Participants, err = p.participantViews(ctx, r, &t); err != nil {
		return TicketDetail{}, err
	}
	_, rating := rateVerdict(r, rd, &t)
	d.Rating = ratingView(r, rating)
	if d.CanRate {
		d.RatingOptions = r.settings.Satisfaction.Scale.Options()
		for i := range d.RatingOptions {
			d.RatingOptions[i].Label = word(d.RatingOptions[i].Label, r.lang)
		}
		d.RatingComment = r.settings.Satisfaction.Comment
	}
	threads, err := p.store.Threads(ctx, v.PortalID, t.ID)
	if err != nil {
		return TicketDetail{}, classify(err)
	}
	th, ok := portalThread(threads)
	if !ok {
		return d, nil
	}
	d.ThreadID = th.ID
	msgs, err := p.store.Messages(ctx, v.PortalID, th.ID)
	if err != nil {
		return TicketDetail{}, classify(err)
	}
	for i := range msgs {
		m := &msgs[i]
		if !shownToContact(m, r.settings.Conversations.InternalSenders) {
			continue
		}
		d.Conversation = append(d.Conversation, ConversationMessage{
			ID: m.ID, FromContact: m.Kind == CustomerMessage, From: m.From, Body: SanitizeConversation(m.Body), Text: m.Text,
			Attachments: shownAttachments(m.Attachments), CreatedAt: m.CreatedAt,
		})
	}
	return d, nil
}

// ActionVerdict says whether a customer may take an action on a ticket,
// naming the deciding setting (X4).
type ActionVerdict struct {
	Action  string // "reply", "close", "reopen", "rate" or "participants"
	Allowed bool
	Rule    string
	Reason  string
}

// actions decides the customer actions on a visible ticket (S10). Reply
// and Close act on exactly these verdicts.
func actions(r *request, rd *renderer, t *Ticket) []ActionVerdict {
	cl, _, _ := closeVerdict(r, rd, t)
	re, _ := reopenVerdict(r, rd, t)
	ra, _ := rateVerdict(r, rd, t)
	return []ActionVerdict{replyVerdict(r, rd, t), cl, re, ra, participantsVerdict(r, t)}
}

// readOnly is the one rule that keeps a preview (A5) from acting: every
// customer action (reply, close, submit) asks it first.
func readOnly(r *request, action string) (ActionVerdict, bool) {
	if r.viewer.Preview {
		return ActionVerdict{Action: action, Rule: "preview", Reason: r.say("a preview is read-only")}, true
	}
	return ActionVerdict{}, false
}

// replyVerdict decides whether the viewer may reply to t.
func replyVerdict(r *request, rd *renderer, t *Ticket) ActionVerdict {
	if ro, ok := readOnly(r, "reply"); ok {
		return ro
	}
	closed := rd.closed(t)
	reply := ActionVerdict{Action: "reply", Allowed: true, Rule: "actions.replyToClosed", Reason: r.say("the ticket is open")}
	switch {
	case closed && r.settings.Actions.ReplyToClosed:
		reply.Reason = r.say("customers may reply to closed tickets")
		if _, ok := replyReopens(r, rd, t); ok {
			reply.Reason = r.say("customers may reply to closed tickets, which reopens them")
		}
	case closed:
		reply.Allowed, reply.Reason = false, r.say("customers may not reply to closed tickets")
	}
	return reply
}

// closeVerdict decides whether the viewer may close t and to which stage;
// noop is set when closing is allowed but the ticket is already closed.
func closeVerdict(r *request, rd *renderer, t *Ticket) (v ActionVerdict, stage uuid.UUID, noop bool) {
	if ro, ok := readOnly(r, "close"); ok {
		return ro, uuid.Nil, false
	}
	cl := ActionVerdict{Action: "close", Rule: "actions.customerClose"}
	stage, hasStage := closeStage(r.settings.Actions, rd.pipelines[t.PipelineID])
	switch {
	case !r.settings.Actions.CustomerClose:
		cl.Reason = r.say("customers may not close tickets")
	case rd.closed(t):
		cl.Reason = r.say("the ticket is already closed")
		noop = true
	case !hasStage:
		cl.Rule = fmt.Sprintf("actions.closeStages[%s]", t.PipelineID)
		cl.Reason = r.say("the ticket's pipeline has no closed stage chosen for portal closes")
	default:
		cl.Allowed, cl.Reason = true, r.say("customers may close open tickets")
	}
	return cl, stage, noop
}

// reopenVerdict decides whether the viewer may reopen t (P13), and to which
// stage.
func reopenVerdict(r *request, rd *renderer, t *Ticket) (ActionVerdict, uuid.UUID) {
	if ro, ok := readOnly(r, "reopen"); ok {
		return ro, uuid.Nil
	}
	a := r.settings.Actions
	re := ActionVerdict{Action: "reopen", Rule: "actions.reopen"}
	stage, hasStage := reopenStage(a, rd.pipelines[t.PipelineID])
	switch {
	case !a.Reopen:
		re.Reason = r.say("customers may not reopen tickets")
	case !rd.closed(t):
		re.Reason = r.say("the ticket is open")
	case a.ReopenDays > 0 && r.now.After(closedAt(t).AddDate(0, 0, a.ReopenDays)):
		re.Rule = "actions.reopenDays"
		re.Reason = r.say("the ticket closed more than %d days ago", a.ReopenDays)
	case !hasStage:
		re.Rule = fmt.Sprintf("actions.reopenStages[%s]", t.PipelineID)
		re.Reason = r.say("the ticket's pipeline has no open stage to reopen it to")
		if _, chosen := a.ReopenStages[t.PipelineID]; chosen {
			re.Reason = r.say("the stage chosen to reopen the ticket's pipeline to is no longer one of its open stages")
		}
	case a.ReopenDays > 0:
		re.Allowed, re.Reason = true, r.say("customers may reopen tickets within %d days of closing", a.ReopenDays)
	default:
		re.Allowed, re.Reason = true, r.say("customers may reopen closed tickets")
	}
	return re, stage
}

// replyReopens returns the stage a reply moves t to: a closed ticket's
// reopen stage when replies reopen (P13).
func replyReopens(r *request, rd *renderer, t *Ticket) (uuid.UUID, bool) {
	if !r.settings.Actions.ReplyReopens || !rd.closed(t) {
		return uuid.Nil, false
	}
	return reopenStage(r.settings.Actions, rd.pipelines[t.PipelineID])
}

// closedAt is when t closed: its ClosedAt, or, for a ticket closed before
// closing times were kept, its creation, the earliest it may have closed:
// nothing done to the ticket since (a reply, a host's save) moves it.
func closedAt(t *Ticket) time.Time {
	if t.ClosedAt.IsZero() {
		return t.CreatedAt
	}
	return t.ClosedAt
}

// reopenStage returns the stage a reopen moves a ticket of pl to (P13): the
// chosen one, or the pipeline's first open stage.
func reopenStage(a Actions, pl Pipeline) (uuid.UUID, bool) {
	if id, ok := a.ReopenStages[pl.ID]; ok {
		if st, ok := pl.Stage(id); ok && st.State == StageOpen {
			return id, true
		}
		return uuid.Nil, false
	}
	if os := pl.stagesIn(StageOpen); len(os) > 0 {
		return os[0].ID, true
	}
	return uuid.Nil, false
}

// closeStage returns the stage a portal close moves a ticket of pl to (S10):
// the chosen one, or the pipeline's only closed stage.
func closeStage(a Actions, pl Pipeline) (uuid.UUID, bool) {
	if id, ok := a.CloseStages[pl.ID]; ok {
		if st, ok := pl.Stage(id); ok && st.State == StageClosed {
			return id, true
		}
		return uuid.Nil, false
	}
	if cs := pl.ClosedStages(); len(cs) == 1 {
		return cs[0].ID, true
	}
	return uuid.Nil, false
}

// Explanation says why a ticket is or is not visible to a contact, and which
// actions the contact may take on it, naming the deciding rules (X4).
type Explanation struct {
	Visible bool
	// Rule names the rule that decided visibility, e.g. "enabled",
	// "permissions.scope=own", "display.visibility[0][2]".
	Rule   string
	Reason string
	// Scope is the contact's scope and the rule behind it.
	Scope Decision
	// Actions are set when the ticket is visible.
	Actions []ActionVerdict
}

// Explain tells a helpdesk administrator why ticket ticketID is or is not
// visible to contact contactID, and what the contact may do with it (X4).
// It works while the portal is off, and then says so first. Unknown
// tenants, contacts and tickets are ErrNotFound.
func (p *Portal) Explain(ctx context.Context, portalID, contactID, ticketID uuid.UUID) (Explanation, error) {
	s, err := p.Settings(ctx, portalID)
	if err != nil {
		return Explanation{}, err
	}
	t, err := p.store.Ticket(ctx, portalID, ticketID)
	if err != nil {
		return Explanation{}, classify(err)
	}
	r, err := p.beginWith(ctx, Viewer{PortalID: portalID, ContactID: contactID}, s)
	if errors.Is(err, ErrUnauthenticated) {
		return Explanation{}, fmt.Errorf("%w: no such contact", ErrNotFound)
	} else if err != nil {
		return Explanation{}, err
	}
	rd, err := p.renderer(ctx, r)
	if err != nil {
		return Explanation{}, err
	}
	e := explain(r, rd, &t)
	if !s.Enabled {
		e.Visible, e.Rule, e.Reason, e.Actions = false, "enabled", "the portal is switched off (S14)", nil
	}
	return e, nil
}

func explain(r *request, rd *renderer, t *Ticket) Explanation {
	e := Explanation{Scope: r.scope}
	if !r.scope.covers(t) {
		e.Rule = r.scope.Rule
		e.Reason = "the ticket is not associated with the contact"
		if r.scope.CompanyID != uuid.Nil {
			e.Reason += " or its primary company"
		}
		e.Reason += "; " + r.scope.Reason
		return e
	}
	verdict := r.rules.visibility.Verdict(t, rd.env(r.now))
	switch {
	case verdict.Empty:
		e.Rule, e.Reason = r.scope.Rule, "the ticket is in the contact's scope and no visibility filter is set"
	case verdict.Matched:
		e.Rule = fmt.Sprintf("display.visibility[%d]", verdict.Group)
		e.Reason = fmt.Sprintf("the ticket is in scope and matches group %d of the visibility filter", verdict.Group)
	default:
		e.Rule = "display.visibility"
		paths := make([]string, len(verdict.Failed))
		for g, f := range verdict.Failed {
			paths[g] = fmt.Sprintf("display.visibility[%d][%d]", g, f)
		}
		e.Reason = fmt.Sprintf("the ticket fails every group of the visibility filter: %v", paths)
		return e
	}
	e.Visible = true
	e.Actions = actions(r, rd, t)
	return e
}
