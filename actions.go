package portal

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Customer actions (P5, P6, P8). Each takes a Viewer and goes through the
// same checks as TicketDetail: the portal is on (S14), the contact exists,
// and a ticket outside the contact's scope or hidden by the visibility
// filter is ErrNotFound, exactly like a missing one. What the contact may
// do is decided by the same verdicts TicketDetail and Explain show (S10).
// A preview (A5) may read, never act: ErrForbidden.
//
// Every action is one store step that writes the change and its Event
// together (ActionStore); attachments are put into the Blobs before that
// step and deleted again when it fails, so that a failed action leaves
// nothing behind: no ticket, no message, no event, no file.

// maxAttempts bounds how often an action is decided anew after a
// concurrent change beat it to the store (ErrConflict).
const maxAttempts = 5

// ReplyInput is a customer's reply (P5).
type ReplyInput struct {
	// HTML is the formatted reply. It is sanitised to the reply allow-list
	// (see SanitizeReply); content the allow-list refuses outright (scripts,
	// event handlers, javascript: links, CSS, remote images) is ErrInvalid.
	HTML string
	// Text is the plain-text form. When empty it is derived from HTML; when
	// HTML is empty, or keeps no text once sanitised (an empty table, say),
	// the reply is Text alone, shown as escaped HTML.
	Text        string
	Attachments []AttachmentInput
	// Key, when set, makes the reply idempotent: the contact's reply to the
	// same ticket with the same key and the same content (a resent form, a
	// retry after an error) returns the first reply and writes nothing;
	// with other content it is refused with a *ConflictError (ErrConflict)
	// naming "key". At most MaxKey characters.
	Key string
}

// AttachmentInput is a file a customer attaches. Its content type is
// sniffed from its bytes; the name is only a name.
type AttachmentInput struct {
	Name    string
	Content io.Reader
}

