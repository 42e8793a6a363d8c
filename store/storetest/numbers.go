package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// numberTests check ticket numbers (P10) through Portal: given by the
// store, kept, set by a host, shown, sorted, filtered, searched and
// exported.
var numberTests = []test{
	{name: "NumbersAreGivenInOrderAndKept", fn: testNumbersGiven},
	{name: "HostNumbersAreKeptAndTheNextGoesAbove", fn: testHostNumbers},
	{name: "ConcurrentSubmissionsGetDistinctNumbers", fn: testConcurrentNumbers},
	{name: "NumberColumnSortsFiltersAndExports", fn: testNumberColumn},
	{name: "SearchFindsATicketByItsNumber", fn: testNumberSearch},
	{name: "BadNumberSearchesAreRefused", fn: testBadNumberSearch},
}

// Tickets are numbered 1, 2, 3 … in the order they are created, by
// SaveTicket and by submissions alike; a save without a number keeps the
// ticket's; every event names the number; the list and the detail show it.
// covers: P10
func testNumbersGiven(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	w.supportForm()
	ann := w.viewer(w.ann)
	var numbers []int64
	for _, subject := range []string{"Ann and Acme", "Ann alone", "Acme without contact"} {
		numbers = append(numbers, w.stored(w.id(subject)).Number)
	}
	assert.Equal(t, []int64{1, 2, 3}, numbers, "the scope world's first three tickets, in the order they were saved")

	last := w.lastNumber()
	res, err := w.p.SubmitTicket(ctx(t), ann, portal.SubmissionInput{Values: map[string]any{"subject": "Numbered", "content": "C", "product": "app"}})
	require.NoError(t, err)
	assert.Equal(t, last+1, res.Number)
	saved := w.ticket(portal.Ticket{Subject: "Saved after", ContactIDs: []uuid.UUID{w.ann.ID}})
	assert.Equal(t, last+2, saved.Number, "SaveTicket continues after the submission")

	updated := w.update("Ann alone", func(tk *portal.Ticket) { tk.Number, tk.Subject = 0, "Ann alone, renamed" })
	assert.Equal(t, int64(2), updated.Number, "a save without a number keeps it")
	assert.Equal(t, int64(2), w.stored(updated.ID).Number)

	_, err = w.p.Reply(ctx(t), ann, updated.ID, reply("<p>hi</p>"))
	require.NoError(t, err)
	w.set(func(st *portal.Settings) {
		st.Actions.CustomerClose = true
		st.Actions.CloseStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.stage("Solved")}
	})
	_, err = w.p.Close(ctx(t), ann, w.id("Ann and Acme"))
	require.NoError(t, err)
	evs := w.events()
	require.Len(t, evs, 3)
	assert.Equal(t, []int64{last + 1, 2, 1}, []int64{evs[0].TicketNumber, evs[1].TicketNumber, evs[2].TicketNumber},
		"every event names its ticket's number: submit, reply, close")

	d, err := w.p.TicketDetail(ctx(t), ann, updated.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(2), d.Number)
	assert.Equal(t, "#2", d.Ref)
	tv := w.view(ann, portal.ListQuery{View: portal.OwnedByMe})
	i := slices.IndexFunc(tv.Rows, func(r portal.TicketRow) bool { return r.ID == updated.ID })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, int64(2), tv.Rows[i].Number)
	assert.Equal(t, "#2", tv.Rows[i].Ref, "every row has its number, whatever the columns")

	w.set(func(st *portal.Settings) { st.Display.NumberPrefix = "HD-" })
	d, err = w.p.TicketDetail(ctx(t), ann, updated.ID)
	require.NoError(t, err)
	assert.Equal(t, "HD-2", d.Ref, "after the portal's prefix")
	for _, bad := range []string{"HD-1", "toolongprefix", "H D", "<b>"} {
		st, err := w.p.Settings(ctx(t), w.pid)
		require.NoError(t, err)
		st.Display.NumberPrefix = bad
		_, err = w.p.SaveSettings(ctx(t), w.pid, st)
		require.ErrorIs(t, err, portal.ErrInvalid, bad)
		assert.Contains(t, err.Error(), "display.numberPrefix")
	}
}

