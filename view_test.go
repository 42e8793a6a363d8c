package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// The list shows the configured columns, relabelled and in order, and
// renders each cell as S8 says, typed as well.
// covers: S8, P1
func TestListRendersTheConfiguredColumns(t *testing.T) {
	w := newWorld(t, portal.CompanyTickets)
	ctx := context.Background()
	owner, err := w.p.SaveOwner(ctx, portal.Owner{PortalID: w.tenant.ID, FirstName: "Ida", LastName: "Holm", Alias: "Support-Ida"})
	require.NoError(t, err)
	tk := w.annT
	tk.ID, tk.Number = uuid.Nil, 0 // a new ticket, so that it keeps the creation time given
	tk.OwnerID = owner.ID
	tk.RequesterID = w.ann.ID
	tk.Priority = portal.PriorityUrgent
	tk.CreatedAt = time.Date(2026, 3, 4, 5, 6, 59, 0, time.UTC)
	tk.LastActivityAt = time.Time{}
	tk, err = w.p.SaveTicket(ctx, tk)
	require.NoError(t, err)
	_, err = w.p.SaveTicket(ctx, portal.Ticket{ID: w.annT.ID, PortalID: w.tenant.ID, Subject: "Bob's old",
		PipelineID: w.pipeline.ID, StageID: w.pipeline.Stages[0].ID, ContactIDs: []uuid.UUID{w.bob.ID}})
	require.NoError(t, err, "ann's first ticket moves to bob")

	w.set(t, func(s *portal.Settings) {
		s.Display.TicketName = "Sager"
		s.Display.Columns = []portal.Column{
			{Property: "status"}, {Property: "subject", Label: "Emne"}, {Property: "owner"},
			{Property: "priority"}, {Property: "requestedBy"}, {Property: "createdAt"},
		}
	})
	v := portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}
	tv, err := w.p.ListTickets(ctx, v, portal.ListQuery{Limit: 25, View: portal.OwnedByMe})
	require.NoError(t, err)
	assert.Equal(t, "Sager", tv.TicketName)
	var labels []string
	for _, c := range tv.Columns {
		labels = append(labels, c.Label)
	}
	assert.Equal(t, []string{"Status", "Emne", "Ticket owner", "Priority", "Requested by", "Create date"}, labels)
	require.Len(t, tv.Rows, 1)
	cells := tv.Rows[0].Cells
	var texts []string
	for _, c := range cells {
		texts = append(texts, c.Text)
	}
	assert.Equal(t, []string{"Open", "Ann's", "Ida", "Urgent", "Ann", "2026-03-04 05:06"}, texts)
	assert.Equal(t, "open", cells[0].Value)
	assert.Equal(t, owner.ID, cells[2].Value)
	assert.Equal(t, "urgent", cells[3].Value)
	assert.Equal(t, tk.CreatedAt, cells[5].Value)

	for style, want := range map[portal.OwnerName]string{
		portal.OwnerFirstName: "Ida", portal.OwnerFullName: "Ida Holm",
		portal.OwnerLastName: "Holm", portal.OwnerAlias: "Support-Ida",
	} {
		w.set(t, func(s *portal.Settings) { s.Display.OwnerName = style })
		tv, err := w.p.ListTickets(ctx, v, portal.ListQuery{Limit: 25, View: portal.OwnedByMe})
		require.NoError(t, err)
		assert.Equal(t, want, tv.Rows[0].Cells[2].Text, style)
	}

	// Stage names instead of Open/Closed, and the owner placeholder.
	w.set(t, func(s *portal.Settings) { s.Display.ShowStages = true })
	tv, err = w.p.ListTickets(ctx, portal.Viewer{PortalID: w.tenant.ID, ContactID: w.bob.ID},
		portal.ListQuery{Limit: 25, View: portal.OwnedByMe, Search: "old"})
	require.NoError(t, err)
	require.Len(t, tv.Rows, 1)
	assert.Equal(t, "New", tv.Rows[0].Cells[0].Text)
	assert.Equal(t, portal.NoOwner, tv.Rows[0].Cells[2].Text)
	assert.Nil(t, tv.Rows[0].Cells[2].Value)
	assert.Equal(t, "", tv.Rows[0].Cells[4].Text, "no requester")
}