// Reply adds a customer's reply to a ticket of the viewer's scope (P5): to
// the ticket's portal thread (the oldest one visible in the portal, S9, or
// a new visible thread when it has none), logged as an e-mail engagement,
// from the contact's e-mail address. It moves the ticket's last activity
// date and writes an EventReply for the helpdesk, all in one step. A reply
// to a closed ticket reopens it when the settings say so
// (Actions.ReplyReopens, P13): its event then names the stage.
//
// Errors: ErrNotFound for a ticket the viewer cannot see; ErrForbidden for
// a closed ticket when S10 does not let customers reply to closed tickets,
// and for a preview; ErrInvalid naming the field for an empty or oversized
// reply, refused HTML or an attachment over the limits.
func (p *Portal) Reply(ctx context.Context, v Viewer, ticketID uuid.UUID, in ReplyInput) (_ ConversationMessage, err error) {
	defer p.speak(ctx, v, &err)
	r, rd, t, err := p.openTicket(ctx, v, ticketID)
	if err != nil {
		return ConversationMessage{}, err
	}
	if verdict := replyVerdict(r, rd, &t); !verdict.Allowed {
		return ConversationMessage{}, forbidden(verdict)
	}
	var ps problems
	checkText(&ps, "key", in.Key, 0, MaxKey)
	if err := ps.err(); err != nil {
		return ConversationMessage{}, err
	}
	body, text, err := replyBody(in.HTML, in.Text)
	if err != nil {
		return ConversationMessage{}, err
	}
	files, err := p.readAttachments(in.Attachments)
	if err != nil {
		return ConversationMessage{}, err
	}
	m := Message{PortalID: v.PortalID, TicketID: t.ID, Kind: CustomerMessage, From: r.contact.Email,
		Body: body, Text: text, Engagement: EmailEngagement, CreatedAt: r.now}
	if m.ID, err = p.id(); err != nil {
		return ConversationMessage{}, err
	}
	if in.Key != "" {
		m.ID = replyID(v.PortalID, r.contact.ID, t.ID, in.Key)
	}
	e := Event{PortalID: v.PortalID, Kind: EventReply, ContactID: r.contact.ID, MessageID: m.ID, At: r.now}
	if e.ID, err = p.id(); err != nil {
		return ConversationMessage{}, err
	}
	if m.Attachments, err = p.putBlobs(ctx, v.PortalID, files); err != nil {
		return ConversationMessage{}, err
	}
	for attempt := 1; ; attempt++ {
		c := ReplyChange{Message: m.Clone(), Event: e}
		threads, err := p.store.Threads(ctx, v.PortalID, t.ID)
		if err != nil {
			return ConversationMessage{}, p.dropBlobs(ctx, v.PortalID, m.Attachments, classify(err))
		}
		if th, ok := portalThread(threads); ok {
			c.Message.ThreadID = th.ID
		} else {
			th := Thread{PortalID: v.PortalID, TicketID: t.ID, VisibleInPortal: true, CreatedAt: r.now}
			if th.ID, err = p.id(); err != nil {
				return ConversationMessage{}, p.dropBlobs(ctx, v.PortalID, m.Attachments, err)
			}
			c.Message.ThreadID, c.NewThread = th.ID, &th
		}
		if !rd.closed(&t) && !r.settings.Actions.ReplyToClosed || r.settings.Actions.ReplyReopens {
			// Allowed because it is open, or it reopens what is closed:
			// decided on the stage, it must still be in it.
			c.IfStage = t.StageID
		}
		if stage, ok := replyReopens(r, rd, &t); ok {
			c.IfStage, c.Reopen, c.Event.StageID = t.StageID, stage, stage
		}
		c.Event.TicketID, c.Event.TicketNumber, c.Event.ThreadID = t.ID, t.Number, c.Message.ThreadID
		c.Event.ChannelID = channelOf(r, &t)
		err = p.store.AddReply(ctx, c)
		if err == nil {
			m = c.Message
			p.wake.notify(v.PortalID)
			break
		}
		// The message may be there after all: this reply's, committed
		// though its acknowledgement was lost (its files must then stay),
		// or the first of a key sent again.
		if first, ok := p.postedReply(ctx, c.Message, in.Key != "", err); ok {
			if !sameReply(&first, &c.Message) {
				return ConversationMessage{}, p.dropBlobs(ctx, v.PortalID, m.Attachments,
					conflict("key", "was used for a reply with other content"))
			}
			if !slices.Equal(blobKeys(first.Attachments), blobKeys(m.Attachments)) {
				if err := p.dropBlobs(ctx, v.PortalID, m.Attachments, nil); err != nil {
					return ConversationMessage{}, err
				}
			}
			m = first
			break
		}
		if mayBeWritten(err) {
			// Not there yet, but its commit may still land, with the files:
			// they stay pending, and are purged later if it never does.
			return ConversationMessage{}, err
		}
		if !lostRace(err) || attempt == maxAttempts {
			return ConversationMessage{}, p.dropBlobs(ctx, v.PortalID, m.Attachments, classify(err))
		}
		// Something changed the ticket meanwhile: decide again on what it
		// is now.
		if t, err = p.visibleTicket(ctx, r, rd, ticketID); err != nil {
			return ConversationMessage{}, p.dropBlobs(ctx, v.PortalID, m.Attachments, err)
		}
		if verdict := replyVerdict(r, rd, &t); !verdict.Allowed {
			return ConversationMessage{}, p.dropBlobs(ctx, v.PortalID, m.Attachments, forbidden(verdict))
		}
	}
	return ConversationMessage{ID: m.ID, FromContact: true, From: m.From, Body: m.Body, Text: m.Text,
		Attachments: shownAttachments(m.Attachments), CreatedAt: m.CreatedAt}, nil
}

// replyID is the ID of the reply of a contact to a ticket with an
// idempotency key: the same for the same key, so that the store, which
// refuses a second message with one ID, keeps one reply per key.
func replyID(portalID, contactID, ticketID uuid.UUID, key string) uuid.UUID {
	data := make([]byte, 0, 32+len(key))
	data = append(append(append(data, contactID[:]...), ticketID[:]...), key...)
	return uuid.NewHash(sha256.New(), portalID, data, 8)
}