// A host importing tickets sets their numbers; the next number goes above
// the highest; a number another ticket has is a conflict naming it, and a
// number out of range is invalid; neither writes anything.
// covers: P10
func testHostNumbers(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	imported := w.ticket(portal.Ticket{Subject: "Imported", Number: 5000, ContactIDs: []uuid.UUID{w.ann.ID}})
	assert.Equal(t, int64(5000), imported.Number)
	assert.Equal(t, int64(5000), w.stored(imported.ID).Number)
	next := w.ticket(portal.Ticket{Subject: "After the import", ContactIDs: []uuid.UUID{w.ann.ID}})
	assert.Equal(t, int64(5001), next.Number, "the next number continues above the highest")
	low := w.ticket(portal.Ticket{Subject: "Imported low", Number: 100, ContactIDs: []uuid.UUID{w.ann.ID}})
	assert.Equal(t, int64(100), low.Number, "a free number below is the host's to give")
	assert.Equal(t, int64(5002), w.ticket(portal.Ticket{Subject: "Later", ContactIDs: []uuid.UUID{w.ann.ID}}).Number,
		"a lower import does not take the next number back")

	taken := portal.Ticket{PortalID: w.pid, Subject: "Taken", Number: 5000, PipelineID: w.pipeline.ID, StageID: w.stage("New"),
		ContactIDs: []uuid.UUID{w.ann.ID}}
	_, err := w.p.SaveTicket(ctx(t), taken)
	requireConflict(t, err, "number")
	moved := w.stored(next.ID)
	moved.Number = 5000
	_, err = w.p.SaveTicket(ctx(t), moved)
	require.ErrorIs(t, err, portal.ErrConflict, "another ticket's number, on an update")
	assert.Equal(t, int64(5001), w.stored(next.ID).Number, "nothing written")
	assert.Equal(t, "Imported", w.stored(imported.ID).Subject, "the other ticket is untouched")

	for _, n := range []int64{-1, portal.MaxTicketNumber + 1} {
		bad := taken
		bad.Number = n
		_, err := w.p.SaveTicket(ctx(t), bad)
		require.ErrorIs(t, err, portal.ErrInvalid, "%d", n)
		assert.Contains(t, err.Error(), "number")
	}
	assert.NotContains(t, w.list(w.viewer(w.ann), portal.ListQuery{View: portal.OwnedByMe}), "Taken", "nothing written")
	renumbered := w.update("Imported low", func(tk *portal.Ticket) { tk.Number = 101 })
	assert.Equal(t, int64(101), w.stored(renumbered.ID).Number, "a host may renumber a ticket")
	again := w.ticket(portal.Ticket{Subject: "Takes the old number", Number: 100, ContactIDs: []uuid.UUID{w.ann.ID}})
	assert.Equal(t, int64(100), again.Number, "a number a ticket left is free")
}

// Submissions at once each get their own number, one after the other.
// Run it under -race.
// covers: P10, X8
func testConcurrentNumbers(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	w.supportForm()
	last := w.lastNumber()
	const n = 8
	results := make([]portal.SubmitResult, n)
	errs := make([]error, n)
	startTogether(n, func(i int) {
		v := w.viewer([]portal.Contact{w.ann, w.bob}[i%2])
		results[i], errs[i] = w.p.SubmitTicket(ctx(t), v, portal.SubmissionInput{
			Values: map[string]any{"subject": fmt.Sprintf("At once %d", i), "content": "C", "product": "web"}})
	})
	var got []int64
	for i := range n {
		require.NoError(t, errs[i])
		got = append(got, results[i].Number)
		assert.Equal(t, results[i].Number, w.stored(results[i].TicketID).Number)
	}
	slices.Sort(got)
	var want []int64
	for i := range n {
		want = append(want, last+1+int64(i))
	}
	assert.Equal(t, want, got, "distinct, without gaps")
}

