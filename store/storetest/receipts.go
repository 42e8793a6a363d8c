package storetest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
)

// files returns attachment inputs of the named contents, each read afresh.
func files(named ...any) []portal.AttachmentInput {
	var out []portal.AttachmentInput
	for i := 0; i+1 < len(named); i += 2 {
		out = append(out, portal.AttachmentInput{Name: named[i].(string), Content: bytes.NewReader(named[i+1].([]byte))})
	}
	return out
}

// The support form takes files under the reply's rules, and a submission
// queues the contact's receipt with the ticket, in one step: a form sent
// again with its key makes no second ticket, keeps no second set of files
// and queues no second receipt. The delivery mails the number and the
// subject (P15).
// covers: P15, P8, P5, X8
func testSubmitFilesAndReceipt(t *testing.T, s portal.Store) {
	as, ok := s.(authStore)
	if !ok {
		t.Skip("a receipt is queued in the store's mail queue (portal.AuthStore)")
	}
	w := newActionWorld(t, s)
	w.supportForm()
	ann := w.viewer(w.ann)
	values := map[string]any{"subject": "Screen flickers", "content": "See the photo.", "product": "app"}
	submit := func(key string, fs []portal.AttachmentInput) (portal.SubmitResult, error) {
		return w.p.SubmitTicket(ctx(t), ann, portal.SubmissionInput{Values: values, Key: key, Attachments: fs})
	}
	receipts := func() []portal.QueuedMail {
		ms, err := as.DueMails(ctx(t), w.pid, listNow.Add(time.Hour), 100)
		require.NoError(t, err)
		return ms
	}
	pending := func() []string {
		keys, err := s.PendingBlobs(ctx(t), w.pid, listNow.Add(24*time.Hour), 100)
		require.NoError(t, err)
		return keys
	}
	nothing := func(why string) {
		t.Helper()
		assert.Empty(t, w.events(), why)
		assert.Empty(t, w.blobs.Keys(), why)
		assert.Empty(t, pending(), why)
		assert.Empty(t, receipts(), why)
	}

	// Refused files: nothing is written, no file kept.
	_, err := submit("k", files("a.png", pngBytes, "b.png", pngBytes, "c.png", pngBytes, "d.png", pngBytes, "e.png", pngBytes))
	requireField(t, err, "attachments")
	nothing("too many files")
	_, err = submit("k", files("setup.exe", pngBytes))
	requireField(t, err, "attachments[0].name")
	nothing("a program")
	_, err = submit("k", files("big.txt", bytes.Repeat([]byte("x"), 2<<10)))
	requireField(t, err, "attachments[0].content")
	nothing("a file over the limit")

	res, err := submit("k", files("photo.png", pngBytes, "notes.txt", []byte("It flickers at 50 Hz.")))
	require.NoError(t, err)
	require.True(t, res.Created)
	ths, err := s.Threads(ctx(t), w.pid, res.TicketID)
	require.NoError(t, err)
	require.Len(t, ths, 1)
	ms, err := s.Messages(ctx(t), w.pid, ths[0].ID)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	require.Len(t, ms[0].Attachments, 2)
	assert.Equal(t, []string{"photo.png", "notes.txt"}, []string{ms[0].Attachments[0].Name, ms[0].Attachments[1].Name})
	assert.Equal(t, "image/png", ms[0].Attachments[0].ContentType, "sniffed")
	kept := w.blobs.Keys()
	assert.Len(t, kept, 2)
	assert.Empty(t, pending(), "the submission's step forgot its files' pending keys")
	d, err := w.p.TicketDetail(ctx(t), ann, res.TicketID)
	require.NoError(t, err)
	require.Len(t, d.Conversation, 1)
	assert.Len(t, d.Conversation[0].Attachments, 2, "the contact sees its files")
	queued := receipts()
	require.Len(t, queued, 1)
	assert.Equal(t, []any{portal.MailReceipt, res.TicketID, w.ann.ID, "ann@acme.dk"},
		[]any{queued[0].Kind, queued[0].TicketID, queued[0].ContactID, queued[0].Email})

	// Sent again with its key and the same files: the first ticket, no
	// second receipt, no second set of files.
	again, err := submit("k", files("photo.png", pngBytes, "notes.txt", []byte("It flickers at 50 Hz.")))
	require.NoError(t, err)
	assert.Equal(t, res.TicketID, again.TicketID)
	assert.False(t, again.Created)
	assert.Len(t, receipts(), 1)
	assert.ElementsMatch(t, kept, w.blobs.Keys())
	assert.Empty(t, pending())
	// With other files it is another submission: refused.
	_, err = submit("k", files("photo.png", pngBytes, "notes.txt", []byte("It flickers at 60 Hz.")))
	requireConflict(t, err, "key")
	assert.ElementsMatch(t, kept, w.blobs.Keys())
	assert.Empty(t, pending())
	assert.Len(t, receipts(), 1)
	assert.Len(t, w.events(), 1)

	// The store queues a receipt only with the ticket it makes: a step it
	// refuses queues none.
	refused := portal.SubmitChange{Ticket: portal.Ticket{ID: newID(t), PortalID: w.pid, Subject: "x", PipelineID: w.pipeline.ID,
		StageID: w.stage("New"), ContactIDs: []uuid.UUID{w.ann.ID}, CreatedAt: listNow, LastActivityAt: listNow},
		ContactID: w.ann.ID, Event: portal.Event{ID: newID(t), PortalID: w.pid, Kind: portal.EventSubmit, At: listNow},
		Receipt: &portal.QueuedMail{ID: newID(t), PortalID: w.pid, Kind: portal.MailReceipt, ContactID: w.ann.ID,
			Email: "ann@acme.dk", QueuedAt: listNow, DueAt: listNow}}
	refused.Thread = portal.Thread{ID: newID(t), PortalID: w.pid, TicketID: refused.Ticket.ID, VisibleInPortal: true, CreatedAt: listNow}
	refused.Message = ms[0] // a message that exists
	refused.Message.TicketID, refused.Message.ThreadID = refused.Ticket.ID, refused.Thread.ID
	_, err = s.SubmitTicket(ctx(t), refused)
	require.ErrorIs(t, err, portal.ErrConflict)
	assert.Len(t, receipts(), 1, "no receipt from a refused step")
	_, err = s.Ticket(ctx(t), w.pid, refused.Ticket.ID)
	require.ErrorIs(t, err, portal.ErrNotFound)

	// The delivery mails the receipt: the number and the subject.
	box := &portaltest.Mailbox{}
	mailer, err := portal.New(s, portal.Options{Now: func() time.Time { return listNow }, Mailer: box})
	require.NoError(t, err)
	n, err := mailer.DeliverMail(ctx(t), w.pid)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	m, ok := box.Last("ann@acme.dk")
	require.True(t, ok)
	assert.Equal(t, portal.MailReceipt, m.Kind)
	assert.Equal(t, res.Ref, m.TicketRef)
	assert.Equal(t, "We have received your request "+res.Ref+": Screen flickers", m.Subject)
	assert.True(t, strings.Contains(m.Body, res.Ref) && strings.Contains(m.Body, "Screen flickers"), m.Body)
	assert.Empty(t, receipts(), "sent, and off the queue")
	n, err = mailer.DeliverMail(ctx(t), w.pid)
	require.NoError(t, err)
	assert.Zero(t, n, "once")

	// A subject with a line break reaches no mail header; a receipt no
	// delivery takes for a week is dropped.
	values["subject"] = "Hi\r\nBcc: eve@evil.example"
	res, err = submit("", nil)
	require.NoError(t, err)
	_, err = mailer.DeliverMail(ctx(t), w.pid)
	require.NoError(t, err)
	m, _ = box.Last("ann@acme.dk")
	assert.NotContains(t, m.Subject, "\n")
	assert.NotContains(t, m.Subject, "\r")
	values["subject"] = "Left in the queue"
	_, err = submit("", nil)
	require.NoError(t, err)
	require.Len(t, receipts(), 1)
	later, err := portal.New(s, portal.Options{Now: func() time.Time { return listNow.Add(portal.MaxMailAge + time.Hour) }})
	require.NoError(t, err)
	_, _, err = later.PurgeExpired(ctx(t), w.pid)
	require.NoError(t, err)
	assert.Empty(t, receipts(), "purged")
}
