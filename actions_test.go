package portal_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/blobs"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
)

// demo is a small generated helpdesk over store, with a contact and an open
// ticket of its own that it may reply to.
type demo struct {
	p      *portal.Portal
	data   *portaltest.Dataset
	viewer portal.Viewer
	ticket uuid.UUID
}

func newDemo(t testing.TB, store portal.Store, b portal.Blobs) *demo {
	t.Helper()
	ctx := context.Background()
	p, err := portal.New(store, portal.Options{Now: portaltest.Now, Blobs: b})
	require.NoError(t, err)
	data, err := portaltest.Generate(ctx, p, portaltest.Size{Companies: 2, Tickets: 20}, 7)
	require.NoError(t, err)
	for _, tk := range data.Tickets {
		if tk.RequesterID == uuid.Nil {
			continue
		}
		v := portal.Viewer{PortalID: data.Tenant.ID, ContactID: tk.RequesterID}
		if d, err := p.TicketDetail(ctx, v, tk.ID); err == nil && d.CanReply && d.CanClose {
			return &demo{p: p, data: data, viewer: v, ticket: tk.ID}
		}
	}
	t.Fatal("the demo has no open ticket a requester may reply to")
	return nil
}

// messageCount counts the messages of every thread of the ticket.
func (d *demo) messageCount(t testing.TB) int {
	t.Helper()
	ctx := context.Background()
	ths, err := d.p.Threads(ctx, d.data.Tenant.ID, d.ticket)
	require.NoError(t, err)
	n := 0
	for _, th := range ths {
		ms, err := d.p.Messages(ctx, d.data.Tenant.ID, th.ID)
		require.NoError(t, err)
		n += len(ms)
	}
	return n
}

func (d *demo) events(t testing.TB) []portal.Event {
	t.Helper()
	evs, err := d.p.Events(context.Background(), d.data.Tenant.ID, 0, portal.MaxEvents)
	require.NoError(t, err)
	return evs
}

// faultyStore fails the action writes it is told to, as a store whose
// transaction failed: nothing of it is written; or, with lost, as one
// whose commit's acknowledgement was lost: all of it is written, and the
// caller gets an error. With busy, the error is a *portal.BusyError, as a
// store's whose retry budget was spent (Unknown with lost). calls counts
// the action writes.
type faultyStore struct {
	fullStore
	fail, lost, busy atomic.Bool
	calls            atomic.Int64
}

// fullStore is a store with the ways in, as the memory store is.
type fullStore interface {
	portal.Store
	portal.AuthStore
}

var errInjected = errors.New("injected fault")

// injected is the error of a failed or lost write.
func (s *faultyStore) injected() error {
	if s.busy.Load() {
		return &portal.BusyError{Op: "injected", Unknown: s.lost.Load(), Err: errInjected}
	}
	return errInjected
}

// write does a store write as the store is told to: not at all when it is
// to fail, and with an error after it when its acknowledgement is lost.
func (s *faultyStore) write(w func() error) error {
	if s.fail.Load() {
		return s.injected()
	}
	if err := w(); err != nil || !s.lost.Load() {
		return err
	}
	return s.injected()
}

func (s *faultyStore) AddReply(ctx context.Context, c portal.ReplyChange) error {
	s.calls.Add(1)
	return s.write(func() error { return s.fullStore.AddReply(ctx, c) })
}

func (s *faultyStore) MoveTicket(ctx context.Context, c portal.MoveChange) error {
	s.calls.Add(1)
	return s.write(func() error { return s.fullStore.MoveTicket(ctx, c) })
}

func (s *faultyStore) SubmitTicket(ctx context.Context, c portal.SubmitChange) (portal.SubmitResult, error) {
	s.calls.Add(1)
	var res portal.SubmitResult
	err := s.write(func() (err error) {
		res, err = s.fullStore.SubmitTicket(ctx, c)
		return err
	})
	if err != nil {
		return portal.SubmitResult{}, err
	}
	return res, nil
}

func (s *faultyStore) Register(ctx context.Context, c portal.RegisterChange) error {
	return s.write(func() error { return s.fullStore.Register(ctx, c) })
}

// newFaultyDemo is a demo over a faultyStore on the memory store, which
// keeps its files in memory.
func newFaultyDemo(t *testing.T) (*demo, *faultyStore, *blobs.Memory) {
	t.Helper()
	store := &faultyStore{fullStore: memstore.New()}
	mem := blobs.NewMemory()
	return newDemo(t, store, mem), store, mem
}

