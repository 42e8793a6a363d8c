package storetest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/blobs"
)

// actionStoreTests hold ActionStore, OutboxStore and PendingBlobStore to
// their contract, called directly.
var actionStoreTests = []test{
	{name: "PendingBlobsAreForgottenByTheirReply", fn: testPendingBlobs},
	{name: "AckPastTheLastEventIsRefused", fn: testAckPastHead},
	{name: "AckRacingActionsNeverPassesTheHead", fn: testAckRacingActions},
	{name: "PreconditionsConflictAndWriteNothing", fn: testActionPreconditions},
	{name: "MoveAndReopenKeepClosedAt", fn: testMoveAndReopenContract},
	{name: "SubmitIsOneStepAndItsKeyOnce", fn: testSubmitTicketStore},
	{name: "RateTicketChecksItsPreconditionsAndPutsKeepIt", fn: testRateTicketContract},
	{name: "SetParticipantsAssociatesThemAndPutsKeepThem", fn: testSetParticipantsContract},
}

// actionTests check the customer's actions through Portal.
var actionTests = []test{
	{name: "ReplyLandsOnTheOldestPortalThreadAsAnEmail", fn: testReplyLands},
	{name: "ReplyCreatesAPortalThreadWhenThereIsNone", fn: testReplyNewThread},
	{name: "ReplyOutOfScopeIsNotFoundAndWritesNothing", fn: testReplyNotFound},
	{name: "ReplyToClosedOnlyWhenS10Allows", fn: testReplyToClosed},
	{name: "AttachmentsAreKeptAndOnlyShownThroughVisibleMessages", fn: testAttachments},
	{name: "CloseFollowsS10AndIsANoOpOnAClosedTicket", fn: testClose},
	{name: "SubmitCreatesOneTicketInTheDefaultChannel", fn: testSubmit},
	{name: "SubmitWithAKeyIsIdempotentEvenConcurrently", fn: testSubmitIdempotent},
	{name: "SubmitWithAUsedKeyAndOtherValuesIsAConflict", fn: testSubmitKeyConflict},
	{name: "ReplyWithAKeyIsIdempotent", fn: testReplyKey},
	{name: "OutboxInOrderAcknowledgedAndRedelivered", fn: testOutbox},
	{name: "ConcurrentRepliesAreAllKept", fn: testConcurrentReplies},
	{name: "CloseRacingReplyLeavesAConsistentTicket", fn: testCloseRacingReply},
	{name: "ReopenWithinTheWindowToTheChosenStage", fn: testReopen},
	{name: "ReplyReopensWhenTheSettingsSaySo", fn: testReplyReopens},
	{name: "ReplyRacingACloseReopensIt", fn: testReplyRacingCloseReopens},
	{name: "RateAClosedTicketOncePerClosing", fn: testRate},
	{name: "SatisfactionIsAColumnFilterSortAndExportField", fn: testRatingProperty},
	{name: "ColleaguesRatingAtOnceKeepOneRating", fn: testRateRace},
	{name: "ColleaguesAddedByEmailSeeTheTicketAsTheirOwn", fn: testParticipants},
	{name: "ParticipantLimitHoldsAgainstARace", fn: testParticipantsRace},
	{name: "SubmitKeepsFilesAndQueuesOneReceipt", fn: testSubmitFilesAndReceipt},
	{name: "RequestFormsForTheirAudienceToTheirDestination", fn: testRequestForms},
}

// actionWorld is a scope world whose Portal keeps attachments in memory
// and whose tickets have a last activity date before the clock.
type actionWorld struct {
	*scopeWorld
	blobs *blobs.Memory
}

// before is the creation and last activity date of the action tests'
// tickets: earlier than listNow, the time of every action.
var before = listNow.Add(-48 * time.Hour)

func newActionWorld(t *testing.T, s portal.Store) *actionWorld {
	t.Helper()
	w := &actionWorld{scopeWorld: newScopeWorld(t, s), blobs: blobs.NewMemory()}
	p, err := portal.New(s, portal.Options{Now: func() time.Time { return listNow }, NewID: w.ids.newID, Blobs: w.blobs,
		Attachments: portal.AttachmentLimits{MaxFileSize: 1 << 10, MaxMessageSize: 3 << 10, MaxFiles: 4}})
	require.NoError(t, err)
	w.p = p
	for id, tk := range w.tickets {
		if tk.CreatedAt.Equal(before) {
			continue
		}
		tk.CreatedAt, tk.LastActivityAt = before, before
		require.NoError(t, s.PutTicket(ctx(t), tk))
		w.tickets[id] = tk
	}
	return w
}

// replyTo is a new reply of Ann's in thread th, at the clock, as a store
// step takes it.
func (w *actionWorld) replyTo(th portal.Thread) portal.Message {
	return portal.Message{ID: newID(w.t), PortalID: w.pid, TicketID: th.TicketID, ThreadID: th.ID, Kind: portal.CustomerMessage,
		From: "ann@acme.dk", Body: "b", Text: "b", CreatedAt: listNow}
}

// event is a new event of kind on the ticket, at the clock.
func (w *actionWorld) event(kind portal.EventKind, ticketID uuid.UUID) portal.Event {
	return portal.Event{ID: newID(w.t), PortalID: w.pid, Kind: kind, TicketID: ticketID, At: listNow}
}

// thread adds a thread to the ticket named subject.
func (w *listWorld) thread(subject string, visible bool, at time.Time) portal.Thread {
	w.t.Helper()
	th, err := w.p.SaveThread(ctx(w.t), portal.Thread{PortalID: w.pid, TicketID: w.id(subject), VisibleInPortal: visible, CreatedAt: at})
	require.NoError(w.t, err)
	return th
}

// events returns the tenant's whole outbox.
func (w *listWorld) events() []portal.Event {
	w.t.Helper()
	evs, err := w.p.Events(ctx(w.t), w.pid, 0, portal.MaxEvents)
	require.NoError(w.t, err)
	return evs
}

// requireEventKinds checks that the tenant's outbox holds events of these
// kinds, in this order, and returns them.
func (w *listWorld) requireEventKinds(kinds ...portal.EventKind) []portal.Event {
	w.t.Helper()
	evs := w.events()
	got := make([]portal.EventKind, 0, len(evs))
	for _, e := range evs {
		got = append(got, e.Kind)
	}
	require.Equal(w.t, kinds, got, "the outbox's events")
	return evs
}

// messages returns every message of every thread of the ticket.
func (w *listWorld) messages(ticketID uuid.UUID) []portal.Message {
	w.t.Helper()
	ths, err := w.p.Threads(ctx(w.t), w.pid, ticketID)
	require.NoError(w.t, err)
	var out []portal.Message
	for _, th := range ths {
		ms, err := w.p.Messages(ctx(w.t), w.pid, th.ID)
		require.NoError(w.t, err)
		out = append(out, ms...)
	}
	return out
}

// learn names a ticket the test did not create itself by its subject.
func (w *listWorld) learn(id uuid.UUID) {
	w.t.Helper()
	tk := w.stored(id)
	w.subject[id], w.ticketID[tk.Subject], w.tickets[id] = tk.Subject, id, tk
}

// addPipeline saves another pipeline of the tenant, with these stages.
func (w *listWorld) addPipeline(name string, stages ...portal.Stage) portal.Pipeline {
	w.t.Helper()
	pl, err := w.p.SavePipeline(ctx(w.t), portal.Pipeline{PortalID: w.pid, Name: name, Stages: stages})
	require.NoError(w.t, err)
	return pl
}