// covers: P2, S5, S8
func TestListRejectsBadQueries(t *testing.T) {
	w := newWorld(t, portal.CompanyTickets)
	ctx := context.Background()
	require.NoError(t, w.p.RegisterProperty(ctx, w.tenant.ID, portal.TicketObject,
		portal.Property{Name: "orderNumber", Label: "Order", Type: portal.Number}))
	w.set(t, func(s *portal.Settings) {
		s.Display.Columns = []portal.Column{{Property: portal.PropSubject}, {Property: portal.PropCreatedAt},
			{Property: portal.PropStatus}, {Property: "orderNumber"}}
	})
	v := portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}
	flt := func(prop string, op portal.Operator, values ...string) []portal.Filter {
		return []portal.Filter{{Property: prop, Operator: op, Values: values}}
	}
	cases := map[string]struct {
		q     portal.ListQuery
		field string
	}{
		"sort on a hidden column":       {portal.ListQuery{Limit: 25, Sort: "priority"}, "sort"},
		"sort on another hidden column": {portal.ListQuery{Sort: portal.PropOwner}, "sort"},
		"sort on an unknown property":   {portal.ListQuery{Sort: "nope"}, "sort"},
		"filter on a hidden column":     {portal.ListQuery{Limit: 25, Filters: []portal.Filter{{Property: "priority", Operator: portal.IsKnown}}}, "filters[0].property"},
		"filter on an unknown property": {portal.ListQuery{Filters: flt("nope", portal.IsKnown)}, "filters[0].property"},
		"operator that does not fit": {portal.ListQuery{Filters: []portal.Filter{
			{Property: "subject", Operator: portal.Gt, Values: []string{"a"}}}}, "filters[0].operator"},
		"text operator on a date": {portal.ListQuery{Filters: flt(portal.PropCreatedAt, portal.ContainsAny, "2025")}, "filters[0].operator"},
		"days ago on a number":    {portal.ListQuery{Filters: flt("orderNumber", portal.AfterDaysAgo, "3")}, "filters[0].operator"},
		"unknown operator":        {portal.ListQuery{Filters: flt(portal.PropSubject, "like", "%")}, "filters[0].operator"},
		"not a number":            {portal.ListQuery{Filters: flt("orderNumber", portal.Eq, "twelve")}, "filters[0].values[0]"},
		"not a date":              {portal.ListQuery{Filters: flt(portal.PropCreatedAt, portal.Lt, "yesterday")}, "filters[0].values[0]"},
		"not a status":            {portal.ListQuery{Filters: flt(portal.PropStatus, portal.IsAnyOf, "pending")}, "filters[0].values[0]"},
		"between with one value": {portal.ListQuery{Filters: []portal.Filter{
			{Property: "createdAt", Operator: portal.Between, Values: []string{"2026-01-01"}}}}, "filters[0].values"},
		"between one number":    {portal.ListQuery{Filters: flt("orderNumber", portal.Between, "1")}, "filters[0].values"},
		"between high to low":   {portal.ListQuery{Filters: flt("orderNumber", portal.Between, "9", "1")}, "filters[0].values"},
		"is_known with a value": {portal.ListQuery{Filters: flt(portal.PropSubject, portal.IsKnown, "x")}, "filters[0].values"},
		"empty text value":      {portal.ListQuery{Filters: flt(portal.PropSubject, portal.ContainsAny, "")}, "filters[0].values[0]"},
		"second filter bad": {portal.ListQuery{Filters: append(flt(portal.PropSubject, portal.IsKnown),
			flt(portal.PropOwner, portal.IsKnown)...)}, "filters[1].property"},
		"filter with invalid UTF-8 text": {portal.ListQuery{Filters: flt(portal.PropSubject, portal.EqualsAny, "\xff")}, "filters[0].values[0]"},
		"another garbage cursor":         {portal.ListQuery{Cursor: "%%%"}, "cursor"},
		"page size zero":                 {portal.ListQuery{}, "limit"},
		"page size below zero":           {portal.ListQuery{Limit: -1}, "limit"},
		"page size over 200":             {portal.ListQuery{Limit: 201}, "limit"},
		"unknown status":                 {portal.ListQuery{Limit: 25, Status: "pending"}, "status"},
		"unknown view":                   {portal.ListQuery{Limit: 25, View: "everything"}, "view"},
		"the view all":                   {portal.ListQuery{View: "all"}, "view"},
		"invalid UTF-8 search":           {portal.ListQuery{Limit: 25, Search: "\xff\xfe"}, "search"},
		"NUL in search":                  {portal.ListQuery{Limit: 25, Search: "a\x00b"}, "search"},
		"10,000 character term":          {portal.ListQuery{Limit: 25, Search: string(make([]rune, 10000))}, "search"},
		"garbage cursor":                 {portal.ListQuery{Limit: 25, Cursor: "!!!"}, "cursor"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if tc.q.Limit == 0 && tc.field != "limit" {
				tc.q.Limit = 10
			}
			_, err := w.p.ListTickets(ctx, v, tc.q)
			requireField(t, err, tc.field)
		})
	}
}