// faultyBlobs fails every Put after the first ok ones, having written part
// of the file first.
type faultyBlobs struct {
	*blobs.Memory
	ok atomic.Int64
}

func (b *faultyBlobs) Put(ctx context.Context, key string, data []byte) error {
	if b.ok.Add(-1) < 0 {
		_ = b.Memory.Put(ctx, key, data[:len(data)/2]) // a torn write
		return errInjected
	}
	return b.Memory.Put(ctx, key, data)
}

var png = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 64)...)

func files(n int) []portal.AttachmentInput {
	var out []portal.AttachmentInput
	for range n {
		out = append(out, portal.AttachmentInput{Name: "shot.png", Content: bytes.NewReader(png)})
	}
	return out
}

// A store step that fails leaves nothing: no message, no event, and the
// files put before it are deleted again. When the fault is gone, the same
// action lands whole, with the first event number: nothing was lost or
// half-written in between.
// covers: P5, P6, P8 (outbox atomicity)
func TestFailedActionLeavesNothing(t *testing.T) {
	ctx := context.Background()
	d, store, mem := newFaultyDemo(t)
	messages := d.messageCount(t)
	before, err := d.p.Ticket(ctx, d.data.Tenant.ID, d.ticket)
	require.NoError(t, err)

	store.fail.Store(true)
	_, err = d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{Text: "with files", Attachments: files(3)})
	require.ErrorIs(t, err, portal.ErrInternal)
	assert.NotContains(t, err.Error(), "injected", "the cause is hidden from the customer")
	assert.ErrorIs(t, err, errInjected, "and kept for the logs")
	_, err = d.p.Close(ctx, d.viewer, d.ticket)
	require.ErrorIs(t, err, portal.ErrInternal)
	_, err = d.p.SubmitTicket(ctx, d.viewer, portal.SubmissionInput{Values: map[string]any{
		"subject": "S", "content": "C"}, Key: "k1"})
	require.ErrorIs(t, err, portal.ErrInternal)

	assert.Empty(t, mem.Keys(), "no file left behind")
	assert.Equal(t, messages, d.messageCount(t), "no message")
	assert.Empty(t, d.events(t), "no event")
	after, err := d.p.Ticket(ctx, d.data.Tenant.ID, d.ticket)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the ticket is as it was")

	store.fail.Store(false)
	m, err := d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{Text: "with files", Attachments: files(3)})
	require.NoError(t, err)
	assert.Len(t, mem.Keys(), 3)
	res, err := d.p.SubmitTicket(ctx, d.viewer, portal.SubmissionInput{Values: map[string]any{
		"subject": "S", "content": "C"}, Key: "k1"})
	require.NoError(t, err)
	assert.True(t, res.Created, "the failed submission did not use up its key")
	evs := d.events(t)
	require.Len(t, evs, 2)
	assert.Equal(t, int64(1), evs[0].Seq)
	assert.Equal(t, m.ID, evs[0].MessageID)
}

// A reply, a submission or a close whose commit's acknowledgement is lost
// was made: the Portal finds it, keeps its files and says it was done, and
// the customer's retry with the same key is the same reply or ticket, not
// a second one. A reply with the same key and other content is refused.
// Neither leaves a file behind.
// covers: P5, P8, X8
func TestLostAcknowledgementLosesNothing(t *testing.T) {
	ctx := context.Background()
	d, store, mem := newFaultyDemo(t)
	messages := d.messageCount(t)

	store.lost.Store(true)
	in := portal.ReplyInput{Text: "with files", Attachments: files(2), Key: "reply-1"}
	m, err := d.p.Reply(ctx, d.viewer, d.ticket, in)
	require.NoError(t, err, "the reply was committed")
	assert.Len(t, mem.Keys(), 2, "its files stay")
	sub := portal.SubmissionInput{Values: map[string]any{"subject": "S", "content": "C"}, Key: "form-1"}
	res, err := d.p.SubmitTicket(ctx, d.viewer, sub)
	require.NoError(t, err, "the submission was committed")
	assert.True(t, res.Created)
	store.lost.Store(false)

	in.Attachments = files(2)
	again, err := d.p.Reply(ctx, d.viewer, d.ticket, in)
	require.NoError(t, err)
	assert.Equal(t, m.ID, again.ID, "the retry is the first reply")
	assert.Len(t, again.Attachments, 2)
	assert.Len(t, mem.Keys(), 2, "the retry's files are not kept twice")
	assert.Equal(t, messages+1, d.messageCount(t), "one message")
	res2, err := d.p.SubmitTicket(ctx, d.viewer, sub)
	require.NoError(t, err)
	assert.Equal(t, portal.SubmitResult{TicketID: res.TicketID, Number: res.Number, Ref: res.Ref, Created: false}, res2)
	assert.Len(t, d.events(t), 2, "one event each")

	other := portal.ReplyInput{Text: "something else", Attachments: files(1), Key: "reply-1"}
	_, err = d.p.Reply(ctx, d.viewer, d.ticket, other)
	var ce *portal.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "key", ce.Field)
	assert.Len(t, mem.Keys(), 2, "the refused reply's file is gone")
	assert.Equal(t, messages+1, d.messageCount(t))

	_, err = d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{Text: "x", Key: strings.Repeat("k", portal.MaxKey+1)})
	requireField(t, err, "key")

	store.lost.Store(true)
	closed, err := d.p.Close(ctx, d.viewer, d.ticket)
	require.NoError(t, err, "the close was committed")
	assert.False(t, closed.AlreadyClosed)
	store.lost.Store(false)
	again2, err := d.p.Close(ctx, d.viewer, d.ticket)
	require.NoError(t, err)
	assert.True(t, again2.AlreadyClosed, "and it is closed")
	assert.Len(t, d.events(t), 3, "one event for the close")
}

