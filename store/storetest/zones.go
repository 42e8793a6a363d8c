package storetest

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// zoneTests check that a contact reads dates in its time zone (X3): the
// list, the detail and the export show them there, and a day in a date
// filter is the contact's day, on every store.
var zoneTests = []test{
	{name: "DatesAreShownInTheContactsZone", fn: testZoneDates},
	{name: "DateFiltersMeanTheContactsDay", fn: testZoneFilters},
}

// A ticket made late on a UTC evening: already the next day in
// Copenhagen, still the same afternoon in New York.
var lateEvening = time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)

// newZoneWorld has Ann in Copenhagen (her own choice), Bob with the
// portal's zone, and one ticket of Acme made lateEvening.
func newZoneWorld(t *testing.T, s portal.Store) *scopeWorld {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	w.columns(portal.PropSubject, portal.PropCreatedAt, portal.PropStatus)
	w.ann.TimeZone = "Europe/Copenhagen"
	w.ann = w.saveContact(w.ann)
	w.ticket(portal.Ticket{Subject: "Late evening", ContactIDs: []uuid.UUID{w.ann.ID}, CompanyIDs: []uuid.UUID{w.acme.ID},
		CreatedAt: lateEvening})
	return w
}

// covers: X3, P1, P4, P7
func testZoneDates(t *testing.T, s portal.Store) {
	w := newZoneWorld(t, s)
	cell := func(v portal.Viewer) (string, string) {
		tv := w.view(v, portal.ListQuery{Search: "late evening"})
		require.Len(t, tv.Rows, 1)
		return tv.Rows[0].Cells[1].Text, tv.TimeZone
	}
	text, zone := cell(w.viewer(w.ann))
	assert.Equal(t, "2026-12-01 00:30", text, "Copenhagen is an hour ahead in winter")
	assert.Equal(t, "Europe/Copenhagen", zone)
	text, zone = cell(w.viewer(w.bob))
	assert.Equal(t, "2026-11-30 23:30", text, "no zone anywhere: UTC")
	assert.Equal(t, "UTC", zone)
	w.set(func(st *portal.Settings) { st.TimeZone = "America/New_York" })
	text, zone = cell(w.viewer(w.bob))
	assert.Equal(t, "2026-11-30 18:30", text, "the portal's zone for a contact without one")
	assert.Equal(t, "America/New_York", zone)
	text, _ = cell(w.viewer(w.ann))
	assert.Equal(t, "2026-12-01 00:30", text, "the contact's own zone first")

	d, err := w.p.TicketDetail(ctx(t), w.viewer(w.ann), w.id("Late evening"))
	require.NoError(t, err)
	assert.Equal(t, "2026-12-01 00:30", d.Cells[1].Text)
	assert.Equal(t, "Europe/Copenhagen", d.TimeZone)

	var buf bytes.Buffer
	_, err = w.p.ExportCSV(ctx(t), w.viewer(w.ann), portal.ListQuery{Search: "late evening"}, &buf, portal.CSVOptions{NoBOM: true})
	require.NoError(t, err)
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, []string{"Subject", "Create date (Europe/Copenhagen)", "Status"}, rows[0], "the export says its zone")
	assert.Equal(t, "2026-12-01 00:30", rows[1][1])
}

// covers: X3, P2
func testZoneFilters(t *testing.T, s portal.Store) {
	w := newZoneWorld(t, s)
	on := func(v portal.Viewer, day string) []string {
		return w.list(v, portal.ListQuery{Search: "late evening",
			Filters: []portal.Filter{{Property: portal.PropCreatedAt, Operator: portal.Eq, Values: []string{day}}}})
	}
	assert.Equal(t, []string{"Late evening"}, on(w.viewer(w.ann), "2026-12-01"), "Ann's 1 December")
	assert.Empty(t, on(w.viewer(w.ann), "2026-11-30"))
	assert.Equal(t, []string{"Late evening"}, on(w.viewer(w.bob), "2026-11-30"), "Bob's day is a UTC day")
	before := w.list(w.viewer(w.ann), portal.ListQuery{Search: "late evening",
		Filters: []portal.Filter{{Property: portal.PropCreatedAt, Operator: portal.Lt, Values: []string{"2026-12-01"}}}})
	assert.Empty(t, before, "before Ann's 1 December began")
	w.set(func(st *portal.Settings) { st.TimeZone = "America/New_York" })
	assert.Equal(t, []string{"Late evening"}, on(w.viewer(w.bob), "2026-11-30"), "the portal's day")
	assert.Empty(t, on(w.viewer(w.bob), "2026-12-01"))
}