// postedReply finds the reply m in the store, in m's thread, after its
// AddReply failed with err. It looks only where it may be: a conflict
// without a key is a ticket that changed, and a new random ID cannot be
// there.
func (p *Portal) postedReply(ctx context.Context, m Message, keyed bool, err error) (Message, bool) {
	if !keyed && lostRace(err) {
		return Message{}, false
	}
	ms, err := p.store.Messages(context.WithoutCancel(ctx), m.PortalID, m.ThreadID)
	if err != nil {
		return Message{}, false
	}
	i := slices.IndexFunc(ms, func(x Message) bool { return x.ID == m.ID })
	if i < 0 {
		return Message{}, false
	}
	return ms[i], true
}

// sameReply reports whether two replies have the same content: text, body
// and attachments by name, type and size.
func sameReply(a, b *Message) bool {
	type file struct {
		name, typ string
		size      int64
	}
	files := func(m *Message) []file {
		out := make([]file, len(m.Attachments))
		for i, at := range m.Attachments {
			out[i] = file{at.Name, at.ContentType, at.Size}
		}
		return out
	}
	return a.Kind == b.Kind && a.Text == b.Text && a.Body == b.Body && slices.Equal(files(a), files(b))
}

// blobKeys returns the blob keys of attachments.
func blobKeys(as []Attachment) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.BlobKey
	}
	return out
}

// CloseResult says what Close did.
type CloseResult struct {
	// AlreadyClosed is set when the ticket was closed before: nothing was
	// changed and no event written.
	AlreadyClosed bool
	// StageID is the ticket's (closed) stage.
	StageID uuid.UUID
}

// Close closes a ticket of the viewer's scope (P6): it moves to its
// pipeline's closed stage for portal closes (S10), and an EventClose is
// written with it. Closing a ticket that is closed already changes nothing
// and says so.
//
// Errors: ErrNotFound for a ticket the viewer cannot see; ErrForbidden when
// customers may not close tickets, when the ticket's pipeline has no
// closed stage for portal closes, and for a preview.
func (p *Portal) Close(ctx context.Context, v Viewer, ticketID uuid.UUID) (_ CloseResult, err error) {
	defer p.speak(ctx, v, &err)
	stage, noop, err := p.move(ctx, v, ticketID, EventClose, closeVerdict)
	if err != nil {
		return CloseResult{}, err
	}
	return CloseResult{AlreadyClosed: noop, StageID: stage}, nil
}

// ReopenResult says what Reopen did.
type ReopenResult struct {
	// StageID is the ticket's (open) stage.
	StageID uuid.UUID
}

// Reopen reopens a closed ticket of the viewer's scope (P13): it moves to
// the open stage the settings choose for its pipeline (or the pipeline's
// first), its ClosedAt is cleared, and an EventReopen is written with it.
//
// Errors: ErrNotFound for a ticket the viewer cannot see; ErrForbidden when
// customers may not reopen tickets, for an open ticket, for one closed
// longer ago than Actions.ReopenDays, when its pipeline has no open stage,
// and for a preview; each names its rule.
func (p *Portal) Reopen(ctx context.Context, v Viewer, ticketID uuid.UUID) (_ ReopenResult, err error) {
	defer p.speak(ctx, v, &err)
	stage, _, err := p.move(ctx, v, ticketID, EventReopen,
		func(r *request, rd *renderer, t *Ticket) (ActionVerdict, uuid.UUID, bool) {
			verdict, stage := reopenVerdict(r, rd, t)
			return verdict, stage, false
		})
	if err != nil {
		return ReopenResult{}, err
	}
	return ReopenResult{StageID: stage}, nil
}