// A store that stays busy past its retry budget, or loses its database
// (X7), answers an action with a *BusyError: an ErrConflict that says "try
// again", never ErrInternal. Portal returns it at once rather than
// deciding the action again as after a plain conflict, and a keyed
// submission is not taken for a key used with other values. When the
// commit was lost (Unknown), the action is found done.
// covers: X7
func TestBusyStoreMeansTryAgain(t *testing.T) {
	ctx := context.Background()
	d, store, mem := newFaultyDemo(t)
	store.fail.Store(true)
	store.busy.Store(true)
	busy := func(t *testing.T, err error) {
		t.Helper()
		var be *portal.BusyError
		require.ErrorAs(t, err, &be)
		require.ErrorIs(t, err, portal.ErrConflict)
		assert.NotErrorIs(t, err, portal.ErrInternal)
		var ce *portal.ConflictError
		assert.False(t, errors.As(err, &ce), "not a conflict of the action's own: %v", err)
		assert.EqualValues(t, 1, store.calls.Swap(0), "the store is asked once")
	}
	_, err := d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{Text: "busy", Key: "r1"})
	busy(t, err)
	_, err = d.p.Close(ctx, d.viewer, d.ticket)
	busy(t, err)
	sub := portal.SubmissionInput{Values: map[string]any{"subject": "S", "content": "C"}, Key: "form-1"}
	_, err = d.p.SubmitTicket(ctx, d.viewer, sub)
	busy(t, err)
	assert.Empty(t, d.events(t), "nothing was written")

	// Its commit may still land, with its files: they stay (pending).
	store.lost.Store(true)
	_, err = d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{Text: "files", Attachments: files(2), Key: "r2"})
	busy(t, err)
	assert.Len(t, mem.Keys(), 2, "the files of a reply that may be written stay")

	store.fail.Store(false)
	store.lost.Store(true) // written, though the store could not tell
	m, err := d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{Text: "busy", Key: "r1"})
	require.NoError(t, err, "the reply was committed")
	res, err := d.p.SubmitTicket(ctx, d.viewer, sub)
	require.NoError(t, err, "the submission was committed")
	closed, err := d.p.Close(ctx, d.viewer, d.ticket)
	require.NoError(t, err, "the close was committed")
	assert.False(t, closed.AlreadyClosed)
	evs := d.events(t)
	require.Len(t, evs, 3, "one event each")
	assert.Equal(t, m.ID, evs[0].MessageID)
	assert.Equal(t, res.TicketID, evs[1].TicketID)
}

// A failing blob store fails the reply with nothing written: the files put
// before the failure, and the torn one, are deleted.
// covers: P5 (attachments)
func TestFailingBlobsLeaveNothing(t *testing.T) {
	ctx := context.Background()
	b := &faultyBlobs{Memory: blobs.NewMemory()}
	d := newDemo(t, memstore.New(), b)
	messages := d.messageCount(t)
	b.ok.Store(2)
	_, err := d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{Text: "three files", Attachments: files(3)})
	require.ErrorIs(t, err, portal.ErrInternal)
	assert.Empty(t, b.Keys(), "no file left behind")
	assert.Equal(t, messages, d.messageCount(t), "no message")
	assert.Empty(t, d.events(t), "no event")
}