// A cursor works only for the query, viewer and tenant it came from.
// covers: P2
func TestCursorsAreBoundToTheirQuery(t *testing.T) {
	w := newWorld(t, portal.CompanyTickets)
	ctx := context.Background()
	ann := portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}
	q := portal.ListQuery{Sort: "subject", Limit: 1}
	first, err := w.p.ListTickets(ctx, ann, q)
	require.NoError(t, err)
	require.NotEmpty(t, first.Next)

	next := q
	next.Cursor = first.Next
	next.Limit = 2 // the page size may change between pages
	second, err := w.p.ListTickets(ctx, ann, next)
	require.NoError(t, err)
	assert.Equal(t, "Ann's", second.Rows[0].Cells[0].Text)

	tampered := []byte(first.Next)
	tampered[len(tampered)/2] ^= 1
	for name, tc := range map[string]struct {
		v portal.Viewer
		q portal.ListQuery
	}{
		"another sort":     {ann, portal.ListQuery{Limit: 25, Sort: "subject", Desc: true, Cursor: first.Next}},
		"another search":   {ann, portal.ListQuery{Limit: 25, Sort: "subject", Search: "a", Cursor: first.Next}},
		"another view":     {ann, portal.ListQuery{Limit: 25, Sort: "subject", View: portal.OwnedByMe, Cursor: first.Next}},
		"another viewer":   {portal.Viewer{PortalID: w.tenant.ID, ContactID: w.bob.ID}, portal.ListQuery{Limit: 25, Sort: "subject", Cursor: first.Next}},
		"tampered":         {ann, portal.ListQuery{Limit: 25, Sort: "subject", Cursor: string(tampered)}},
		"truncated":        {ann, portal.ListQuery{Limit: 25, Sort: "subject", Cursor: first.Next[:10]}},
		"from nowhere":     {ann, portal.ListQuery{Limit: 25, Sort: "subject", Cursor: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		"of another store": {ann, portal.ListQuery{Limit: 25, Sort: "subject", Cursor: cursorOfAnotherTenant(t)}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := w.p.ListTickets(ctx, tc.v, tc.q)
			requireField(t, err, "cursor")
		})
	}
}

