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
	err = retry(ctx, func() error {
		sqlTx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer sqlTx.Rollback()
		x := tx{sqlTx, s.d}
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
		if _, err := x.exec(ctx, "INSERT INTO generations (portal_id, generation) VALUES (?, 0)", id(t.ID)); err != nil {
			return err
		}
		return sqlTx.Commit()
	})
	return mapErr("create tenant", err)
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
	res, err := s.db.ExecContext(ctx, s.d.rebind("UPDATE settings SET version = version + 1, doc = ? WHERE portal_id = ? AND version = ?"),
		b, id(portalID), from)
	if err != nil {
		return 0, mapErr("save settings", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, mapErr("save settings", err)
	} else if n == 1 {
		return from + 1, nil
	}
	var stored int64
	if err := s.row(ctx, "SELECT version FROM settings WHERE portal_id = ?", id(portalID)).Scan(&stored); err != nil {
		return 0, mapErr("save settings", err)
	}
	return 0, fmt.Errorf("%w: settings are at version %d, the save was based on %d", portal.ErrConflict, stored, from)
}
