package storetest

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// These tests state rules of S16 through the Portal façade, over the store
// under test: what Portal promises depends on what the store does.
var portalTests = []test{
	{name: "SavedSettingsReadBackAsReturned", fn: testPortalSaveReadsBack},
	{name: "StaleSettingsSaveConflictsAndChangesNothing", fn: testPortalStaleSaveConflicts},
	{name: "ConcurrentSettingsSavesHaveExactlyOneWinner", fn: testPortalConcurrentSaves},
}

// newPortal returns a Portal over s and a tenant it created.
func newPortal(t *testing.T, s portal.Store) (*portal.Portal, uuid.UUID) {
	t.Helper()
	p, err := portal.New(s, portal.Options{})
	require.NoError(t, err)
	tenant, err := p.CreateTenant(ctx(t), "Acme helpdesk")
	require.NoError(t, err)
	return p, tenant.ID
}

// covers: S16
func testPortalSaveReadsBack(t *testing.T, s portal.Store) {
	p, pid := newPortal(t, s)
	settings, err := p.Settings(ctx(t), pid)
	require.NoError(t, err)
	require.Equal(t, int64(1), settings.Version)

	settings.Name = "Acme support"
	settings.Display.Columns = []portal.Column{{Property: portal.PropStatus, Label: "State"}, {Property: portal.PropSubject}}
	settings.Conversations.InternalSenders = []string{"@acme.example"}
	saved, err := p.SaveSettings(ctx(t), pid, settings)
	require.NoError(t, err)
	require.Equal(t, int64(2), saved.Version)

	got, err := p.Settings(ctx(t), pid)
	require.NoError(t, err)
	require.Equal(t, saved, got)
}

// covers: S16
func testPortalStaleSaveConflicts(t *testing.T, s portal.Store) {
	p, pid := newPortal(t, s)
	base, err := p.Settings(ctx(t), pid)
	require.NoError(t, err)

	first := base.Clone()
	first.Name = "First administrator"
	_, err = p.SaveSettings(ctx(t), pid, first)
	require.NoError(t, err)
	before, err := p.Settings(ctx(t), pid)
	require.NoError(t, err)

	second := base.Clone()
	second.Name = "Second administrator"
	_, err = p.SaveSettings(ctx(t), pid, second)
	require.ErrorIs(t, err, portal.ErrConflict)

	after, err := p.Settings(ctx(t), pid)
	require.NoError(t, err)
	require.Equal(t, before, after)
}

// covers: S16
func testPortalConcurrentSaves(t *testing.T, s portal.Store) {
	const n = 16
	p, pid := newPortal(t, s)
	base, err := p.Settings(ctx(t), pid)
	require.NoError(t, err)

	errs := make([]error, n)
	saved := make([]portal.Settings, n)
	startTogether(n, func(i int) {
		settings := base.Clone()
		settings.Name = fmt.Sprintf("Administrator %d", i)
		saved[i], errs[i] = p.SaveSettings(ctx(t), pid, settings)
	})

	winners, conflicts := countOutcomes(t, errs, portal.ErrConflict)
	require.Len(t, winners, 1, "exactly one save from version %d succeeds", base.Version)
	require.Equal(t, n-1, conflicts)
	w := winners[0]

	got, err := p.Settings(ctx(t), pid)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("Administrator %d", w), got.Name)
	require.Equal(t, base.Version+1, got.Version)
	require.Equal(t, saved[w], got)
}