// A cursor changed in any one character, or cut, stretched, padded or made
// up, is refused as invalid, naming the cursor.
// covers: P2
func TestTamperedCursorIsInvalid(t *testing.T) {
	w := newWorld(t, portal.CompanyTickets)
	ctx := context.Background()
	v := portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}
	q := portal.ListQuery{Sort: portal.PropSubject, Limit: 2}
	first, err := w.p.ListTickets(ctx, v, q)
	require.NoError(t, err)
	cursor := first.Next
	require.NotEmpty(t, cursor)
	list := func(c string) error {
		x := q
		x.Cursor = c
		_, err := w.p.ListTickets(ctx, v, x)
		return err
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(cursor) {
		b := []byte(cursor)
		j := strings.IndexByte(alphabet, b[i])
		require.GreaterOrEqual(t, j, 0, "a cursor is URL-safe base64")
		// Flip the lowest bit of the 6-bit digit: the smallest change.
		b[i] = alphabet[j^1]
		// The last digit's unused bits too: a cursor has one spelling.
		requireField(t, list(string(b)), "cursor")
	}
	for name, c := range map[string]string{
		"not base64": "!!!", "truncated": cursor[:len(cursor)/2], "extended": cursor + "AA", "short": "AAAA",
		"long": strings.Repeat("A", 5000), "padded": cursor + "=", "with space": " " + cursor,
		"with a line break": cursor[:4] + "\n" + cursor[4:], "with a CR": cursor[:4] + "\r" + cursor[4:],
	} {
		t.Run(name, func(t *testing.T) { requireField(t, list(c), "cursor") })
	}
}

func cursorOfAnotherTenant(t *testing.T) string {
	w := newWorld(t, portal.CompanyTickets)
	tv, err := w.p.ListTickets(context.Background(), portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID},
		portal.ListQuery{Sort: "subject", Limit: 1})
	require.NoError(t, err)
	return tv.Next
}

// The conversation is the oldest portal-visible thread, without internal
// notes, comments or internal senders' messages.
// covers: S9, P4
func TestDetailShowsThePortalConversation(t *testing.T) {
	w := newWorld(t, portal.CompanyTickets)
	ctx := context.Background()
	pid := w.tenant.ID
	w.set(t, func(s *portal.Settings) { s.Conversations.InternalSenders = []string{"@Lager.example", "boss@acme.dk"} })
	thread := func(visible bool, at time.Time) portal.Thread {
		th, err := w.p.SaveThread(ctx, portal.Thread{PortalID: pid, TicketID: w.annT.ID, VisibleInPortal: visible, CreatedAt: at})
		require.NoError(t, err)
		return th
	}
	hidden := thread(false, clock.Add(-3*time.Hour))
	oldest := thread(true, clock.Add(-2*time.Hour))
	newer := thread(true, clock.Add(-time.Hour))
	add := func(th portal.Thread, kind portal.MessageKind, from, text string) {
		_, err := w.p.AddMessage(ctx, portal.Message{PortalID: pid, ThreadID: th.ID, Kind: kind, From: from, Text: text, Body: "<p>" + text + "</p>"})
		require.NoError(t, err)
	}
	add(hidden, portal.AgentMessage, "ida@support.example", "in a hidden thread")
	add(oldest, portal.CustomerMessage, "ann@acme.dk", "Hjælp!")
	add(oldest, portal.InternalNote, "ida@support.example", "note")
	add(oldest, portal.Comment, "ida@support.example", "comment")
	add(oldest, portal.AgentMessage, "ole@lager.EXAMPLE", "from the warehouse")
	add(oldest, portal.AgentMessage, "Boss@acme.dk", "from the boss")
	add(oldest, portal.AgentMessage, "ida@support.example", "Vi kigger på det")
	add(newer, portal.AgentMessage, "ida@support.example", "in a newer thread")

	det, err := w.p.TicketDetail(ctx, portal.Viewer{PortalID: pid, ContactID: w.ann.ID}, w.annT.ID)
	require.NoError(t, err)
	assert.Equal(t, oldest.ID, det.ThreadID)
	var texts []string
	for _, m := range det.Conversation {
		texts = append(texts, m.Text)
	}
	assert.Equal(t, []string{"Hjælp!", "Vi kigger på det"}, texts)
	assert.True(t, det.Conversation[0].FromContact)
	assert.True(t, det.CanReply)
	assert.False(t, det.CanClose, "closing is off by default")
}