// Without Blobs a reply takes no attachments, and says so.
// covers: P5
func TestNoBlobsNoAttachments(t *testing.T) {
	d := newDemo(t, memstore.New(), nil)
	_, err := d.p.Reply(context.Background(), d.viewer, d.ticket, portal.ReplyInput{Text: "x", Attachments: files(1)})
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("attachments"))
	assert.Empty(t, d.events(t))
}

// A reply whose HTML keeps no text once sanitised is shown by its plain
// text, never stored with an empty body; with no text either it is refused.
// covers: P5
func TestReplyBodyNeverEmpty(t *testing.T) {
	d := newDemo(t, memstore.New(), nil)
	ctx := context.Background()
	for _, tc := range []struct{ html, text, body string }{
		{"<table></table>", "hello", "hello"},
		{"<p> </p><font></font>", "a <b>\nc", "a &lt;b&gt;<br>c"},
		{"<p><br></p>", "x", "x"},
	} {
		m, err := d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{HTML: tc.html, Text: tc.text})
		require.NoError(t, err, tc.html)
		assert.Equal(t, tc.body, m.Body, tc.html)
		assert.Equal(t, strings.TrimSpace(tc.text), m.Text, tc.html)
	}
	n := d.messageCount(t)
	for _, h := range []string{"<table></table>", "<p> </p>", "<font></font>"} {
		_, err := d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{HTML: h})
		var ve *portal.ValidationError
		require.ErrorAs(t, err, &ve, h)
		assert.True(t, ve.Has("text"), "%s: %v", h, err)
	}
	assert.Equal(t, n, d.messageCount(t), "nothing stored")
}

// Bad replies are refused naming their field, and leave nothing: no
// message, no thread, no event, the ticket untouched.
// covers: P5, X8
func TestReplyBadInputWritesNothing(t *testing.T) {
	w := newWorld(t, portal.OwnTickets)
	ctx := context.Background()
	ann := portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}
	id := w.annT.ID
	reply := func(html string) portal.ReplyInput { return portal.ReplyInput{HTML: html} }
	big := strings.Repeat("a", 10<<20)
	for _, tc := range []struct {
		name  string
		in    portal.ReplyInput
		field string
	}{
		{"empty", portal.ReplyInput{}, "text"},
		{"blank", portal.ReplyInput{HTML: " <p> </p> ", Text: "  "}, "text"},
		{"10 MB of HTML", reply("<p>" + big + "</p>"), "html"},
		{"10 MB of text", portal.ReplyInput{Text: big}, "text"},
		{"script", reply(`<p>hi</p><script>alert(1)</script>`), "html"},
		{"script in odd case", reply(`<ScRiPt src="//evil.example/x.js"></sCrIpT>`), "html"},
		{"onerror", reply(`<img src=x onerror="alert(1)">`), "html"},
		{"onclick on a link", reply(`<a href="https://example.com" onclick="steal()">x</a>`), "html"},
		{"javascript: link", reply(`<a href="javascript:alert(1)">x</a>`), "html"},
		{"javascript: link, obfuscated", reply(`<a href=" java&#x09;script:alert(1)">x</a>`), "html"},
		{"vbscript: link", reply(`<a href="VBScript:msgbox(1)">x</a>`), "html"},
		{"data: link", reply(`<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>`), "html"},
		{"CSS expression", reply(`<p style="width: expression(alert(1))">x</p>`), "html"},
		{"style element", reply(`<style>body{background:url(javascript:alert(1))}</style><p>x</p>`), "html"},
		{"remote image", reply(`<p>x</p><img src="https://tracker.example/p.gif">`), "html"},
		{"iframe", reply(`<iframe src="https://evil.example"></iframe>`), "html"},
		{"invalid UTF-8", reply("<p>\xff</p>"), "html"},
		{"NUL", portal.ReplyInput{Text: "a\x00b"}, "text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.p.Reply(ctx, ann, id, tc.in)
			requireField(t, err, tc.field)
		})
	}
	ths, err := w.p.Threads(ctx, w.tenant.ID, id)
	require.NoError(t, err)
	assert.Empty(t, ths, "no thread, so no message")
	evs, err := w.p.Events(ctx, w.tenant.ID, 0, portal.MaxEvents)
	require.NoError(t, err)
	assert.Empty(t, evs, "no event")
	got, err := w.p.Ticket(ctx, w.tenant.ID, id)
	require.NoError(t, err)
	assert.Equal(t, w.annT.LastActivityAt, got.LastActivityAt, "the ticket is untouched")
}