// stored returns the ticket as stored.
func (w *listWorld) stored(id uuid.UUID) portal.Ticket {
	w.t.Helper()
	tk, err := w.p.Ticket(ctx(w.t), w.pid, id)
	require.NoError(w.t, err)
	return tk
}

// requireOpenIn checks that the ticket is stored open, without ClosedAt,
// in the stage of that name, and returns it.
func (w *listWorld) requireOpenIn(id uuid.UUID, stage string, msgAndArgs ...any) portal.Ticket {
	w.t.Helper()
	tk := w.stored(id)
	assert.Equal(w.t, w.stage(stage), tk.StageID, msgAndArgs...)
	assert.True(w.t, tk.ClosedAt.IsZero(), msgAndArgs...)
	return tk
}

func reply(html string) portal.ReplyInput { return portal.ReplyInput{HTML: html} }

// covers: P5, S9, S3
func testReplyLands(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	ann := w.viewer(w.ann)
	id := w.id("Ann alone")
	w.thread("Ann alone", false, before.Add(-time.Hour)) // older but hidden
	shown := w.thread("Ann alone", true, before)
	w.thread("Ann alone", true, before.Add(time.Hour)) // visible but younger

	got, err := w.p.Reply(ctx(t), ann, id, portal.ReplyInput{
		HTML: `<p>Thanks, <b>that</b> <a href="https://example.com/x">works</a>.</p><table><tr><td>cell</td></tr></table>`})
	require.NoError(t, err)
	assert.True(t, got.FromContact)
	assert.Equal(t, "ann@acme.dk", got.From)
	assert.Contains(t, got.Body, "<b>that</b>")
	assert.Contains(t, got.Body, `href="https://example.com/x"`)
	assert.Contains(t, got.Body, `rel="nofollow noreferrer noopener"`)
	assert.NotContains(t, got.Body, "<table", "outside the allow-list: dropped, text kept")
	assert.Contains(t, got.Text, "Thanks, that works.")

	ms := w.messages(id)
	require.Len(t, ms, 1)
	m := ms[0]
	assert.Equal(t, got.ID, m.ID)
	assert.Equal(t, shown.ID, m.ThreadID, "the oldest portal-visible thread (S9)")
	assert.Equal(t, id, m.TicketID)
	assert.Equal(t, portal.CustomerMessage, m.Kind)
	assert.Equal(t, portal.EmailEngagement, m.Engagement, "logged as an e-mail engagement (P5)")
	assert.Equal(t, listNow, m.CreatedAt)

	tk := w.stored(id)
	assert.Equal(t, listNow, tk.LastActivityAt, "the reply is the ticket's last activity")
	assert.Equal(t, w.tickets[id].StageID, tk.StageID)
	assert.Equal(t, w.tickets[id].ContactIDs, tk.ContactIDs, "nothing else of the ticket changes")

	d, err := w.p.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	require.Len(t, d.Conversation, 1)
	assert.Equal(t, got.ID, d.Conversation[0].ID, "the customer sees its reply")

	evs := w.events()
	require.Len(t, evs, 1)
	e := evs[0]
	assert.Equal(t, portal.EventReply, e.Kind)
	assert.Equal(t, int64(1), e.Seq)
	assert.NotEqual(t, uuid.Nil, e.ID)
	assert.Equal(t, w.pid, e.PortalID)
	assert.Equal(t, id, e.TicketID)
	assert.Equal(t, w.channel.ID, e.ChannelID, "a ticket without a channel: the default channel (S3)")
	assert.Equal(t, w.ann.ID, e.ContactID)
	assert.Equal(t, m.ID, e.MessageID)
	assert.Equal(t, shown.ID, e.ThreadID)
	assert.Equal(t, listNow, e.At)
}

// covers: P5, S9
func testReplyNewThread(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	ann := w.viewer(w.ann)
	id := w.id("Ann alone")
	hidden := w.thread("Ann alone", false, before)
	_, err := w.p.Reply(ctx(t), ann, id, portal.ReplyInput{Text: "Hello\nthere <b>"})
	require.NoError(t, err)
	ths, err := w.p.Threads(ctx(t), w.pid, id)
	require.NoError(t, err)
	require.Len(t, ths, 2)
	assert.Equal(t, hidden.ID, ths[0].ID)
	assert.True(t, ths[1].VisibleInPortal, "a new thread the customer sees")
	d, err := w.p.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	assert.Equal(t, ths[1].ID, d.ThreadID)
	require.Len(t, d.Conversation, 1)
	assert.Equal(t, "Hello\nthere <b>", d.Conversation[0].Text)
	assert.Equal(t, "Hello<br>there &lt;b&gt;", d.Conversation[0].Body, "plain text is escaped")
	assert.Equal(t, ths[1].ID, w.events()[0].ThreadID)
}

// covers: P5, P4, S4, S8, S14, X5
func testReplyNotFound(t *testing.T, s portal.Store) {
	w, other := newActionWorld(t, s), newScopeWorld(t, s)
	w.visibility(portal.FilterGroups{{flt(portal.PropSubject, portal.NotEqualsAny, "Ann at Beta")}})
	ann := w.viewer(w.ann)
	for name, id := range map[string]uuid.UUID{
		"another contact's":         w.id("Bob alone"),
		"the company's (own scope)": w.id("Acme without contact"),
		"hidden by visibility":      w.id("Ann at Beta"),
		"missing":                   uuid.New(),
		"another tenant's twin":     other.id("Ann alone"),
	} {
		_, err := w.p.Reply(ctx(t), ann, id, reply("<p>hi</p>"))
		require.ErrorIs(t, err, portal.ErrNotFound, name)
		_, err = w.p.Close(ctx(t), ann, id)
		require.ErrorIs(t, err, portal.ErrNotFound, name)
		assert.Empty(t, w.messages(id), name)
	}
	_, err := other.p.Reply(ctx(t), other.viewer(other.ann), other.id("Ann alone"), reply("<p>x</p>"))
	require.NoError(t, err, "the twin is its own tenant's")
	assert.Empty(t, w.events(), "nothing reached this tenant's outbox")

	w.set(func(st *portal.Settings) { st.Enabled = false })
	w.requireActionsRefused(ann, w.id("Ann alone"), portal.ErrPortalDisabled, "S14")
	assert.Empty(t, w.events())
}

// requireActionsRefused checks that v's reply to the ticket, v's close of
// it and v's submission of a new one are each refused with want.
func (w *listWorld) requireActionsRefused(v portal.Viewer, id uuid.UUID, want error, why string) {
	w.t.Helper()
	_, err := w.p.Reply(ctx(w.t), v, id, reply("<p>hi</p>"))
	require.ErrorIs(w.t, err, want, "reply: %s", why)
	_, err = w.p.Close(ctx(w.t), v, id)
	require.ErrorIs(w.t, err, want, "close: %s", why)
	_, err = w.p.SubmitTicket(ctx(w.t), v, portal.SubmissionInput{})
	require.ErrorIs(w.t, err, want, "submit: %s", why)
}