// Missing, out of scope (own and company scope, every shape of
// association), hidden and other tenants' tickets are the same
// ErrNotFound.
// covers: P4, S4, S8, X5
func TestDetailOutOfScopeIsNotFound(t *testing.T) {
	w := newWorld(t, portal.OwnTickets)
	ctx := context.Background()
	pid := w.tenant.ID
	ids := func(xs ...uuid.UUID) []uuid.UUID { return xs }
	byName := map[string]uuid.UUID{"Ann's": w.annT.ID, "Bob's": w.bobT.ID, "Acme's": w.acmeT.ID,
		"Carl's": w.carlT.ID, "Solo's": w.soloT.ID}
	for _, tk := range []portal.Ticket{
		{Subject: "Ann alone", ContactIDs: ids(w.ann.ID)},
		{Subject: "Bob alone", ContactIDs: ids(w.bob.ID)}, // Acme's contact, not Acme's ticket
		{Subject: "Ann at Other", ContactIDs: ids(w.ann.ID), CompanyIDs: ids(w.other.ID)},
		{Subject: "Ann and Carl", ContactIDs: ids(w.ann.ID, w.carl.ID), CompanyIDs: ids(w.acme.ID, w.other.ID)},
		{Subject: "Other without contact", CompanyIDs: ids(w.other.ID)},
		{Subject: "Nobody"},
	} {
		tk.PortalID, tk.PipelineID, tk.StageID = pid, w.pipeline.ID, w.pipeline.Stages[0].ID
		saved, err := w.p.SaveTicket(ctx, tk)
		require.NoError(t, err)
		byName[tk.Subject] = saved.ID
	}
	w.set(t, func(s *portal.Settings) {
		s.Display.Visibility = portal.FilterGroups{{{Property: "subject", Operator: portal.NotEqualsAny, Values: []string{"ANN AT OTHER"}}}}
	})
	v := portal.Viewer{PortalID: pid, ContactID: w.ann.ID}
	check := func(scope string, found bool, names ...string) {
		t.Helper()
		for _, name := range names {
			d, err := w.p.TicketDetail(ctx, v, byName[name])
			if !found {
				require.ErrorIs(t, err, portal.ErrNotFound, "%s: %s", scope, name)
				continue
			}
			require.NoError(t, err, "%s: %s", scope, name)
			assert.Equal(t, byName[name], d.ID)
			assert.Equal(t, name, d.Subject)
		}
	}
	check("own", true, "Ann's", "Ann alone", "Ann and Carl")
	check("own", false, "Ann at Other", "Acme's", "Bob's", "Bob alone", "Carl's", "Other without contact", "Solo's", "Nobody")
	w.set(t, func(s *portal.Settings) { s.Permissions.Scope = portal.CompanyTickets })
	check("company", true, "Ann's", "Ann alone", "Ann and Carl", "Acme's", "Bob's")
	check("company", false, "Ann at Other", "Bob alone", "Carl's", "Other without contact", "Solo's", "Nobody")

	other := newWorld(t, portal.CompanyTickets)
	for name, id := range map[string]uuid.UUID{
		"missing": uuid.New(), "nil": uuid.Nil,
		"another tenant's twin": other.annT.ID, "another tenant's company ticket": other.acmeT.ID,
	} {
		_, err := w.p.TicketDetail(ctx, v, id)
		require.ErrorIs(t, err, portal.ErrNotFound, name)
	}
}

// A preview (A5) may read but never act.
func TestPreviewIsReadOnly(t *testing.T) {
	w := newWorld(t, portal.OwnTickets)
	det, err := w.p.TicketDetail(context.Background(), portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID, Preview: true}, w.annT.ID)
	require.NoError(t, err)
	assert.False(t, det.CanReply)
	assert.False(t, det.CanClose)
}
