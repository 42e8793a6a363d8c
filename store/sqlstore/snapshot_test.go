package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// oneByOne is the snapshot read record by record.
func oneByOne(t *testing.T, st portal.Store, portalID, contactID uuid.UUID) portal.Snapshot {
	t.Helper()
	ctx := context.Background()
	var snap portal.Snapshot
	var err error
	snap.Settings, err = st.Settings(ctx, portalID)
	require.NoError(t, err)
	cs, err := st.Contacts(ctx, portalID, []uuid.UUID{contactID})
	require.NoError(t, err)
	require.Len(t, cs, 1)
	snap.Contact = cs[0]
	if snap.Contact.CompanyID != uuid.Nil {
		co, err := st.Company(ctx, portalID, snap.Contact.CompanyID)
		require.NoError(t, err)
		snap.Company = &co
	}
	snap.Properties, err = st.Properties(ctx, portalID)
	require.NoError(t, err)
	snap.Pipelines, err = st.Pipelines(ctx, portalID)
	require.NoError(t, err)
	snap.Channels, err = st.Channels(ctx, portalID)
	require.NoError(t, err)
	return snap
}

// requireSnapshot checks that got is want, nil and empty lists alike.
func requireSnapshot(t *testing.T, want, got portal.Snapshot) {
	t.Helper()
	for _, s := range []*portal.Snapshot{&want, &got} {
		if len(s.Properties) == 0 {
			s.Properties = nil
		}
		if len(s.Pipelines) == 0 {
			s.Pipelines = nil
		}
		if len(s.Channels) == 0 {
			s.Channels = nil
		}
	}
	require.Equal(t, want, got)
}

// A Store keeps the tenant's settings, properties, pipelines and channels
// between requests; a change made through another Store on the same
// database (another process) shows in the very next snapshot, and what a
// snapshot returns shares nothing with what the store keeps.
// covers: X1, X5, S16
func TestSnapshotSeesOtherProcesses(t *testing.T) {
	eachDialect(t, func(t *testing.T, d dialect) {
		ctx := context.Background()
		dsn := d.fresh(t)
		a, err := sqlstore.Open(ctx, d.db(t, dsn), d.name)
		require.NoError(t, err)
		b, err := sqlstore.Open(ctx, d.db(t, dsn), d.name)
		require.NoError(t, err)

		at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		pid, other := uuid.Must(portal.NewID()), uuid.Must(portal.NewID())
		for _, tid := range []uuid.UUID{pid, other} {
			require.NoError(t, a.CreateTenant(ctx, portal.Tenant{ID: tid, Name: "T", CreatedAt: at}, portal.DefaultSettings()))
		}
		co := portal.Company{ID: uuid.Must(portal.NewID()), PortalID: pid, Name: "Firma ApS", CreatedAt: at, UpdatedAt: at}
		require.NoError(t, a.PutCompany(ctx, co))
		c := portal.Contact{ID: uuid.Must(portal.NewID()), PortalID: pid, FirstName: "Søren", Email: "s@firma.example", CompanyID: co.ID, CreatedAt: at, UpdatedAt: at}
		require.NoError(t, a.PutContact(ctx, portal.ContactChange{Contact: c}))
		ch := portal.Channel{ID: uuid.Must(portal.NewID()), PortalID: pid, Name: "Desk", Kind: portal.HelpDesk}
		require.NoError(t, a.PutChannel(ctx, ch))

		first, err := a.Snapshot(ctx, pid, c.ID)
		require.NoError(t, err)
		requireSnapshot(t, oneByOne(t, b, pid, c.ID), first)

		// What a snapshot returns is the caller's own.
		first.Settings.Name = "changed by the caller"
		first.Channels[0].Name = "changed by the caller"
		first.Channels = append(first.Channels, portal.Channel{Name: "added by the caller"})
		again, err := a.Snapshot(ctx, pid, c.ID)
		require.NoError(t, err)
		requireSnapshot(t, oneByOne(t, b, pid, c.ID), again)

		// Each kind of change, made by the other process, is seen at once.
		changes := map[string]func(){
			"channel": func() {
				require.NoError(t, b.PutChannel(ctx, portal.Channel{ID: ch.ID, PortalID: pid, Name: "Renamed", Kind: portal.Inbox}))
			},
			"pipeline": func() {
				require.NoError(t, b.PutPipeline(ctx, portal.Pipeline{ID: uuid.Must(portal.NewID()), PortalID: pid, Name: "Support",
					Stages: []portal.Stage{{ID: uuid.Must(portal.NewID()), Name: "New", State: portal.StageOpen}}}))
			},
			"property": func() {
				require.NoError(t, b.PutProperty(ctx, pid, portal.PropertyDef{Object: portal.TicketObject,
					Property: portal.Property{Name: "order_no", Label: "Order", Type: portal.Text}}))
			},
			"settings": func() {
				s, err := b.Settings(ctx, pid)
				require.NoError(t, err)
				s.Name = "Kundeportal"
				_, err = b.SaveSettings(ctx, pid, s)
				require.NoError(t, err)
			},
			"contact": func() {
				c.FirstName = "Mette"
				require.NoError(t, b.PutContact(ctx, portal.ContactChange{Contact: c}))
			},
			"company": func() {
				co.Name = "Firma A/S"
				require.NoError(t, b.PutCompany(ctx, co))
			},
			"another tenant": func() {
				require.NoError(t, b.PutChannel(ctx, portal.Channel{ID: uuid.Must(portal.NewID()), PortalID: other, Name: "Elsewhere", Kind: portal.Inbox}))
			},
		}
		for _, name := range []string{"channel", "pipeline", "property", "settings", "contact", "company", "another tenant"} {
			changes[name]()
			got, err := a.Snapshot(ctx, pid, c.ID)
			require.NoError(t, err, name)
			requireSnapshot(t, oneByOne(t, b, pid, c.ID), got)
		}

		// A contact that is not there is not found, kept tenant or not.
		_, err = a.Snapshot(ctx, pid, uuid.Must(portal.NewID()))
		require.ErrorIs(t, err, portal.ErrNotFound)
		_, err = a.Snapshot(ctx, uuid.Must(portal.NewID()), c.ID)
		require.ErrorIs(t, err, portal.ErrNotFound)
		_, err = a.Snapshot(ctx, other, c.ID)
		require.ErrorIs(t, err, portal.ErrNotFound)
	})
}