// Reply and Close act on the verdicts TicketDetail and Explain show.
// covers: P5, P6, S10, X4, A5
func testReplyToClosed(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	ann := w.viewer(w.ann)
	w.update("Ann alone", func(tk *portal.Ticket) { tk.StageID = w.stage("Solved") })
	id := w.id("Ann alone")
	agree := func(canReply bool) {
		t.Helper()
		d, err := w.p.TicketDetail(ctx(t), ann, id)
		require.NoError(t, err)
		assert.Equal(t, canReply, d.CanReply)
		e, err := w.p.Explain(ctx(t), w.pid, w.ann.ID, id)
		require.NoError(t, err)
		assert.Equal(t, canReply, e.Actions[0].Allowed)
	}
	agree(false)
	_, err := w.p.Reply(ctx(t), ann, id, reply("<p>reopen?</p>"))
	require.ErrorIs(t, err, portal.ErrForbidden)
	assert.Empty(t, w.messages(id))
	assert.Empty(t, w.events())

	w.set(func(st *portal.Settings) { st.Actions.ReplyToClosed = true })
	agree(true)
	_, err = w.p.Reply(ctx(t), ann, id, reply("<p>one more thing</p>"))
	require.NoError(t, err)
	assert.Len(t, w.messages(id), 1)
	assert.Equal(t, w.stage("Solved"), w.stored(id).StageID, "a reply does not reopen")

	preview := ann
	preview.Preview = true
	w.requireActionsRefused(preview, w.id("Ann and Acme"), portal.ErrForbidden, "a preview is read-only (A5)")
	assert.Len(t, w.events(), 1)
}

var (
	pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{1}, 200)...)
	pdfBytes = []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
)

// zipBytes returns a small ZIP archive laid out as a Word document.
func zipBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml"} {
		f, err := z.Create(name)
		require.NoError(t, err)
		_, err = f.Write([]byte(`<?xml version="1.0"?><x/>`))
		require.NoError(t, err)
	}
	require.NoError(t, z.Close())
	return b.Bytes()
}

func att(name string, b []byte) portal.AttachmentInput {
	return portal.AttachmentInput{Name: name, Content: bytes.NewReader(b)}
}

// A reply's files are kept with their sniffed types and cleaned names,
// shown in the conversation without where they are kept, and served only
// through the messages the customer sees (the files refused are tested in
// package portal: TestAttachmentsAreSniffedAndLimited).
// covers: P5, P4, S9
func testAttachments(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	ann, bob := w.viewer(w.ann), w.viewer(w.bob)
	id := w.id("Ann alone")
	got, err := w.p.Reply(ctx(t), ann, id, portal.ReplyInput{Text: "see attached", Attachments: []portal.AttachmentInput{
		att("screen\u202egnp.txt\x07.png", pngBytes), att("INVOICE.PDF", pdfBytes), att("notes", []byte("plain words")),
		att("report.docx", zipBytes(t))}})
	require.NoError(t, err)
	require.Len(t, got.Attachments, 4)
	assert.Equal(t, "screengnp.txt.png", got.Attachments[0].Name, "control and bidi characters removed")
	assert.Equal(t, "image/png", got.Attachments[0].ContentType)
	assert.Equal(t, "application/pdf", got.Attachments[1].ContentType, "an extension in upper case fits too")
	assert.Equal(t, "text/plain", got.Attachments[2].ContentType, "sniffed, not guessed from the name; text needs no extension")
	assert.Equal(t, "application/zip", got.Attachments[3].ContentType, "an Office document is a ZIP archive")
	assert.Equal(t, int64(len(pngBytes)), got.Attachments[0].Size)
	assert.Len(t, w.blobs.Keys(), 4)
	detail, err := w.p.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	last := detail.Conversation[len(detail.Conversation)-1]
	assert.Equal(t, got.Attachments, last.Attachments, "the conversation shows the reply's files")
	for _, a := range last.Attachments {
		assert.Empty(t, a.BlobKey, "a contact never sees where a file is kept")
	}

	a, rc, err := w.p.Attachment(ctx(t), ann, id, got.Attachments[0].ID)
	require.NoError(t, err)
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	rc.Close()
	assert.Equal(t, pngBytes, b)
	assert.Equal(t, got.Attachments[0], a)

	for name, try := range map[string]func() error{
		"another contact": func() error { _, _, err := w.p.Attachment(ctx(t), bob, id, got.Attachments[0].ID); return err },
		"through another ticket": func() error {
			_, _, err := w.p.Attachment(ctx(t), ann, w.id("Ann and Acme"), got.Attachments[0].ID)
			return err
		},
		"missing": func() error { _, _, err := w.p.Attachment(ctx(t), ann, id, uuid.New()); return err },
	} {
		require.ErrorIs(t, try(), portal.ErrNotFound, name)
	}

	// A file on an internal note of the same thread is never the customer's.
	d, err := w.p.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	note, err := w.p.AddMessage(ctx(t), portal.Message{PortalID: w.pid, ThreadID: d.ThreadID, Kind: portal.InternalNote,
		From: "agent@helpdesk.example", Text: "internal", Attachments: []portal.Attachment{
			{Name: "secret.txt", ContentType: "text/plain", Size: 6, BlobKey: w.pid.String() + "/secret"}}})
	require.NoError(t, err)
	require.NoError(t, w.blobs.Put(ctx(t), w.pid.String()+"/secret", []byte("secret")))
	_, _, err = w.p.Attachment(ctx(t), ann, id, note.Attachments[0].ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "an internal note's file (S9)")

	// A file on a thread the customer does not see: one not visible in the
	// portal, and a visible one younger than the portal thread (S9).
	fileOn := func(th portal.Thread, from, key string) portal.Attachment {
		t.Helper()
		m, err := w.p.AddMessage(ctx(t), portal.Message{PortalID: w.pid, ThreadID: th.ID, Kind: portal.AgentMessage,
			From: from, Text: "with a file", Attachments: []portal.Attachment{
				{Name: key + ".txt", ContentType: "text/plain", Size: 4, BlobKey: w.pid.String() + "/" + key}}})
		require.NoError(t, err)
		require.NoError(t, w.blobs.Put(ctx(t), w.pid.String()+"/"+key, []byte(key)))
		return m.Attachments[0]
	}
	for name, th := range map[string]portal.Thread{
		"a thread hidden from the portal": w.thread("Ann alone", false, before.Add(-time.Hour)),
		"a younger visible thread":        w.thread("Ann alone", true, listNow.Add(time.Hour)),
	} {
		a := fileOn(th, "agent@helpdesk.example", "other-thread")
		_, _, err = w.p.Attachment(ctx(t), ann, id, a.ID)
		require.ErrorIs(t, err, portal.ErrNotFound, name)
	}
	portalThread, err := w.p.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	require.Equal(t, d.ThreadID, portalThread.ThreadID, "the portal thread is still the reply's")

	// A file on the portal thread from a sender the internal-communication
	// rules hide (S9): shown until the rule exists, never after.
	internal := fileOn(portal.Thread{ID: d.ThreadID}, "lars@lager.example", "internal")
	_, rc, err = w.p.Attachment(ctx(t), ann, id, internal.ID)
	require.NoError(t, err, "before the rule, an agent's file on the portal thread is the customer's")
	rc.Close()
	w.set(func(st *portal.Settings) { st.Conversations.InternalSenders = []string{"@lager.example"} })
	_, _, err = w.p.Attachment(ctx(t), ann, id, internal.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "an internal sender's file (S9)")
}