// The number column shows the number after the prefix, sorts by it (every
// page, both ways), filters by it and is in the export.
// covers: P10, S8, P2, P3, P4
func testNumberColumn(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	w.update("Ann and Carl", func(tk *portal.Ticket) { tk.Number = 900 })
	w.set(func(st *portal.Settings) {
		st.Display.Columns = append([]portal.Column{{Property: portal.PropNumber}}, portal.RecommendedColumns()...)
	})
	ann := w.viewer(w.ann)
	byNumber := []string{"Ann and Acme", "Ann alone", "Acme without contact", "Bob and Acme", "Ann at Beta", "Ann and Carl"}
	for _, limit := range []int{1, 2, 4, 50} {
		q := portal.ListQuery{View: portal.OrganizationTickets, Sort: portal.PropNumber, Limit: limit}
		assert.Equal(t, byNumber, w.list(ann, q), "ascending, %d a page", limit)
		q.Desc = true
		assert.Equal(t, reversed(byNumber), w.list(ann, q), "descending, %d a page", limit)
	}
	tv := w.view(ann, portal.ListQuery{View: portal.OrganizationTickets, Sort: portal.PropNumber})
	require.NotEmpty(t, tv.Rows)
	assert.Equal(t, portal.PropNumber, tv.Columns[0].Property)
	assert.Equal(t, "Ticket number", tv.Columns[0].Label)
	assert.Equal(t, portal.Cell{Text: "#1", Value: float64(1)}, tv.Rows[0].Cells[0])

	filtered := w.list(ann, portal.ListQuery{View: portal.OrganizationTickets, Sort: portal.PropNumber,
		Filters: []portal.Filter{{Property: portal.PropNumber, Operator: portal.Between, Values: []string{"2", "8"}}}})
	assert.Equal(t, []string{"Ann alone", "Acme without contact", "Bob and Acme", "Ann at Beta"}, filtered)
	gt := w.list(ann, portal.ListQuery{View: portal.OrganizationTickets,
		Filters: []portal.Filter{{Property: portal.PropNumber, Operator: portal.Gt, Values: []string{"100"}}}})
	assert.Equal(t, []string{"Ann and Carl"}, gt)

	w.set(func(st *portal.Settings) { st.Display.NumberPrefix = "HD-" })
	var buf bytes.Buffer
	_, err := w.p.ExportCSV(ctx(t), ann, portal.ListQuery{View: portal.OrganizationTickets, Sort: portal.PropNumber, Limit: 10},
		&buf, portal.CSVOptions{NoBOM: true})
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\r\n")
	require.Len(t, lines, 7)
	assert.True(t, strings.HasPrefix(lines[0], "Ticket number,Subject,"), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "HD-1,Ann and Acme,"), lines[1])
	assert.True(t, strings.HasPrefix(lines[6], "HD-900,Ann and Carl,"), lines[6])
}

// A search for "#n" or the prefix and n finds the ticket numbered n alone,
// when the viewer may see it; "n" finds it besides the tickets whose text
// holds n; the total counts the same.
// covers: P10, P2, P11, X4
func testNumberSearch(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	ann, carl := w.viewer(w.ann), w.viewer(w.carl)
	w.update("Bob alone", func(tk *portal.Ticket) { tk.Content = "Order 4 of 7" }) // Bob's own: not Ann's
	w.update("Bob and Acme", func(tk *portal.Ticket) { tk.Content = "Room 4B" })
	four := w.stored(w.id("Bob and Acme")).Number
	require.Equal(t, int64(4), four)
	org := func(v portal.Viewer, search string) []string {
		return w.list(v, portal.ListQuery{View: portal.OrganizationTickets, Search: search})
	}
	for _, search := range []string{"#4", " #4 ", "#04"} {
		assert.Equal(t, []string{"Bob and Acme"}, org(ann, search), "%q: the ticket of the number alone", search)
	}
	assert.Equal(t, []string{"Ann alone"}, org(ann, "#2"), "not the tickets whose text holds 2")
	assert.Empty(t, org(carl, "#4"), "a ticket out of scope is not found by its number")
	assert.Empty(t, org(ann, "#5"), "Bob's own ticket is not in Ann's view")
	assert.Empty(t, org(ann, "#999"), "no such number")
	w.update("Ann alone", func(tk *portal.Ticket) { tk.Content = "Call 4 times" })
	assert.ElementsMatch(t, []string{"Bob and Acme", "Ann alone"}, org(ann, "4"), "the number, and the text that holds it")
	tv := w.view(ann, portal.ListQuery{View: portal.OrganizationTickets, Search: "4", Total: true, Limit: 1})
	assert.Equal(t, 2, tv.Total, "the total counts the number's ticket too")
	tv = w.view(ann, portal.ListQuery{View: portal.OrganizationTickets, Search: "#4", Total: true, Limit: 1})
	assert.Equal(t, 1, tv.Total)
	closedOnly := w.list(ann, portal.ListQuery{View: portal.OrganizationTickets, Search: "#4", Status: portal.StatusClosed})
	assert.Empty(t, closedOnly, "the filters hold for the number's ticket too")

	w.set(func(st *portal.Settings) { st.Display.NumberPrefix = "HD-" })
	assert.Equal(t, []string{"Bob and Acme"}, org(ann, "hd-4"), "the prefix and the number, in any case")
	assert.Equal(t, []string{"Bob and Acme"}, org(ann, "#4"), "# still names a number")
	assert.Empty(t, org(ann, "HD-x"), "the prefix and no number is text")
	assert.Empty(t, org(ann, "-1"), "a minus sign and a digit are text, found nowhere")
	assert.Empty(t, org(ann, "99999999999999999999"), "a number past the last is text")
	w.set(func(st *portal.Settings) { st.Display.NumberPrefix = "#T-" })
	assert.Equal(t, []string{"Bob and Acme"}, org(ann, "#T-4"), "a prefix that starts with #, as the customer reads it")
	assert.Equal(t, []string{"Bob and Acme"}, org(ann, "#4"))
}

