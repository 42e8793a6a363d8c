package storetest

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var settingsTests = []test{
	{name: "SaveFromCurrentVersionReturnsNextVersion", fn: testSaveReturnsNextVersion},
	{name: "SavedSettingsReadBackExactly", fn: testSavedSettingsReadBackExactly},
	{name: "SequentialSavesCountVersionsUp", fn: testSequentialSavesCountUp},
	{name: "StaleVersionConflictsAndChangesNothing", fn: testStaleVersionConflicts},
	{name: "FutureVersionConflictsAndChangesNothing", fn: testFutureVersionConflicts},
	{name: "ConcurrentSavesFromOneVersionHaveExactlyOneWinner", fn: testConcurrentSavesOneWinner},
}

// currentSettings reads a tenant's settings.
func currentSettings(t *testing.T, s portal.Store, pid uuid.UUID) portal.Settings {
	t.Helper()
	got, err := s.Settings(ctx(t), pid)
	require.NoError(t, err)
	return got
}

// saveOverFirst saves settings over the first version of a new tenant's
// settings and returns them as they must read back: a copy with the
// version the save returned.
func saveOverFirst(t *testing.T, s portal.Store, pid uuid.UUID, settings portal.Settings) portal.Settings {
	t.Helper()
	settings.Version = 1
	v, err := s.SaveSettings(ctx(t), pid, settings)
	require.NoError(t, err)
	want := settings.Clone()
	want.Version = v
	return want
}

// covers: S16
func testSaveReturnsNextVersion(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	settings := currentSettings(t, s, pid)
	require.Equal(t, int64(1), settings.Version)

	settings.Name = "Renamed"
	v, err := s.SaveSettings(ctx(t), pid, settings)
	require.NoError(t, err)
	require.Equal(t, int64(2), v)
	require.Equal(t, int64(2), currentSettings(t, s, pid).Version)
}

// Every part of the settings survives a save: filter groups, columns, the
// close-stage map, list IDs, durations.
//
// covers: S16
func testSavedSettingsReadBackExactly(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	want := saveOverFirst(t, s, pid, richSettings(t))
	require.Equal(t, want, currentSettings(t, s, pid))

	// And back to the defaults: nothing of the rich settings lingers.
	plain := portal.DefaultSettings()
	plain.Name = "Plain again"
	plain.Display.Columns = []portal.Column{{Property: portal.PropSubject}}
	plain.Version = want.Version
	v2, err := s.SaveSettings(ctx(t), pid, plain)
	require.NoError(t, err)
	got := currentSettings(t, s, pid)
	require.Equal(t, v2, got.Version)
	require.Equal(t, "Plain again", got.Name)
	require.Equal(t, plain.Display.Columns, got.Display.Columns)
	require.Empty(t, got.Permissions.ContactFilter)
	require.Empty(t, got.Display.Visibility)
	require.Empty(t, got.Conversations.InternalSenders)
	require.Empty(t, got.Actions.CloseStages)
	require.Empty(t, got.Access.Lists)
}

// covers: S16
func testSequentialSavesCountUp(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	settings := currentSettings(t, s, pid)
	for want := int64(2); want <= 6; want++ {
		settings.Name = fmt.Sprintf("Save %d", want)
		v, err := s.SaveSettings(ctx(t), pid, settings)
		require.NoError(t, err)
		require.Equal(t, want, v)

		got := currentSettings(t, s, pid)
		require.Equal(t, want, got.Version)
		require.Equal(t, settings.Name, got.Name)
		settings = got
	}
}

// covers: S16
func testStaleVersionConflicts(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	base := currentSettings(t, s, pid) // version 1

	first := base.Clone()
	first.Name = "First administrator"
	_, err := s.SaveSettings(ctx(t), pid, first)
	require.NoError(t, err)
	before := currentSettings(t, s, pid)

	second := richSettings(t)
	second.Name = "Second administrator"
	second.Version = base.Version // stale: based on version 1, now 2
	_, err = s.SaveSettings(ctx(t), pid, second)
	require.ErrorIs(t, err, portal.ErrConflict)
	require.Equal(t, before, currentSettings(t, s, pid))
}

// covers: S16
func testFutureVersionConflicts(t *testing.T, s portal.Store) {
	pid := newTenant(t, s)
	before := currentSettings(t, s, pid)

	for _, v := range []int64{before.Version + 1, 99, 0, -1} {
		next := richSettings(t)
		next.Version = v
		_, err := s.SaveSettings(ctx(t), pid, next)
		require.ErrorIs(t, err, portal.ErrConflict, "version %d", v)
	}
	require.Equal(t, before, currentSettings(t, s, pid))
}

// covers: S16
func testConcurrentSavesOneWinner(t *testing.T, s portal.Store) {
	const n = 16
	pid := newTenant(t, s)
	base := currentSettings(t, s, pid)

	saves := make([]portal.Settings, n)
	for i := range saves {
		saves[i] = richSettings(t)
		saves[i].Name = fmt.Sprintf("Administrator %d", i)
		saves[i].Version = base.Version
	}
	errs := make([]error, n)
	versions := make([]int64, n)
	startTogether(n, func(i int) {
		versions[i], errs[i] = s.SaveSettings(ctx(t), pid, saves[i])
	})

	winners, conflicts := countOutcomes(t, errs, portal.ErrConflict)
	require.Len(t, winners, 1, "exactly one save from version %d succeeds", base.Version)
	require.Equal(t, n-1, conflicts)
	w := winners[0]
	require.Equal(t, base.Version+1, versions[w])

	want := saves[w].Clone()
	want.Version = base.Version + 1
	require.Equal(t, want, currentSettings(t, s, pid), "the stored settings are the winner's")
}