// covers: P6, S10, X4
func testClose(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	ann := w.viewer(w.ann)
	id := w.id("Ann alone")
	canClose := func() bool {
		t.Helper()
		d, err := w.p.TicketDetail(ctx(t), ann, id)
		require.NoError(t, err)
		e, err := w.p.Explain(ctx(t), w.pid, w.ann.ID, id)
		require.NoError(t, err)
		assert.Equal(t, d.CanClose, e.Actions[1].Allowed, "detail and Explain agree")
		return d.CanClose
	}
	require.False(t, canClose())
	_, err := w.p.Close(ctx(t), ann, id)
	require.ErrorIs(t, err, portal.ErrForbidden, "closing is off by default")

	assert.Empty(t, w.events())
	assert.Equal(t, w.stage("New"), w.stored(id).StageID)

	w.set(func(st *portal.Settings) {
		st.Actions.CustomerClose = true
		st.Actions.CloseStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.stage("Rejected")}
	})
	require.True(t, canClose())
	res, err := w.p.Close(ctx(t), ann, id)
	require.NoError(t, err)
	assert.Equal(t, portal.CloseResult{StageID: w.stage("Rejected")}, res)
	tk := w.stored(id)
	assert.Equal(t, w.stage("Rejected"), tk.StageID, "the chosen closed stage (S10)")
	assert.Equal(t, listNow, tk.LastActivityAt)
	assert.Equal(t, w.tickets[id].Subject, tk.Subject)
	require.False(t, canClose(), "closed now")

	res, err = w.p.Close(ctx(t), ann, id)
	require.NoError(t, err, "closing a closed ticket is no error")
	assert.Equal(t, portal.CloseResult{AlreadyClosed: true, StageID: w.stage("Rejected")}, res)

	evs := w.events()
	require.Len(t, evs, 1, "the no-op wrote no event")
	assert.Equal(t, portal.EventClose, evs[0].Kind)
	assert.Equal(t, id, evs[0].TicketID)
	assert.Equal(t, w.stage("Rejected"), evs[0].StageID)
	assert.Equal(t, w.ann.ID, evs[0].ContactID)
	assert.Equal(t, uuid.Nil, evs[0].MessageID)

	// A pipeline added later with two closed stages and none chosen: its
	// tickets cannot be closed from the portal.
	returns := w.addPipeline("Returns", portal.Stage{Name: "Received", State: portal.StageOpen},
		portal.Stage{Name: "Refunded", State: portal.StageClosed}, portal.Stage{Name: "Refused", State: portal.StageClosed})
	ret := w.ticket(portal.Ticket{Subject: "Ann's return", ContactIDs: []uuid.UUID{w.ann.ID},
		PipelineID: returns.ID, StageID: returns.Stages[0].ID})
	_, err = w.p.Close(ctx(t), ann, ret.ID)
	require.ErrorIs(t, err, portal.ErrForbidden, "no closed stage chosen for the pipeline (S10)")
	e, err := w.p.Explain(ctx(t), w.pid, w.ann.ID, ret.ID)
	require.NoError(t, err)
	assert.False(t, e.Actions[1].Allowed)
	assert.Equal(t, fmt.Sprintf("actions.closeStages[%s]", returns.ID), e.Actions[1].Rule)
	assert.Len(t, w.events(), 1)

	// A pipeline with exactly one closed stage and none chosen: a close
	// moves its tickets to that stage by default (S10).
	orders := w.addPipeline("Orders", portal.Stage{Name: "Placed", State: portal.StageOpen},
		portal.Stage{Name: "Shipped", State: portal.StageOpen}, portal.Stage{Name: "Delivered", State: portal.StageClosed})
	order := w.ticket(portal.Ticket{Subject: "Ann's order", ContactIDs: []uuid.UUID{w.ann.ID},
		PipelineID: orders.ID, StageID: orders.Stages[1].ID})
	st, err := w.p.Settings(ctx(t), w.pid)
	require.NoError(t, err)
	_, chosen := st.Actions.CloseStages[orders.ID]
	require.False(t, chosen, "no stage chosen for the pipeline")
	res, err = w.p.Close(ctx(t), ann, order.ID)
	require.NoError(t, err)
	delivered := orders.Stages[2].ID
	assert.Equal(t, portal.CloseResult{StageID: delivered}, res, "the pipeline's one closed stage (S10)")
	assert.Equal(t, delivered, w.stored(order.ID).StageID, "stored in that stage")
	evs = w.events()
	require.Len(t, evs, 2)
	assert.Equal(t, delivered, evs[1].StageID)
	assert.Equal(t, order.ID, evs[1].TicketID)

	w.set(func(st *portal.Settings) { st.Actions.CustomerClose = false })
	_, err = w.p.Close(ctx(t), ann, id)
	require.ErrorIs(t, err, portal.ErrForbidden, "with closing off, even a closed ticket is forbidden")
}

// supportForm sets up the support form: subject, content, a required
// enumeration, an optional number and the priority.
func (w *actionWorld) supportForm() {
	w.t.Helper()
	w.property(portal.Property{Name: "product", Label: "Product", Type: portal.Enumeration,
		Options: []portal.Option{{Value: "app", Label: "App"}, {Value: "web", Label: "Web"}}})
	w.property(portal.Property{Name: "order", Label: "Order number", Type: portal.Number})
	w.property(portal.Property{Name: "urgent", Label: "Urgent", Type: portal.Boolean})
	w.property(portal.Property{Name: "since", Label: "Since", Type: portal.Date})
	w.property(portal.Property{Name: "note", Label: "Note", Type: portal.Text})
	f, err := w.p.SaveForm(ctx(w.t), portal.Form{PortalID: w.pid, Name: "Support", ChannelID: w.channel.ID, Fields: []portal.FormField{
		{Property: portal.PropSubject, Label: "What is it about?"}, {Property: "product", Required: true},
		{Property: "order"}, {Property: portal.PropPriority}, {Property: "urgent"}, {Property: "since"}, {Property: "note"}}})
	require.NoError(w.t, err)
	w.set(func(st *portal.Settings) {
		st.SupportForm = portal.SupportForm{Enabled: true, MenuText: "Ask us", HeadingText: "Ask us anything", FormID: f.ID}
	})
}