// Bad submissions of the support form are refused naming their field,
// and create nothing.
// covers: P8, S6, X8
func TestSubmitBadInputCreatesNothing(t *testing.T) {
	w := newWorld(t, portal.OwnTickets)
	ctx := context.Background()
	pid := w.tenant.ID
	for _, p := range []portal.Property{
		{Name: "product", Label: "Product", Type: portal.Enumeration,
			Options: []portal.Option{{Value: "app", Label: "App"}, {Value: "web", Label: "Web"}}},
		{Name: "order", Label: "Order number", Type: portal.Number},
		{Name: "urgent", Label: "Urgent", Type: portal.Boolean},
		{Name: "since", Label: "Since", Type: portal.Date},
		{Name: "note", Label: "Note", Type: portal.Text},
	} {
		require.NoError(t, w.p.RegisterProperty(ctx, pid, portal.TicketObject, p))
	}
	form, err := w.p.SaveForm(ctx, portal.Form{PortalID: pid, Name: "Support", ChannelID: w.channel.ID, Fields: []portal.FormField{
		{Property: portal.PropSubject, Label: "What is it about?"}, {Property: "product", Required: true},
		{Property: "order"}, {Property: portal.PropPriority}, {Property: "urgent"}, {Property: "since"}, {Property: "note"}}})
	require.NoError(t, err)
	w.set(t, func(s *portal.Settings) {
		s.SupportForm = portal.SupportForm{Enabled: true, MenuText: "Ask us", HeadingText: "Ask us anything", FormID: form.ID}
	})
	ann := portal.Viewer{PortalID: pid, ContactID: w.ann.ID}
	before := w.subjects(t, w.ann, portal.ListQuery{Limit: 25})
	good := func() map[string]any { return map[string]any{"subject": "S", "content": "C", "product": "app"} }
	with := func(k string, v any) map[string]any { m := good(); m[k] = v; return m }
	without := func(k string) map[string]any { m := good(); delete(m, k); return m }
	for _, tc := range []struct {
		name   string
		values map[string]any
		key    string
		field  string
	}{
		{"nothing", nil, "", "values.subject"},
		{"no subject", without("subject"), "", "values.subject"},
		{"empty subject", with("subject", "   "), "", "values.subject"},
		{"a subject of 10,000 characters", with("subject", strings.Repeat("x", 10000)), "", "values.subject"},
		{"a subject that is a number", with("subject", 7), "", "values.subject"},
		{"no content", without("content"), "", "values.content"},
		{"a required enumeration missing", without("product"), "", "values.product"},
		{"an option that is not one", with("product", "fax"), "", "values.product"},
		{"an option that is not a string", with("product", 1), "", "values.product"},
		{"a number that is a text", with("order", "42"), "", "values.order"},
		{"a number that is not finite", with("order", math.Inf(1)), "", "values.order"},
		{"an integer too large to keep exactly", with("order", uint64(1<<53+1)), "", "values.order"},
		{"an integer too small to keep exactly", with("order", int64(-1<<60)), "", "values.order"},
		{"a number of another kind", with("order", complex(1, 0)), "", "values.order"},
		{"content over its byte limit", with("content", strings.Repeat("c", portal.MaxContent+1)), "", "values.content"},
		{"a boolean that is a text", with("urgent", "yes"), "", "values.urgent"},
		{"a date that is a text", with("since", "2025-01-01"), "", "values.since"},
		{"a priority not among the options", with("priority", "asap"), "", "values.priority"},
		{"a text too long", with("note", strings.Repeat("n", 70<<10)), "", "values.note"},
		{"an unknown field", with("owner", "me"), "", "values.owner"},
		{"a field not on the form", with("status", "closed"), "", "values.status"},
		{"a key too long", good(), strings.Repeat("k", portal.MaxKey+1), "key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.p.SubmitTicket(ctx, ann, portal.SubmissionInput{Values: tc.values, Key: tc.key})
			requireField(t, err, tc.field)
		})
	}
	assert.Equal(t, before, w.subjects(t, w.ann, portal.ListQuery{Limit: 25}), "no ticket")
	evs, err := w.p.Events(ctx, pid, 0, portal.MaxEvents)
	require.NoError(t, err)
	assert.Empty(t, evs, "no event")
}
