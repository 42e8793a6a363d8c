package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var listDetailTests = []test{
	{name: "ConversationIsTheOldestPortalThreadWithoutInternals", fn: testDetailConversation},
	{name: "DetailAndListRenderTheSameCells", fn: testDetailRendering},
}

// The conversation (S9) is the oldest thread marked visible in the portal
// (by creation time, then ID), oldest message first (then ID), without
// internal notes, comments or messages of internal senders.
// covers: S9, P4
func testDetailConversation(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.set(func(st *portal.Settings) {
		st.Conversations.InternalSenders = []string{"boss@acme.dk", "@Helpdesk.example"}
	})
	ann := w.viewer(w.ann)
	tk := w.tickets[w.id("Ann alone")]
	thread := func(visible bool, at time.Time, id uuid.UUID) portal.Thread {
		t.Helper()
		if id != uuid.Nil {
			w.ids.queue(id)
		}
		th, err := w.p.SaveThread(ctx(t), portal.Thread{PortalID: w.pid, TicketID: tk.ID, VisibleInPortal: visible, CreatedAt: at})
		require.NoError(t, err)
		return th
	}
	add := func(th portal.Thread, id uuid.UUID, kind portal.MessageKind, from, text string, at time.Time, att ...portal.Attachment) {
		t.Helper()
		if id != uuid.Nil {
			w.ids.queue(id)
		}
		m, err := w.p.AddMessage(ctx(t), portal.Message{PortalID: w.pid, ThreadID: th.ID, Kind: kind, From: from,
			Text: text, Body: "<p>" + text + "</p>", CreatedAt: at, Attachments: att})
		require.NoError(t, err)
		if id != uuid.Nil {
			require.Equal(t, id, m.ID)
		}
	}
	base := listNow.Add(-5 * time.Hour)
	tids := ascendingIDs(t, 2)
	hidden := thread(false, base, uuid.Nil)
	newer := thread(true, base.Add(2*time.Hour), uuid.Nil)
	tieHigh := thread(true, base.Add(time.Hour), tids[1])
	tieLow := thread(true, base.Add(time.Hour), tids[0])

	mids := ascendingIDs(t, 2)
	m := func(min int) time.Time { return base.Add(time.Hour + time.Duration(min)*time.Minute) }
	att := portal.Attachment{ID: newID(t), Name: "fejl.png", ContentType: "image/png", Size: 2048, BlobKey: "b/fejl.png"}
	add(tieLow, uuid.Nil, portal.AgentMessage, "kim@nothelpdesk.example", "Not internal: another domain", m(6))
	add(tieLow, mids[1], portal.AgentMessage, "kim@support.example", "Same time, higher ID", m(9))
	add(tieLow, uuid.Nil, portal.CustomerMessage, "ann@acme.dk", "Hjælp, printeren brænder", m(1), att)
	add(tieLow, uuid.Nil, portal.InternalNote, "kim@support.example", "internal note", m(2))
	add(tieLow, uuid.Nil, portal.Comment, "kim@support.example", "comment", m(3))
	add(tieLow, uuid.Nil, portal.AgentMessage, "Boss@Acme.DK", "from an internal address", m(4))
	add(tieLow, uuid.Nil, portal.AgentMessage, "kim@HELPDESK.example", "from an internal domain", m(5))
	add(tieLow, mids[0], portal.CustomerMessage, "ann@acme.dk", "Same time, lower ID", m(9))
	add(hidden, uuid.Nil, portal.AgentMessage, "kim@support.example", "in the hidden thread", base)
	add(newer, uuid.Nil, portal.AgentMessage, "kim@support.example", "in the newer thread", m(0))
	add(tieHigh, uuid.Nil, portal.AgentMessage, "kim@support.example", "in the tied thread with the higher ID", m(0))

	d, err := w.p.TicketDetail(ctx(t), ann, tk.ID)
	require.NoError(t, err)
	assert.Equal(t, tieLow.ID, d.ThreadID)
	var texts []string
	var fromContact []bool
	for _, msg := range d.Conversation {
		texts = append(texts, msg.Text)
		fromContact = append(fromContact, msg.FromContact)
	}
	assert.Equal(t, []string{"Hjælp, printeren brænder", "Not internal: another domain", "Same time, lower ID", "Same time, higher ID"}, texts)
	assert.Equal(t, []bool{true, false, true, false}, fromContact)
	if assert.Len(t, d.Conversation, 4) {
		first := d.Conversation[0]
		assert.Equal(t, "ann@acme.dk", first.From)
		assert.Equal(t, "<p>Hjælp, printeren brænder</p>", first.Body)
		assert.Equal(t, m(1), first.CreatedAt)
		shown := att
		shown.BlobKey = "" // the host's business, not the contact's
		assert.Equal(t, []portal.Attachment{shown}, first.Attachments)
		assert.Equal(t, mids[0], d.Conversation[2].ID)
		assert.Equal(t, mids[1], d.Conversation[3].ID)
	}

	// The agent marks the older hidden thread visible: it is shown instead.
	hidden.VisibleInPortal = true
	_, err = w.p.SaveThread(ctx(t), hidden)
	require.NoError(t, err)
	d, err = w.p.TicketDetail(ctx(t), ann, tk.ID)
	require.NoError(t, err)
	assert.Equal(t, hidden.ID, d.ThreadID)
	if assert.Len(t, d.Conversation, 1) {
		assert.Equal(t, "in the hidden thread", d.Conversation[0].Text)
	}

	// Internal senders are read at every request.
	hidden.VisibleInPortal = false
	_, err = w.p.SaveThread(ctx(t), hidden)
	require.NoError(t, err)
	w.set(func(st *portal.Settings) { st.Conversations.InternalSenders = []string{"@support.example"} })
	d, err = w.p.TicketDetail(ctx(t), ann, tk.ID)
	require.NoError(t, err)
	texts = nil
	for _, msg := range d.Conversation {
		texts = append(texts, msg.Text)
	}
	assert.Equal(t, []string{"Hjælp, printeren brænder", "from an internal address", "from an internal domain",
		"Not internal: another domain", "Same time, lower ID"}, texts)

	// A ticket without a visible thread, or without threads, has no conversation.
	other := w.tickets[w.id("Ann and Acme")]
	th, err := w.p.SaveThread(ctx(t), portal.Thread{PortalID: w.pid, TicketID: other.ID, CreatedAt: base})
	require.NoError(t, err)
	add(th, uuid.Nil, portal.CustomerMessage, "ann@acme.dk", "hidden thread", base)
	for _, name := range []string{"Ann and Acme", "Ann and Carl"} {
		d, err = w.p.TicketDetail(ctx(t), ann, w.id(name))
		require.NoError(t, err, name)
		assert.Equal(t, uuid.Nil, d.ThreadID, name)
		assert.Empty(t, d.Conversation, name)
	}
}