// move moves a ticket of the viewer's scope to the stage decide allows (a
// close, a reopen), with an event of kind, in one store step; a ticket
// changed meanwhile is decided again. noop is decide's: allowed, and
// there already.
func (p *Portal) move(ctx context.Context, v Viewer, ticketID uuid.UUID, kind EventKind,
	decide func(r *request, rd *renderer, t *Ticket) (ActionVerdict, uuid.UUID, bool)) (stage uuid.UUID, noop bool, err error) {
	r, rd, err := p.beginView(ctx, v)
	if err != nil {
		return uuid.Nil, false, err
	}
	e := Event{PortalID: v.PortalID, Kind: kind, ContactID: r.contact.ID, At: r.now}
	if e.ID, err = p.id(); err != nil {
		return uuid.Nil, false, err
	}
	var closedAt time.Time // a reopen's
	if kind == EventClose {
		closedAt = r.now
	}
	for attempt := 1; ; attempt++ {
		t, err := p.visibleTicket(ctx, r, rd, ticketID)
		if err != nil {
			return uuid.Nil, false, err
		}
		verdict, stage, noop := decide(r, rd, &t)
		switch {
		case noop:
			return t.StageID, true, nil
		case !verdict.Allowed:
			return uuid.Nil, false, forbidden(verdict)
		}
		e.TicketID, e.TicketNumber, e.ChannelID, e.StageID = t.ID, t.Number, channelOf(r, &t), stage
		err = p.store.MoveTicket(ctx, MoveChange{PortalID: v.PortalID, TicketID: t.ID, From: t.StageID, To: stage,
			ClosedAt: closedAt, At: r.now, Event: e})
		if err == nil {
			p.wake.notify(v.PortalID)
			return stage, false, nil
		}
		if !lostRace(err) {
			// Committed though its acknowledgement was lost? Then it is
			// where it was asked to go.
			if now, gerr := p.store.Ticket(context.WithoutCancel(ctx), v.PortalID, t.ID); gerr == nil && now.StageID == stage {
				p.wake.notify(v.PortalID)
				return stage, false, nil
			}
		}
		if !lostRace(err) || attempt == maxAttempts {
			return uuid.Nil, false, classify(err)
		}
	}
}

// channelOf is the channel that receives a customer's action on t (S3).
func channelOf(r *request, t *Ticket) uuid.UUID {
	if t.ChannelID != uuid.Nil {
		return t.ChannelID
	}
	return r.settings.DefaultChannel
}

func forbidden(v ActionVerdict) error {
	return fmt.Errorf("%w: %s: %s (%s)", ErrForbidden, v.Action, v.Reason, v.Rule)
}

// Attachment opens a file attached to a message of a ticket's conversation
// as the viewer sees it (P4, S9). An attachment of a message the viewer
// may not see (an internal note, another thread, a ticket out of scope) is
// ErrNotFound, as is a missing one. The caller closes the reader. The
// Attachment returned has no BlobKey.
func (p *Portal) Attachment(ctx context.Context, v Viewer, ticketID, attachmentID uuid.UUID) (_ Attachment, _ io.ReadCloser, err error) {
	defer p.speak(ctx, v, &err)
	r, _, t, err := p.openTicket(ctx, v, ticketID)
	if err != nil {
		return Attachment{}, nil, err
	}
	notFound := fmt.Errorf("%w: attachment %s", ErrNotFound, attachmentID)
	threads, err := p.store.Threads(ctx, v.PortalID, t.ID)
	if err != nil {
		return Attachment{}, nil, classify(err)
	}
	th, ok := portalThread(threads)
	if !ok || p.blobs == nil {
		return Attachment{}, nil, notFound
	}
	msgs, err := p.store.Messages(ctx, v.PortalID, th.ID)
	if err != nil {
		return Attachment{}, nil, classify(err)
	}
	for i := range msgs {
		if !shownToContact(&msgs[i], r.settings.Conversations.InternalSenders) {
			continue
		}
		for _, a := range msgs[i].Attachments {
			if a.ID != attachmentID {
				continue
			}
			rc, err := p.blobs.Open(ctx, a.BlobKey)
			if isNotFound(err) {
				return Attachment{}, nil, notFound
			} else if err != nil {
				return Attachment{}, nil, classify(err)
			}
			a.BlobKey = ""
			return a, rc, nil
		}
	}
	return Attachment{}, nil, notFound
}

// at returns t in UTC to the microsecond, as stores keep it.
func at(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