// covers: P8, S6, S3
func testSubmit(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	ann := w.viewer(w.ann)
	_, err := w.p.SupportForm(ctx(t), ann)
	require.ErrorIs(t, err, portal.ErrForbidden, "the form is off")
	w.supportForm()

	fv, err := w.p.SupportForm(ctx(t), ann)
	require.NoError(t, err)
	assert.Equal(t, "Ask us anything", fv.Heading)
	var names []string
	for _, f := range fv.Fields {
		names = append(names, f.Property)
	}
	assert.Equal(t, []string{"subject", "content", "product", "order", "priority", "urgent", "since", "note"}, names)
	assert.Equal(t, "What is it about?", fv.Fields[0].Label)
	assert.True(t, fv.Fields[0].Required && fv.Fields[1].Required && fv.Fields[2].Required)
	assert.False(t, fv.Fields[3].Required)
	assert.Equal(t, portal.MaxSubject, fv.Fields[0].MaxLength)
	assert.Len(t, fv.Fields[2].Options, 2)

	own := w.list(ann, bySubject)
	preview := ann
	preview.Preview = true
	pfv, err := w.p.SupportForm(ctx(t), preview)
	require.NoError(t, err, "a preview sees the form (A5)")
	assert.Equal(t, fv, pfv)
	_, err = w.p.SubmitTicket(ctx(t), preview, portal.SubmissionInput{Values: map[string]any{
		"subject": "From a preview", "content": "Never stored", "product": "app"}})
	require.ErrorIs(t, err, portal.ErrForbidden, "a preview cannot submit (A5)")
	assert.ElementsMatch(t, own, w.list(ann, bySubject), "no ticket from the preview")
	assert.Empty(t, w.events())

	since := time.Date(2025, 6, 1, 8, 0, 0, 123456789, time.FixedZone("x", 3600))
	res, err := w.p.SubmitTicket(ctx(t), ann, portal.SubmissionInput{Values: map[string]any{
		"subject": "  The app crashes  ", "content": "It crashes <always>.", "product": "app", "order": 42,
		"priority": "high", "urgent": true, "since": since, "note": ""}})
	require.NoError(t, err)
	assert.True(t, res.Created)

	tk := w.stored(res.TicketID)
	w.learn(res.TicketID)
	assert.Equal(t, "The app crashes", tk.Subject)
	assert.Equal(t, "It crashes <always>.", tk.Content)
	assert.Equal(t, w.channel.ID, tk.ChannelID, "the default channel (S3)")
	assert.Equal(t, w.pipeline.ID, tk.PipelineID)
	assert.Equal(t, w.stage("New"), tk.StageID, "the first open stage")
	assert.Equal(t, w.ann.ID, tk.RequesterID)
	assert.Equal(t, []uuid.UUID{w.ann.ID}, tk.ContactIDs)
	assert.Equal(t, []uuid.UUID{w.acme.ID}, tk.CompanyIDs, "the primary company")
	assert.Equal(t, portal.PriorityHigh, tk.Priority)
	assert.Equal(t, portal.Properties{"product": "app", "order": 42.0, "urgent": true,
		"since": since.UTC().Truncate(time.Microsecond)}, tk.Properties)
	assert.Equal(t, listNow, tk.CreatedAt)

	assert.ElementsMatch(t, append(own, "The app crashes"), w.list(ann, bySubject), "at once in the list")
	assert.Equal(t, "The app crashes", w.list(ann, portal.ListQuery{})[0], "newest first")
	d, err := w.p.TicketDetail(ctx(t), ann, res.TicketID)
	require.NoError(t, err)
	require.Len(t, d.Conversation, 1, "the first message on the portal thread")
	assert.Equal(t, "It crashes <always>.", d.Conversation[0].Text)
	assert.Equal(t, "It crashes &lt;always&gt;.", d.Conversation[0].Body)
	ms := w.messages(res.TicketID)
	require.Len(t, ms, 1)
	assert.Equal(t, portal.EmailEngagement, ms[0].Engagement)

	evs := w.events()
	require.Len(t, evs, 1)
	assert.Equal(t, portal.EventSubmit, evs[0].Kind)
	assert.Equal(t, res.TicketID, evs[0].TicketID)
	assert.Equal(t, w.channel.ID, evs[0].ChannelID)
	assert.Equal(t, ms[0].ID, evs[0].MessageID)
	assert.Equal(t, d.ThreadID, evs[0].ThreadID)

	// Dora has no company: the ticket has none either.
	res, err = w.p.SubmitTicket(ctx(t), w.viewer(w.dora), portal.SubmissionInput{Values: map[string]any{
		"subject": "Hi", "content": "x", "product": "web"}})
	require.NoError(t, err)
	assert.Empty(t, w.stored(res.TicketID).CompanyIDs)

	// A number may be of any Go integer type, up to 2^53 either way.
	for i, tc := range []struct {
		v    any
		want float64
	}{
		{int8(-8), -8}, {int16(16), 16}, {int32(-32), -32}, {int64(-1 << 53), -1 << 53}, {uint(7), 7},
		{uint8(8), 8}, {uint16(16), 16}, {uint32(32), 32}, {uint64(1 << 53), 1 << 53}, {float32(1.5), 1.5},
	} {
		res, err := w.p.SubmitTicket(ctx(t), w.viewer(w.dora), portal.SubmissionInput{Values: map[string]any{
			"subject": fmt.Sprint("Number ", i), "content": "x", "product": "web", "order": tc.v}})
		require.NoError(t, err, "%T", tc.v)
		assert.Equal(t, tc.want, w.stored(res.TicketID).Properties["order"], "%T", tc.v)
	}
}

// covers: P8
func testSubmitIdempotent(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	w.supportForm()
	ann, bob := w.viewer(w.ann), w.viewer(w.bob)
	in := portal.SubmissionInput{Values: map[string]any{"subject": "Once", "content": "C", "product": "app"}, Key: "form-7f3a"}
	last := w.lastNumber()
	first, err := w.p.SubmitTicket(ctx(t), ann, in)
	require.NoError(t, err)
	require.True(t, first.Created)
	assert.Equal(t, last+1, first.Number, "the next number (P10)")
	assert.Equal(t, fmt.Sprintf("#%d", last+1), first.Ref)
	assert.Equal(t, first.Number, w.stored(first.TicketID).Number)
	again, err := w.p.SubmitTicket(ctx(t), ann, in)
	require.NoError(t, err)
	assert.Equal(t, portal.SubmitResult{TicketID: first.TicketID, Number: first.Number, Ref: first.Ref, Created: false}, again,
		"a retry returns the same ticket, with its number")
	other, err := w.p.SubmitTicket(ctx(t), bob, in)
	require.NoError(t, err)
	assert.True(t, other.Created, "a key is the contact's own")
	assert.NotEqual(t, first.TicketID, other.TicketID)

	const n = 8
	results := make([]portal.SubmitResult, n)
	errs := make([]error, n)
	race := in
	race.Key = "race"
	race.Values = map[string]any{"subject": "Raced", "content": "C", "product": "web"}
	startTogether(n, func(i int) { results[i], errs[i] = w.p.SubmitTicket(ctx(t), ann, race) })
	created := 0
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, results[0].TicketID, results[i].TicketID, "every retry gets the one ticket")
		assert.Equal(t, results[0].Number, results[i].Number, "and its number")
		if results[i].Created {
			created++
		}
	}
	assert.Equal(t, 1, created)
	w.learn(results[0].TicketID)
	assert.Equal(t, 1, strings.Count(strings.Join(w.list(ann, bySubject), "|"), "Raced"), "one ticket in the list")
	assert.Len(t, w.events(), 3, "one event per ticket created")
}

// The customer sends ticket A, goes Back (the browser restores the form's
// key), changes the subject and the text and sends again: that is not a
// retry of A. It is refused as a conflict naming the key, and writes
// nothing; A sent again is still A. Values that differ only as the form
// normalises them (white space around a text) are the same values.
// covers: P8, X8
func testSubmitKeyConflict(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	w.supportForm()
	ann := w.viewer(w.ann)
	a := portal.SubmissionInput{Values: map[string]any{"subject": "Printer A", "content": "Jammed", "product": "app"}, Key: "form-1"}
	first, err := w.p.SubmitTicket(ctx(t), ann, a)
	require.NoError(t, err)
	require.True(t, first.Created)
	events := len(w.events())

	for _, values := range []map[string]any{
		{"subject": "Printer B", "content": "Out of toner", "product": "app"},
		{"subject": "Printer A", "content": "Jammed", "product": "web"},
	} {
		_, err := w.p.SubmitTicket(ctx(t), ann, portal.SubmissionInput{Values: values, Key: "form-1"})
		requireConflict(t, err, "key", "%v", values)
	}
	assert.Len(t, w.events(), events, "nothing written")

	same := portal.SubmissionInput{Values: map[string]any{"subject": " Printer A ", "content": "Jammed\n", "product": "app"}, Key: "form-1"}
	again, err := w.p.SubmitTicket(ctx(t), ann, same)
	require.NoError(t, err)
	assert.Equal(t, portal.SubmitResult{TicketID: first.TicketID, Number: first.Number, Ref: first.Ref, Created: false}, again,
		"the same values, as the form keeps them")
	b, err := w.p.SubmitTicket(ctx(t), ann, portal.SubmissionInput{Values: map[string]any{"subject": "Printer B", "content": "Out of toner", "product": "app"}, Key: "form-2"})
	require.NoError(t, err)
	assert.True(t, b.Created, "B with a key of its own")
}

