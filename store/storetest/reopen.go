package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// A customer reopens a closed ticket (P13): within the window, to the
// chosen open stage, with an event; the lists see it open at once. Every
// refusal names its rule and writes nothing.
// covers: P13, S10, X4
func testReopen(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	ann := w.viewer(w.ann)
	id := w.id("Ann alone")
	verdict := func(p *portal.Portal) portal.ActionVerdict {
		t.Helper()
		d, err := p.TicketDetail(ctx(t), ann, id)
		require.NoError(t, err)
		e, err := p.Explain(ctx(t), w.pid, w.ann.ID, id)
		require.NoError(t, err)
		i := slices.IndexFunc(e.Actions, func(a portal.ActionVerdict) bool { return a.Action == "reopen" })
		require.GreaterOrEqual(t, i, 0, "Explain tells of reopening")
		assert.Equal(t, d.CanReopen, e.Actions[i].Allowed, "detail and Explain agree")
		return e.Actions[i]
	}
	refused := func(p *portal.Portal, rule string) {
		t.Helper()
		before := len(w.events())
		stored := w.stored(id)
		_, err := p.Reopen(ctx(t), ann, id)
		require.ErrorIs(t, err, portal.ErrForbidden)
		assert.Contains(t, err.Error(), rule)
		assert.Equal(t, rule, verdict(p).Rule)
		assert.Len(t, w.events(), before, "a refusal writes no event")
		assert.Equal(t, stored, w.stored(id), "nor changes the ticket")
	}

	refused(w.p, "actions.reopen") // off by default, and open
	w.set(func(st *portal.Settings) {
		st.Actions.CustomerClose = true
		st.Actions.CloseStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.stage("Solved")}
		st.Actions.Reopen, st.Actions.ReopenDays = true, 7
		st.Actions.ReopenStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.stage("Waiting")}
	})
	refused(w.p, "actions.reopen") // the ticket is open
	_, err := w.p.Close(ctx(t), ann, id)
	require.NoError(t, err)
	assert.Equal(t, listNow, w.stored(id).ClosedAt, "a close keeps when the ticket closed")

	// Eight days later the window of seven has passed.
	later, err := portal.New(s, portal.Options{Now: func() time.Time { return listNow.AddDate(0, 0, 8) }})
	require.NoError(t, err)
	refused(later, "actions.reopenDays")
	_, err = w.p.Reopen(ctx(t), w.viewer(w.carl), id)
	require.ErrorIs(t, err, portal.ErrNotFound, "out of scope is not found, as a missing ticket is")
	_, err = w.p.Reopen(ctx(t), portal.Viewer{PortalID: w.pid, ContactID: w.ann.ID, Preview: true}, id)
	require.ErrorIs(t, err, portal.ErrForbidden, "a preview is read-only")

	open := func() []string {
		return w.list(ann, portal.ListQuery{View: portal.OwnedByMe, Status: portal.StatusOpen, Sort: portal.PropLastActivityAt, Desc: true})
	}
	require.NotContains(t, open(), "Ann alone")
	assert.True(t, verdict(w.p).Allowed)
	res, err := w.p.Reopen(ctx(t), ann, id)
	require.NoError(t, err)
	assert.Equal(t, portal.ReopenResult{StageID: w.stage("Waiting")}, res)
	tk := w.requireOpenIn(id, "Waiting", "open again, in the chosen open stage")
	assert.Equal(t, listNow, tk.LastActivityAt)
	assert.Contains(t, open(), "Ann alone", "the list sees it open at once")
	evs := w.requireEventKinds(portal.EventClose, portal.EventReopen)
	assert.Equal(t, id, evs[1].TicketID)
	assert.Equal(t, w.stage("Waiting"), evs[1].StageID)
	assert.Equal(t, w.ann.ID, evs[1].ContactID)
	refused(w.p, "actions.reopen") // open again

	// Without a chosen stage a ticket reopens to its pipeline's first
	// open stage, and without a window at any time.
	w.set(func(st *portal.Settings) { st.Actions.ReopenStages, st.Actions.ReopenDays = nil, 0 })
	_, err = w.p.Close(ctx(t), ann, id)
	require.NoError(t, err)
	res, err = later.Reopen(ctx(t), ann, id)
	require.NoError(t, err)
	assert.Equal(t, w.stage("New"), res.StageID)
}