// A search that starts with # and is not a ticket number is refused,
// naming the search.
// covers: P10, X4
func testBadNumberSearch(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	ann := w.viewer(w.ann)
	for _, search := range []string{"#", "#-1", "#0", "#1e3", "#99999999999999999999", "#x", "##4"} {
		err := w.listErr(ann, portal.ListQuery{Search: search, Limit: 10})
		require.ErrorIs(t, err, portal.ErrInvalid, search)
		assert.Contains(t, err.Error(), "search", search)
	}
	assert.NoError(t, w.listErr(ann, portal.ListQuery{Search: "#4 printer", Limit: 10}), "# inside a longer search is text")
}

// numberStoreTests hold TicketStore's numbers (P10) to their contract,
// called directly.
var numberStoreTests = []test{
	{name: "PutWithoutANumberKeepsTheStoredOne", fn: testPutKeepsNumber},
	{name: "ConcurrentPutsOfOneNumberOneWins", fn: testConcurrentPutsOfOneNumber},
}

// A put without a number gives a new ticket the next one and keeps a
// stored ticket's; a number another ticket has is refused and writes
// nothing.
// covers: P10
func testPutKeepsNumber(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	first, second := newTicket(t, pid), newTicket(t, pid)
	first.Number, second.Number = 0, 0
	require.NoError(t, s.PutTicket(ctx(t), first))
	require.NoError(t, s.PutTicket(ctx(t), second))
	got := func(id uuid.UUID) portal.Ticket {
		t.Helper()
		tk, err := s.Ticket(ctx(t), pid, id)
		require.NoError(t, err)
		return tk
	}
	assert.Equal(t, []int64{1, 2}, []int64{got(first.ID).Number, got(second.ID).Number}, "the next numbers, in order")
	first.Subject = "Again, without its number"
	require.NoError(t, s.PutTicket(ctx(t), first))
	assert.Equal(t, int64(1), got(first.ID).Number, "a stored ticket keeps its number")
	assert.Equal(t, "Again, without its number", got(first.ID).Subject)

	taken := second
	taken.Number, taken.Subject = 1, "Takes the first's number"
	require.ErrorIs(t, s.PutTicket(ctx(t), taken), portal.ErrConflict)
	assert.Equal(t, second.Subject, got(second.ID).Subject, "nothing written")
	assert.Equal(t, "Again, without its number", got(first.ID).Subject, "nor over the other ticket")
	third := newTicket(t, pid)
	third.Number = 0
	require.NoError(t, s.PutTicket(ctx(t), third))
	assert.Equal(t, int64(3), got(third.ID).Number, "a refused number uses none up")
}

// New tickets put at once with one number: one is written, every other
// put is a conflict that writes nothing, and no put writes over another
// ticket. Run it under -race.
// covers: P10, X8
func testConcurrentPutsOfOneNumber(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	const n = 6
	for round := range 10 {
		tickets := make([]portal.Ticket, n)
		errs := make([]error, n)
		for i := range tickets {
			tickets[i] = newTicket(t, pid)
			tickets[i].Number = int64(100 + round)
			tickets[i].Subject = fmt.Sprintf("Round %d, put %d", round, i)
		}
		startTogether(n, func(i int) { errs[i] = s.PutTicket(ctx(t), tickets[i]) })
		written := 0
		for i, err := range errs {
			got, gerr := s.Ticket(ctx(t), pid, tickets[i].ID)
			if err != nil {
				require.ErrorIs(t, err, portal.ErrConflict, "round %d put %d", round, i)
				require.ErrorIs(t, gerr, portal.ErrNotFound, "round %d put %d: a refused put writes nothing", round, i)
				continue
			}
			written++
			require.NoError(t, gerr, "round %d put %d: a put that succeeded is there", round, i)
			assert.Equal(t, tickets[i].Subject, got.Subject, "round %d put %d: its own ticket, not another's", round, i)
			assert.Equal(t, tickets[i].Number, got.Number)
		}
		assert.Equal(t, 1, written, "round %d: one put has the number", round)
	}
}