// A reply sent again with its key (a resent form, a retry after an
// error) is the first reply: one message, one event, the files once; the
// same key with other text is a conflict naming the key; a key is the
// contact's and the ticket's own.
// covers: P5, X8
func testReplyKey(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	ann, bob := w.viewer(w.ann), w.viewer(w.bob)
	tid := w.id("Ann and Acme")
	file := func() []portal.AttachmentInput {
		return []portal.AttachmentInput{{Name: "a.txt", Content: strings.NewReader("file")}}
	}
	in := portal.ReplyInput{Text: "Any news?", Attachments: file(), Key: "r-1"}
	first, err := w.p.Reply(ctx(t), ann, tid, in)
	require.NoError(t, err)
	in.Attachments = file()
	again, err := w.p.Reply(ctx(t), ann, tid, in)
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
	assert.Len(t, w.messages(tid), 1, "one message")
	assert.Len(t, w.events(), 1, "one event")
	assert.Len(t, w.blobs.Keys(), 1, "the file once")

	_, err = w.p.Reply(ctx(t), ann, tid, portal.ReplyInput{Text: "Something else", Key: "r-1"})
	requireConflict(t, err, "key")

	other, err := w.p.Reply(ctx(t), bob, tid, portal.ReplyInput{Text: "Any news?", Key: "r-1"})
	require.NoError(t, err, "another contact's key")
	assert.NotEqual(t, first.ID, other.ID)
	elsewhere, err := w.p.Reply(ctx(t), ann, w.id("Ann alone"), portal.ReplyInput{Text: "Any news?", Key: "r-1"})
	require.NoError(t, err, "another ticket's key")
	assert.NotEqual(t, first.ID, elsewhere.ID)
	assert.Len(t, w.events(), 3)
}

// A reply's files are pending from before they are put until the reply
// commits, which forgets them; what stays pending is listed by age, in key
// order, and forgotten on request.
// covers: P5, X8
func testPendingBlobs(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	ann := w.viewer(w.ann)
	_, err := w.p.Reply(ctx(t), ann, w.id("Ann alone"), portal.ReplyInput{Text: "with a file",
		Attachments: []portal.AttachmentInput{{Name: "a.txt", Content: strings.NewReader("file")}}})
	require.NoError(t, err)
	keys, err := s.PendingBlobs(ctx(t), w.pid, listNow.Add(time.Hour), 10)
	require.NoError(t, err)
	assert.Empty(t, keys, "the reply's commit forgot its file's key")

	require.NoError(t, s.AddPendingBlobs(ctx(t), w.pid, []string{"k/2", "k/1"}, listNow))
	require.NoError(t, s.AddPendingBlobs(ctx(t), w.pid, []string{"k/3"}, listNow.Add(time.Minute)))
	keys, err = s.PendingBlobs(ctx(t), w.pid, listNow.Add(time.Second), 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"k/1", "k/2"}, keys, "pending since before, in key order")
	keys, err = s.PendingBlobs(ctx(t), w.pid, listNow.Add(time.Hour), 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"k/1", "k/2"}, keys, "at most limit")
	other := newActionWorld(t, s)
	keys, err = s.PendingBlobs(ctx(t), other.pid, listNow.Add(time.Hour), 10)
	require.NoError(t, err)
	assert.Empty(t, keys, "another tenant's")
	require.NoError(t, s.ForgetPendingBlobs(ctx(t), w.pid, []string{"k/1", "k/3", "k/none"}))
	keys, err = s.PendingBlobs(ctx(t), w.pid, listNow.Add(time.Hour), 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"k/2"}, keys)
}

// covers: P5, P6, P8 (delivery to the helpdesk), X5
func testOutbox(t *testing.T, s portal.Store) {
	w, other := newActionWorld(t, s), newActionWorld(t, s)
	ann := w.viewer(w.ann)
	w.set(func(st *portal.Settings) {
		st.Actions.CustomerClose = true
		st.Actions.CloseStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.stage("Solved")}
	})
	var want []uuid.UUID
	for i, subject := range []string{"Ann alone", "Ann and Acme", "Ann and Carl", "Ann alone"} {
		m, err := w.p.Reply(ctx(t), ann, w.id(subject), portal.ReplyInput{Text: fmt.Sprint("reply ", i)})
		require.NoError(t, err)
		want = append(want, m.ID)
	}
	_, err := w.p.Close(ctx(t), ann, w.id("Ann at Beta"))
	require.NoError(t, err)
	_, err = other.p.Reply(ctx(t), other.viewer(other.ann), other.id("Ann alone"), portal.ReplyInput{Text: "elsewhere"})
	require.NoError(t, err)

	evs := w.events()
	require.Len(t, evs, 5)
	for i, e := range evs {
		assert.Equal(t, int64(i+1), e.Seq, "numbered in order without gaps")
		if i < 4 {
			assert.Equal(t, want[i], e.MessageID)
		}
	}
	assert.Equal(t, portal.EventClose, evs[4].Kind)
	require.Len(t, other.events(), 1, "each tenant its own outbox")
	assert.Equal(t, int64(1), other.events()[0].Seq)

	page, err := w.p.Events(ctx(t), w.pid, 2, 2)
	require.NoError(t, err)
	assert.Equal(t, evs[2:4], page, "after a cursor, at most limit")
	_, err = w.p.Events(ctx(t), w.pid, 0, 0)
	requireField(t, err, "limit")
	_, err = w.p.Events(ctx(t), uuid.New(), 0, 10)
	require.ErrorIs(t, err, portal.ErrNotFound)

	acked, err := w.p.AckedEvents(ctx(t), w.pid)
	require.NoError(t, err)
	assert.Zero(t, acked)
	// A handler that fails on the third event: the first two are acked,
	// the third is delivered again by the next call, with the same ID.
	var got []int64
	var failedID uuid.UUID
	fail := true
	handle := func(_ context.Context, e portal.Event) error {
		if e.Seq == 3 && fail {
			fail, failedID = false, e.ID
			return errors.New("helpdesk down")
		}
		if e.Seq == 3 {
			assert.Equal(t, failedID, e.ID, "a redelivered event keeps its ID")
			assert.Equal(t, evs[2], e, "and is the same event")
		}
		got = append(got, e.Seq)
		return nil
	}
	n, err := w.p.Deliver(ctx(t), w.pid, handle)
	require.Error(t, err)
	assert.Equal(t, 2, n)
	acked, err = w.p.AckedEvents(ctx(t), w.pid)
	require.NoError(t, err)
	assert.Equal(t, int64(2), acked)
	n, err = w.p.Deliver(ctx(t), w.pid, handle)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, []int64{1, 2, 3, 4, 5}, got, "each event once, in order, the failed one again")
	require.NoError(t, w.p.AckEvents(ctx(t), w.pid, 1), "an older ack changes nothing")
	acked, err = w.p.AckedEvents(ctx(t), w.pid)
	require.NoError(t, err)
	assert.Equal(t, int64(5), acked)
	n, err = w.p.Deliver(ctx(t), w.pid, handle)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left")
	otherAcked, err := other.p.AckedEvents(ctx(t), other.pid)
	require.NoError(t, err)
	assert.Zero(t, otherAcked)
}