// The detail shows the same cells as the ticket's list row: owner by the
// chosen name style or NoOwner, status Open/Closed or the stage's name.
// covers: S8, P1, P4
func testDetailRendering(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.set(func(st *portal.Settings) {
		st.Display.TicketName = "Sager"
		st.Display.Columns = []portal.Column{
			{Property: portal.PropSubject, Label: "Emne"}, {Property: portal.PropOwner}, {Property: portal.PropStatus},
			{Property: portal.PropRequestedBy}, {Property: portal.PropPriority}, {Property: portal.PropCreatedAt},
		}
	})
	ida := w.owner("Ida", "Holm", "Support-Ida")
	created := time.Date(2025, 6, 1, 8, 30, 59, 0, time.UTC)
	w.ticket(portal.Ticket{Subject: "R owned", OwnerID: ida.ID, StageID: w.stage("Waiting"), Priority: portal.PriorityHigh,
		ContactIDs: []uuid.UUID{w.ann.ID}, RequesterID: w.ann.ID, CreatedAt: created})
	w.ticket(portal.Ticket{Subject: "R unowned", StageID: w.stage("Rejected"), ContactIDs: []uuid.UUID{w.ann.ID}, CreatedAt: created.Add(time.Hour)})
	ann := w.viewer(w.ann)
	q := portal.ListQuery{Search: "R", Sort: portal.PropCreatedAt, Filters: []portal.Filter{flt(portal.PropSubject, portal.StartsWith, "R ")}}

	texts := func(cells []portal.Cell) []string {
		var out []string
		for _, c := range cells {
			out = append(out, c.Text)
		}
		return out
	}
	for _, tc := range []struct {
		style      portal.OwnerName
		showStages bool
		owner      string
		open, shut string
	}{
		{portal.OwnerFirstName, false, "Ida", portal.OpenLabel, portal.ClosedLabel},
		{portal.OwnerFullName, false, "Ida Holm", portal.OpenLabel, portal.ClosedLabel},
		{portal.OwnerLastName, true, "Holm", "Waiting", "Rejected"},
		{portal.OwnerAlias, true, "Support-Ida", "Waiting", "Rejected"},
	} {
		w.set(func(st *portal.Settings) { st.Display.OwnerName, st.Display.ShowStages = tc.style, tc.showStages })
		tv := w.view(ann, q)
		assert.Equal(t, "Sager", tv.TicketName)
		var labels []string
		for _, c := range tv.Columns {
			labels = append(labels, c.Label)
		}
		assert.Equal(t, []string{"Emne", "Ticket owner", "Status", "Requested by", "Priority", "Create date"}, labels)
		require.Len(t, tv.Rows, 2, tc.style)
		owned, unowned := tv.Rows[0], tv.Rows[1]
		assert.Equal(t, []string{"R owned", tc.owner, tc.open, "Ann Andersen", "High", "2025-06-01 08:30"}, texts(owned.Cells), tc.style)
		assert.Equal(t, []string{"R unowned", portal.NoOwner, tc.shut, "", "", "2025-06-01 09:30"}, texts(unowned.Cells), tc.style)
		assert.Equal(t, ida.ID, owned.Cells[1].Value)
		assert.Nil(t, unowned.Cells[1].Value, "no owner has no value")
		assert.Equal(t, portal.StatusOpen, owned.Cells[2].Value)
		assert.Equal(t, portal.StatusClosed, unowned.Cells[2].Value)
		assert.Equal(t, w.ann.ID, owned.Cells[3].Value)
		assert.Equal(t, "high", owned.Cells[4].Value)
		assert.Equal(t, created, owned.Cells[5].Value)
		assert.False(t, owned.Closed)
		assert.True(t, unowned.Closed)

		for _, row := range tv.Rows {
			d, err := w.p.TicketDetail(ctx(t), ann, row.ID)
			require.NoError(t, err)
			assert.Equal(t, row.Cells, d.Cells, "detail cells of %s", w.subject[row.ID])
			assert.Equal(t, row.Closed, d.Closed)
			assert.Equal(t, tv.Columns, d.Columns)
			assert.Equal(t, "Sager", d.TicketName)
		}
	}
}
