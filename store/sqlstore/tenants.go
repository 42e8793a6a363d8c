package sqlstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// CreateTenant implements portal.TenantStore.
func (s *Store) CreateTenant(ctx context.Context, t portal.Tenant, set portal.Settings) error {
	tdoc, err := encode(t)
	if err != nil {
		return err
	}
	set.Version = 0 // the column holds the version
	sdoc, err := encode(set)
	if err != nil {
		return err
	}
	return s.transact(ctx, "create tenant", func(x tx) error {
		res, err := x.exec(ctx, s.d.insertNew("tenants", []string{"id"}, []string{"id", "created_at", "doc"}),
			id(t.ID), t.CreatedAt.UnixMicro(), tdoc)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("%w: tenant %s exists (%v)", portal.ErrConflict, t.ID, err)
		}
		if _, err := x.exec(ctx, "INSERT INTO settings (portal_id, version, doc) VALUES (?, 1, ?)", id(t.ID), sdoc); err != nil {
			return err
		}
		_, err = x.exec(ctx, "INSERT INTO generations (portal_id, generation) VALUES (?, 0)", id(t.ID))
		return err
	})
}

// Tenant implements portal.TenantStore.
func (s *Store) Tenant(ctx context.Context, tid uuid.UUID) (portal.Tenant, error) {
	b, err := s.doc(ctx, "tenant", "SELECT doc FROM tenants WHERE id = ?", id(tid))
	if err != nil {
		return portal.Tenant{}, err
	}
	t, err := decode[portal.Tenant](b)
	return t, mapErr("tenant", err)
}

// Settings implements portal.TenantStore.
func (s *Store) Settings(ctx context.Context, portalID uuid.UUID) (portal.Settings, error) {
	var (
		version int64
		b       []byte
	)
	err := s.row(ctx, "SELECT version, doc FROM settings WHERE portal_id = ?", id(portalID)).Scan(&version, &b)
	if err != nil {
		return portal.Settings{}, mapErr("settings", err)
	}
	set, err := decode[portal.Settings](b)
	set.Version = version
	return set, mapErr("settings", err)
}

// SaveSettings implements portal.TenantStore: one conditional UPDATE, so
// that of concurrent saves from the same version exactly one succeeds.
func (s *Store) SaveSettings(ctx context.Context, portalID uuid.UUID, set portal.Settings) (int64, error) {
	from := set.Version
	set.Version = 0
	b, err := encode(set)
	if err != nil {
		return 0, err
	}
	// A transaction, though it is one statement: on a cluster, its start
	// waits for what other nodes committed (wsrep_sync_wait), a lone
	// UPDATE does not.
	err = s.transact(ctx, "save settings", func(x tx) error {
		// The settings' row first, exclusively: a write of a ticket
		// decides its verdict holding it shared (verdicts.go).
		res, err := x.exec(ctx, "UPDATE settings SET version = version + 1 WHERE portal_id = ? AND version = ?", id(portalID), from)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			if err != nil {
				return err
			}
			was, err := readFilter(ctx, x, portalID)
			if err != nil {
				return err
			}
			if _, err := x.exec(ctx, "UPDATE settings SET doc = ? WHERE portal_id = ?", b, id(portalID)); err != nil {
				return err
			}
			return redecide(ctx, x, portalID, was)
		}
		var stored int64
		if err := x.row(ctx, "SELECT version FROM settings WHERE portal_id = ?", id(portalID)).Scan(&stored); err != nil {
			return err
		}
		return fmt.Errorf("%w: settings are at version %d, the save was based on %d", portal.ErrConflict, stored, from)
	})
	if err != nil {
		return 0, err
	}
	return from + 1, nil
}