// An acknowledgement past the outbox's last event would make Deliver skip
// the events written later: it is refused, by the store itself, and moves
// nothing. Acknowledging exactly the last event is fine.
// covers: P5, P6, P8 (delivery to the helpdesk)
func testAckPastHead(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	ann := w.viewer(w.ann)
	requireField(t, w.p.AckEvents(ctx(t), w.pid, 100), "seq", "an empty outbox")
	err := s.AckEvents(ctx(t), w.pid, 1)
	require.ErrorIs(t, err, portal.ErrInvalid, "the store refuses it itself")
	var fe *portal.FieldError
	require.True(t, errors.As(err, &fe), "want a *FieldError, got %T: %v", err, err)
	assert.Equal(t, "seq", fe.Field)
	var past *portal.PastLastEventError
	require.True(t, errors.As(err, &past), "want a *PastLastEventError, got %T: %v", err, err)
	assert.Zero(t, past.Last, "the outbox's last event: none yet")
	acked, err := w.p.AckedEvents(ctx(t), w.pid)
	require.NoError(t, err)
	assert.Zero(t, acked, "a refused ack moves nothing")

	m, err := w.p.Reply(ctx(t), ann, w.id("Ann alone"), portal.ReplyInput{Text: "after the bad ack"})
	require.NoError(t, err)
	var got []portal.Event
	n, err := w.p.Deliver(ctx(t), w.pid, func(_ context.Context, e portal.Event) error { got = append(got, e); return nil })
	require.NoError(t, err)
	require.Equal(t, 1, n, "the reply is delivered, not lost behind the ack")
	assert.Equal(t, m.ID, got[0].MessageID)

	requireField(t, w.p.AckEvents(ctx(t), w.pid, 2), "seq", "one past the last event")
	err = s.AckEvents(ctx(t), w.pid, 2)
	require.ErrorIs(t, err, portal.ErrInvalid)
	require.True(t, errors.As(err, &past), "want a *PastLastEventError, got %T: %v", err, err)
	assert.Equal(t, int64(1), past.Last, "the reply's event is the last")
	require.NoError(t, w.p.AckEvents(ctx(t), w.pid, 1), "the last event itself")
	require.NoError(t, w.p.AckEvents(ctx(t), w.pid, 0), "an older position changes nothing")
	acked, err = w.p.AckedEvents(ctx(t), w.pid)
	require.NoError(t, err)
	assert.Equal(t, int64(1), acked)
	require.ErrorIs(t, s.AckEvents(ctx(t), uuid.New(), 0), portal.ErrNotFound, "an unknown tenant")
}

// Acknowledgements racing the actions that write events: an ack succeeds
// only once its event exists, so the acknowledged position never passes the
// outbox's last event and nothing is skipped. Run it under -race.
// covers: P5 (delivery to the helpdesk, concurrency)
func testAckRacingActions(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	ann := w.viewer(w.ann)
	id := w.id("Ann alone")
	const n = 6
	var replied atomic.Int64
	errs := make([]error, 2*n+1)
	startTogether(2*n+1, func(i int) {
		if i < n {
			_, errs[i] = w.p.Reply(ctx(t), ann, id, portal.ReplyInput{Text: fmt.Sprint("reply ", i)})
			replied.Add(1)
			return
		}
		// Ack event seq (1 … n, and one past them) while the replies land,
		// until it is taken or every reply has landed.
		seq := int64(i - n + 1)
		for {
			last := replied.Load() == n
			err := s.AckEvents(ctx(t), w.pid, seq)
			switch {
			case err == nil:
				evs, err := s.Events(ctx(t), w.pid, seq-1, 1)
				if err == nil && len(evs) == 0 {
					err = fmt.Errorf("ack %d taken before its event existed", seq)
				}
				errs[i] = err
				return
			case !errors.Is(err, portal.ErrInvalid):
				errs[i] = err
				return
			case last:
				if seq <= n {
					errs[i] = fmt.Errorf("ack %d refused though every reply landed: %w", seq, err)
				}
				return
			}
			runtime.Gosched()
		}
	})
	for i, err := range errs {
		require.NoError(t, err, "goroutine %d", i)
	}
	require.Len(t, w.events(), n)
	pos, err := s.AckedEvents(ctx(t), w.pid)
	require.NoError(t, err)
	assert.Equal(t, int64(n), pos, "every event acknowledged, none past the last")
}

// The store's own preconditions, called directly: a failed one writes
// nothing, not even its event, and leaves no gap in the numbering.
// covers: P5, P6, P8
func testActionPreconditions(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	id := w.id("Ann alone")
	visible := w.thread("Ann alone", true, before)
	msg := func() portal.Message { return w.replyTo(visible) }
	event := func(kind portal.EventKind) portal.Event { return w.event(kind, id) }
	newThread := portal.Thread{ID: newID(t), PortalID: w.pid, TicketID: id, VisibleInPortal: true, CreatedAt: listNow}
	for name, c := range map[string]portal.ReplyChange{
		"stage changed":            {Message: msg(), IfStage: w.stage("Waiting"), Event: event(portal.EventReply)},
		"a portal thread appeared": {Message: msg(), NewThread: &newThread, Event: event(portal.EventReply)},
	} {
		require.ErrorIs(t, s.AddReply(ctx(t), c), portal.ErrConflict, name)
	}
	missing := msg()
	missing.TicketID = uuid.New()
	require.ErrorIs(t, s.AddReply(ctx(t), portal.ReplyChange{Message: missing, Event: event(portal.EventReply)}), portal.ErrNotFound)
	require.ErrorIs(t, s.MoveTicket(ctx(t), portal.MoveChange{PortalID: w.pid, TicketID: id, From: w.stage("Waiting"),
		To: w.stage("Solved"), At: listNow, Event: event(portal.EventClose)}), portal.ErrConflict, "stage changed")
	require.ErrorIs(t, s.MoveTicket(ctx(t), portal.MoveChange{PortalID: w.pid, TicketID: uuid.New(), From: w.stage("New"),
		To: w.stage("Solved"), At: listNow, Event: event(portal.EventClose)}), portal.ErrNotFound)
	assert.Empty(t, w.events())
	assert.Empty(t, w.messages(id))
	ths, err := w.p.Threads(ctx(t), w.pid, id)
	require.NoError(t, err)
	assert.Len(t, ths, 1, "no new thread")
	assert.Equal(t, nilEmpty(w.tickets[id]), nilEmpty(w.stored(id)), "the ticket is as it was")

	ok := msg()
	require.NoError(t, s.AddReply(ctx(t), portal.ReplyChange{Message: ok, IfStage: w.stage("New"), Event: event(portal.EventReply)}))
	dup := msg()
	dup.ID = ok.ID
	require.ErrorIs(t, s.AddReply(ctx(t), portal.ReplyChange{Message: dup, Event: event(portal.EventReply)}), portal.ErrConflict, "a message ID that exists")
	evs := w.events()
	require.Len(t, evs, 1)
	assert.Equal(t, int64(1), evs[0].Seq, "failed actions left no gap")
	assert.Equal(t, w.stage("New"), w.stored(id).StageID)
}

