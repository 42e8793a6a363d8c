package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var messageTests = []test{
	{name: "AddMessageWithExistingIDConflictsAndKeepsTheFirst", fn: testAddMessageExistingIDConflicts},
}

func testAddMessageExistingIDConflicts(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	th := newThread(t, pid, newID(t), at(1))
	other := newThread(t, pid, newID(t), at(1))
	require.NoError(t, s.PutThread(ctx(t), th))
	require.NoError(t, s.PutThread(ctx(t), other))
	first := newMessage(t, th, at(2))
	require.NoError(t, s.AddMessage(ctx(t), first))

	again := first.Clone()
	again.Body, again.Text = "<p>Edited</p>", "Edited"
	require.ErrorIs(t, s.AddMessage(ctx(t), again), portal.ErrConflict, "same ID, same thread")

	elsewhere := newMessage(t, other, at(3))
	elsewhere.ID = first.ID
	require.ErrorIs(t, s.AddMessage(ctx(t), elsewhere), portal.ErrConflict, "same ID, another thread")

	require.Equal(t, []portal.Message{first}, read(t, s.Messages, pid, th.ID))
	require.Empty(t, read(t, s.Messages, pid, other.ID))
}