// A reply to a closed ticket reopens it when the settings say so (P13),
// in the reply's own step; its event names the stage.
// covers: P13, P5, S10
func testReplyReopens(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	ann := w.viewer(w.ann)
	id := w.id("Ann alone")
	w.set(func(st *portal.Settings) {
		st.Actions.CustomerClose, st.Actions.ReplyToClosed = true, true
		st.Actions.CloseStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.stage("Solved")}
	})
	_, err := w.p.Close(ctx(t), ann, id)
	require.NoError(t, err)
	_, err = w.p.Reply(ctx(t), ann, id, portal.ReplyInput{Text: "One more thing"})
	require.NoError(t, err)
	assert.Equal(t, w.stage("Solved"), w.stored(id).StageID, "replies do not reopen by default")
	assert.Equal(t, uuid.Nil, w.events()[1].StageID)

	w.set(func(st *portal.Settings) { st.Actions.ReplyReopens = true })
	e, err := w.p.Explain(ctx(t), w.pid, w.ann.ID, id)
	require.NoError(t, err)
	assert.Contains(t, e.Actions[0].Reason, "reopens")
	_, err = w.p.Reply(ctx(t), ann, id, portal.ReplyInput{Text: "It broke again"})
	require.NoError(t, err)
	w.requireOpenIn(id, "New", "reopened to the first open stage")
	evs := w.requireEventKinds(portal.EventClose, portal.EventReply, portal.EventReply)
	assert.Equal(t, w.stage("New"), evs[2].StageID, "the reply's event names the stage it reopened to")
	assert.Len(t, w.messages(id), 2, "both replies kept")
}

// MoveTicket keeps ClosedAt as the change says; AddReply with Reopen moves
// the ticket and clears it, only from its IfStage (P13).
// covers: P13, P5, P6
func testMoveAndReopenContract(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	id := w.id("Ann alone")
	visible := w.thread("Ann alone", true, before)
	event := func(kind portal.EventKind) portal.Event { return w.event(kind, id) }
	closedAt := listNow.Add(-time.Minute)
	require.NoError(t, s.MoveTicket(ctx(t), portal.MoveChange{PortalID: w.pid, TicketID: id, From: w.stage("New"),
		To: w.stage("Solved"), ClosedAt: closedAt, At: closedAt, Event: event(portal.EventClose)}))
	tk := w.stored(id)
	assert.Equal(t, w.stage("Solved"), tk.StageID)
	assert.Equal(t, closedAt, tk.ClosedAt)

	msg := func() portal.Message { return w.replyTo(visible) }
	require.ErrorIs(t, s.AddReply(ctx(t), portal.ReplyChange{Message: msg(), IfStage: w.stage("Rejected"), Reopen: w.stage("New"),
		Event: event(portal.EventReply)}), portal.ErrConflict, "the ticket left the stage the reopen was decided on")
	assert.Equal(t, tk, w.stored(id), "nothing changed")
	require.NoError(t, s.AddReply(ctx(t), portal.ReplyChange{Message: msg(), IfStage: w.stage("Solved"), Reopen: w.stage("Waiting"),
		Event: event(portal.EventReply)}))
	tk = w.requireOpenIn(id, "Waiting")
	assert.Equal(t, listNow, tk.LastActivityAt)

	require.NoError(t, s.MoveTicket(ctx(t), portal.MoveChange{PortalID: w.pid, TicketID: id, From: w.stage("Waiting"),
		To: w.stage("Rejected"), ClosedAt: listNow, At: listNow, Event: event(portal.EventClose)}))
	require.NoError(t, s.MoveTicket(ctx(t), portal.MoveChange{PortalID: w.pid, TicketID: id, From: w.stage("Rejected"),
		To: w.stage("New"), At: listNow, Event: event(portal.EventReopen)}))
	w.requireOpenIn(id, "New", "a reopen clears ClosedAt")
	w.requireEventKinds(portal.EventClose, portal.EventReply, portal.EventClose, portal.EventReopen)
}

// A close that lands between a reply's decision (on an open ticket) and
// its write, when replies reopen: the reply is decided again on the
// closed ticket, and reopens it (P13).
// covers: P13, P5, P6
func testReplyRacingCloseReopens(t *testing.T, s portal.Store) {
	r := &storeRacer{Store: s}
	w := newActionWorld(t, r)
	ann := w.viewer(w.ann)
	id := w.id("Ann alone")
	w.set(func(st *portal.Settings) {
		st.Actions.CustomerClose, st.Actions.ReplyToClosed, st.Actions.ReplyReopens = true, true, true
		st.Actions.CloseStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.stage("Solved")}
	})
	r.beforeReply = func() {
		_, err := w.p.Close(ctx(t), ann, id)
		require.NoError(t, err)
	}
	_, err := w.p.Reply(ctx(t), ann, id, portal.ReplyInput{Text: "Still broken"})
	require.NoError(t, err)
	w.requireOpenIn(id, "New", "the reply reopened what the close closed")
	evs := w.requireEventKinds(portal.EventClose, portal.EventReply)
	assert.Equal(t, w.stage("New"), evs[1].StageID)
}