// SubmitTicket writes the ticket, its thread, its message and its event in
// one step. With a key, a second submission of the same digest writes
// nothing and gives the first ticket back (created false); another digest
// is ErrConflict; the key is the contact's alone; and a submission without
// a key is never taken for another.
// covers: P8, X8
func testSubmitTicketStore(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	submission := func(contact uuid.UUID, key string, digest byte) portal.SubmitChange {
		tk := portal.Ticket{ID: newID(t), PortalID: w.pid, Subject: "Printer", Content: "It jams",
			PipelineID: w.pipeline.ID, StageID: w.stage("New"), ChannelID: w.channel.ID, RequesterID: contact,
			ContactIDs: []uuid.UUID{contact}, CreatedAt: listNow, LastActivityAt: listNow}
		th := portal.Thread{ID: newID(t), PortalID: w.pid, TicketID: tk.ID, VisibleInPortal: true, CreatedAt: listNow}
		m := portal.Message{ID: newID(t), PortalID: w.pid, TicketID: tk.ID, ThreadID: th.ID, Kind: portal.CustomerMessage,
			From: "ann@acme.dk", Body: "It jams", Text: "It jams", CreatedAt: listNow}
		return portal.SubmitChange{Ticket: tk, Thread: th, Message: m, ContactID: contact, Key: key, Digest: []byte{digest},
			Event: portal.Event{ID: newID(t), PortalID: w.pid, Kind: portal.EventSubmit, TicketID: tk.ID, At: listNow}}
	}
	first := submission(w.ann.ID, "k1", 1)
	base := w.lastNumber()
	res, err := s.SubmitTicket(ctx(t), first)
	require.NoError(t, err)
	assert.Equal(t, portal.SubmitResult{TicketID: first.Ticket.ID, Number: base + 1, Created: true}, res, "the next number (P10)")
	want := first.Ticket
	want.Number = base + 1
	assert.Equal(t, nilEmpty(want), nilEmpty(w.stored(res.TicketID)))
	th, err := s.Thread(ctx(t), w.pid, first.Thread.ID)
	require.NoError(t, err)
	assert.Equal(t, first.Thread, th)
	ms, err := s.Messages(ctx(t), w.pid, first.Thread.ID)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	assert.Equal(t, first.Message.ID, ms[0].ID)

	again := submission(w.ann.ID, "k1", 1)
	res, err = s.SubmitTicket(ctx(t), again)
	require.NoError(t, err, "the same key and digest")
	assert.Equal(t, portal.SubmitResult{TicketID: first.Ticket.ID, Number: base + 1}, res, "the first submission's ticket")
	_, err = s.Ticket(ctx(t), w.pid, again.Ticket.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "nothing written")

	_, err = s.SubmitTicket(ctx(t), submission(w.ann.ID, "k1", 2))
	require.ErrorIs(t, err, portal.ErrConflict, "the same key, another digest")

	bobs := submission(w.bob.ID, "k1", 2)
	res, err = s.SubmitTicket(ctx(t), bobs)
	require.NoError(t, err, "another contact's key")
	assert.Equal(t, portal.SubmitResult{TicketID: bobs.Ticket.ID, Number: base + 2, Created: true}, res)
	for i := range 2 {
		keyless := submission(w.ann.ID, "", 1)
		res, err = s.SubmitTicket(ctx(t), keyless)
		require.NoError(t, err)
		assert.Equal(t, portal.SubmitResult{TicketID: keyless.Ticket.ID, Number: base + 3 + int64(i), Created: true}, res, "no key, a new ticket")
	}
	evs := w.events()
	require.Len(t, evs, 4, "one event a ticket created")
	for i, e := range evs {
		assert.Equal(t, int64(i+1), e.Seq)
		assert.Equal(t, portal.EventSubmit, e.Kind)
		assert.Equal(t, base+1+int64(i), e.TicketNumber, "the event names the number it gave")
	}
	assert.Equal(t, first.Event.ID, evs[0].ID)
	assert.Equal(t, bobs.Event.ID, evs[1].ID)
}

// Customers replying to one ticket at once all keep their messages, on one
// portal thread, each with its event. Run it under -race.
// covers: P5 (concurrency)
func testConcurrentReplies(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	viewers := []portal.Viewer{w.viewer(w.ann), w.viewer(w.bob)}
	id := w.id("Ann and Acme") // Ann's, and Acme's: Bob's too
	const n = 8
	ids := make([]uuid.UUID, n)
	errs := make([]error, n)
	startTogether(n, func(i int) {
		var m portal.ConversationMessage
		m, errs[i] = w.p.Reply(ctx(t), viewers[i%2], id, portal.ReplyInput{Text: fmt.Sprint("reply ", i)})
		ids[i] = m.ID
	})
	for i, err := range errs {
		require.NoError(t, err, "reply %d", i)
	}
	ths, err := w.p.Threads(ctx(t), w.pid, id)
	require.NoError(t, err)
	require.Len(t, ths, 1, "one portal thread, though none existed")
	d, err := w.p.TicketDetail(ctx(t), viewers[0], id)
	require.NoError(t, err)
	var shown []uuid.UUID
	for _, m := range d.Conversation {
		shown = append(shown, m.ID)
	}
	assert.ElementsMatch(t, ids, shown, "every reply kept")
	evs := w.events()
	require.Len(t, evs, n)
	var evIDs []uuid.UUID
	for i, e := range evs {
		assert.Equal(t, int64(i+1), e.Seq)
		evIDs = append(evIDs, e.MessageID)
	}
	assert.ElementsMatch(t, ids, evIDs, "one event per reply")
}

// A close racing replies: each reply either lands before the close or is
// refused after it (customers may not reply to closed tickets), the ticket
// ends closed, and the outbox holds exactly the actions that happened.
// covers: P5, P6, S10 (concurrency)
func testCloseRacingReply(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	w.set(func(st *portal.Settings) {
		st.Actions.CustomerClose = true
		st.Actions.CloseStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.stage("Solved")}
	})
	ann := w.viewer(w.ann)
	id := w.id("Ann alone")
	w.thread("Ann alone", true, before)
	const n = 7
	errs := make([]error, n+1)
	var closed portal.CloseResult
	startTogether(n+1, func(i int) {
		if i == n {
			closed, errs[i] = w.p.Close(ctx(t), ann, id)
			return
		}
		_, errs[i] = w.p.Reply(ctx(t), ann, id, portal.ReplyInput{Text: fmt.Sprint("reply ", i)})
	})
	require.NoError(t, errs[n], "the close")
	assert.False(t, closed.AlreadyClosed)
	landed, _ := countOutcomes(t, errs[:n], portal.ErrForbidden) // a reply that lost the race is refused, not failed
	replied := len(landed)
	tk := w.stored(id)
	assert.Equal(t, w.stage("Solved"), tk.StageID)
	assert.Equal(t, listNow, tk.LastActivityAt)
	assert.Len(t, w.messages(id), replied)
	evs := w.events()
	require.Len(t, evs, replied+1)
	closeAt := -1
	for i, e := range evs {
		if e.Kind == portal.EventClose {
			closeAt = i
		}
	}
	assert.Equal(t, replied, closeAt, "every reply that landed came before the close")
}
