package storetest

import (
	"bytes"
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var orderTests = []test{
	{name: "FormsAreOrderedByID", fn: formKind.orderedByID},
	{name: "ContactListsAreOrderedByID", fn: contactListKind.orderedByID},
	{name: "ChannelsAreOrderedByID", fn: channelKind.orderedByID},
	{name: "PipelinesAreOrderedByID", fn: pipelineKind.orderedByID},
	{name: "PropertiesComeInFirstPutOrder", fn: testPropertiesInFirstPutOrder},
	{name: "ReplacedPropertyKeepsItsPosition", fn: testReplacedPropertyKeepsPosition},
	{name: "SameNameOnAnotherObjectIsAnotherProperty", fn: testSameNameOtherObject},
	{name: "ThreadsComeOldestFirstThenByID", fn: testThreadsOldestFirst},
	{name: "MessagesComeOldestFirstThenByID", fn: testMessagesOldestFirst},
	{name: "ReplacedThreadMovesToItsNewPlace", fn: testReplacedThreadMoves},
	{name: "ThreadsOfTicketWithoutThreadsAreEmpty", fn: testThreadsOfTicketWithoutThreads},
	{name: "MessagesOfThreadWithoutMessagesAreEmpty", fn: testMessagesOfThreadWithoutMessages},
	{name: "ThreadsAndMessagesAreOnlyTheirParents", fn: testThreadsAndMessagesOnlyTheirParents},
}

// sortedBy returns xs sorted by the byte order of their IDs.
func sortedBy[T any](xs []T, id func(T) uuid.UUID) []T {
	return slices.SortedFunc(slices.Values(xs), func(a, b T) int { return byteOrder(id(a), id(b)) })
}

// oldestFirst orders by time, then by ID bytes, as Threads and Messages do.
func oldestFirst(ta time.Time, ia uuid.UUID, tb time.Time, ib uuid.UUID) int {
	return cmp.Or(ta.Compare(tb), bytes.Compare(ia[:], ib[:]))
}

// Names are put in an order that is neither alphabetical nor grouped by
// object.
func testPropertiesInFirstPutOrder(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	want := []portal.PropertyDef{
		{Object: portal.TicketObject, Property: textProperty("zeta", "Zeta")},
		{Object: portal.ContactObject, Property: textProperty("alpha", "Alpha")},
		{Object: portal.TicketObject, Property: enumProperty("mid")},
		{Object: portal.CompanyObject, Property: textProperty("beta", "Beta")},
		{Object: portal.TicketObject, Property: textProperty("aardvark", "Aardvark")},
	}
	for _, d := range want {
		require.NoError(t, s.PutProperty(ctx(t), pid, d))
	}
	require.Equal(t, nilEmpty(want), nilEmpty(readAll(t, s.Properties, pid)))
}

func testReplacedPropertyKeepsPosition(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	defs := []portal.PropertyDef{
		{Object: portal.TicketObject, Property: enumProperty("tier")},
		{Object: portal.TicketObject, Property: textProperty("orderNumber", "Order")},
		{Object: portal.ContactObject, Property: textProperty("nickname", "Nickname")},
	}
	for _, d := range defs {
		require.NoError(t, s.PutProperty(ctx(t), pid, d))
	}
	// The first one gets a new label and options; the order stays.
	replaced := portal.PropertyDef{Object: portal.TicketObject, Property: enumProperty("tier")}
	replaced.Property.Label = "Customer tier"
	replaced.Property.Options = []portal.Option{{Value: "platinum", Label: "Platinum"}, {Value: "gold", Label: "Gold"}}
	require.NoError(t, s.PutProperty(ctx(t), pid, replaced))

	want := []portal.PropertyDef{replaced, defs[1], defs[2]}
	require.Equal(t, nilEmpty(want), nilEmpty(readAll(t, s.Properties, pid)))
}

// A property is keyed by object and name: "note" of tickets and "note" of
// contacts are two properties, and replacing one leaves the other.
func testSameNameOtherObject(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	ticketNote := portal.PropertyDef{Object: portal.TicketObject, Property: textProperty("note", "Ticket note")}
	contactNote := portal.PropertyDef{Object: portal.ContactObject, Property: textProperty("note", "Contact note")}
	require.NoError(t, s.PutProperty(ctx(t), pid, ticketNote))
	require.NoError(t, s.PutProperty(ctx(t), pid, contactNote))
	ticketNote.Property.Label = "Agent note"
	require.NoError(t, s.PutProperty(ctx(t), pid, ticketNote))

	want := []portal.PropertyDef{ticketNote, contactNote}
	require.Equal(t, nilEmpty(want), nilEmpty(readAll(t, s.Properties, pid)))
}

// orderTimes returns creation times for a set of scrambled IDs: ties, and
// times one microsecond apart that may disagree with the ID order.
func orderTimes() []time.Time {
	return []time.Time{at(5), at(5), at(4), at(6), at(5), at(4), at(1000000)}
}

// requireOldestFirst writes one record for each of orderTimes, under
// scrambled IDs, by putAt, and checks that list gives them back oldest
// first, then by ID; key gives a record's creation time and ID.
func requireOldestFirst[T any](t *testing.T, putAt func(id uuid.UUID, createdAt time.Time) T,
	key func(T) (time.Time, uuid.UUID), list func() []T) {
	t.Helper()
	var put []T
	times := orderTimes()
	for i, id := range scrambledIDs(t, len(times)) {
		put = append(put, putAt(id, times[i]))
	}
	want := slices.SortedFunc(slices.Values(put), func(a, b T) int {
		ta, ia := key(a)
		tb, ib := key(b)
		return oldestFirst(ta, ia, tb, ib)
	})
	require.NotEqual(t, put, want, "the records were written in order; the test proves nothing")
	require.Equal(t, want, list())
}

// covers: S9 (Portal shows the oldest visible thread: the first one here)
func testThreadsOldestFirst(t *testing.T, s portal.Store) {
	pid, ticketID := newTenant(t, s), newID(t)
	requireOldestFirst(t, func(id uuid.UUID, createdAt time.Time) portal.Thread {
		th := newThread(t, pid, ticketID, createdAt)
		th.ID = id
		require.NoError(t, s.PutThread(ctx(t), th))
		return th
	}, func(th portal.Thread) (time.Time, uuid.UUID) { return th.CreatedAt, th.ID },
		func() []portal.Thread { return read(t, s.Threads, pid, ticketID) })
}

func testMessagesOldestFirst(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	th := newThread(t, pid, newID(t), at(0))
	require.NoError(t, s.PutThread(ctx(t), th))
	requireOldestFirst(t, func(id uuid.UUID, createdAt time.Time) portal.Message {
		m := newMessage(t, th, createdAt)
		m.ID = id
		require.NoError(t, s.AddMessage(ctx(t), m))
		return m
	}, func(m portal.Message) (time.Time, uuid.UUID) { return m.CreatedAt, m.ID },
		func() []portal.Message { return read(t, s.Messages, pid, th.ID) })
}

// Put replaces a thread whole: a new CreatedAt moves it in its ticket's
// order, a new TicketID moves it to that ticket. (Portal never moves a
// thread to another ticket, but the store contract replaces records whole.)
func testReplacedThreadMoves(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	ticketA, ticketB := newID(t), newID(t)
	first := newThread(t, pid, ticketA, at(1))
	second := newThread(t, pid, ticketA, at(2))
	third := newThread(t, pid, ticketA, at(3))
	for _, th := range []portal.Thread{first, second, third} {
		require.NoError(t, s.PutThread(ctx(t), th))
	}

	first.CreatedAt = at(4)
	require.NoError(t, s.PutThread(ctx(t), first))
	require.Equal(t, []portal.Thread{second, third, first}, read(t, s.Threads, pid, ticketA))

	third.TicketID = ticketB
	require.NoError(t, s.PutThread(ctx(t), third))
	require.Equal(t, []portal.Thread{second, first}, read(t, s.Threads, pid, ticketA))
	require.Equal(t, []portal.Thread{third}, read(t, s.Threads, pid, ticketB))
	require.Equal(t, third, read(t, s.Thread, pid, third.ID))
}

func testThreadsOfTicketWithoutThreads(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	tk := newTicket(t, pid)
	require.NoError(t, s.PutTicket(ctx(t), tk))
	other := newTicket(t, pid)
	require.NoError(t, s.PutTicket(ctx(t), other))
	require.NoError(t, s.PutThread(ctx(t), newThread(t, pid, other.ID, at(1))))

	got, err := s.Threads(ctx(t), pid, tk.ID)
	require.NoError(t, err, "a ticket without threads is not ErrNotFound")
	require.Empty(t, got)
}

// The contract says this of Threads only; the suite holds Messages to the
// same rule, as a thread is created before its first message.
func testMessagesOfThreadWithoutMessages(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	th := newThread(t, pid, newID(t), at(1))
	require.NoError(t, s.PutThread(ctx(t), th))

	got, err := s.Messages(ctx(t), pid, th.ID)
	require.NoError(t, err, "a thread without messages is not ErrNotFound")
	require.Empty(t, got)
}

func testThreadsAndMessagesOnlyTheirParents(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	ticketA, ticketB := newID(t), newID(t)
	a1 := newThread(t, pid, ticketA, at(1))
	a2 := newThread(t, pid, ticketA, at(2))
	b1 := newThread(t, pid, ticketB, at(1))
	for _, th := range []portal.Thread{a1, b1, a2} {
		require.NoError(t, s.PutThread(ctx(t), th))
	}
	require.Equal(t, []portal.Thread{a1, a2}, read(t, s.Threads, pid, ticketA))
	require.Equal(t, []portal.Thread{b1}, read(t, s.Threads, pid, ticketB))

	m1 := newMessage(t, a1, at(10))
	m2 := newMessage(t, a2, at(10))
	m3 := newMessage(t, a1, at(11))
	for _, m := range []portal.Message{m1, m2, m3} {
		require.NoError(t, s.AddMessage(ctx(t), m))
	}
	require.Equal(t, []portal.Message{m1, m3}, read(t, s.Messages, pid, a1.ID))
	require.Equal(t, []portal.Message{m2}, read(t, s.Messages, pid, a2.ID))
	require.Empty(t, read(t, s.Messages, pid, b1.ID))
}
