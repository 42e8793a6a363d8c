package sqlstore

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

var _ portal.SnapshotReader = (*Store)(nil)

// snapshotSQL reads a request's snapshot in one statement, one row per
// record: its part, a number (the settings' version, a property's
// position), its ID and its document. It has no ORDER BY, which would sort
// the documents in a temporary table: Snapshot orders the lists itself.
const snapshotSQL = `SELECT 0, version, portal_id, doc FROM settings WHERE portal_id = ?
UNION ALL SELECT 1, 0, id, doc FROM contacts WHERE portal_id = ? AND id = ?
UNION ALL SELECT 2, 0, co.id, co.doc FROM contacts c JOIN companies co ON co.portal_id = c.portal_id AND co.id = c.company_id
  WHERE c.portal_id = ? AND c.id = ?
UNION ALL SELECT 3, seq, portal_id, doc FROM properties WHERE portal_id = ?
UNION ALL SELECT 4, 0, id, doc FROM pipelines WHERE portal_id = ?
UNION ALL SELECT 5, 0, id, doc FROM channels WHERE portal_id = ?`

// Snapshot implements portal.SnapshotReader in one round trip.
func (s *Store) Snapshot(ctx context.Context, portalID, contactID uuid.UUID) (portal.Snapshot, error) {
	var snap portal.Snapshot
	pid, cid := id(portalID), id(contactID)
	rows, err := s.query(ctx, snapshotSQL, pid, pid, cid, pid, cid, pid, pid, pid)
	if err != nil {
		return snap, mapErr("snapshot", err)
	}
	defer rows.Close()
	var haveSettings, haveContact bool
	type seqDef struct {
		seq int64
		def portal.PropertyDef
	}
	var props []seqDef
	for rows.Next() {
		var (
			part int
			n    int64
			rid  []byte
			doc  []byte
		)
		if err := rows.Scan(&part, &n, &rid, &doc); err != nil {
			return snap, mapErr("snapshot", err)
		}
		switch part {
		case 0:
			snap.Settings, err = decode[portal.Settings](doc)
			snap.Settings.Version, haveSettings = n, true
		case 1:
			snap.Contact, err = decodeContact(doc)
			haveContact = true
		case 2:
			var co portal.Company
			co, err = decodeCompany(doc)
			snap.Company = &co
		case 3:
			var def portal.PropertyDef
			def, err = decode[portal.PropertyDef](doc)
			props = append(props, seqDef{n, def})
		case 4:
			var pl portal.Pipeline
			pl, err = decode[portal.Pipeline](doc)
			snap.Pipelines = append(snap.Pipelines, pl)
		case 5:
			var ch portal.Channel
			ch, err = decode[portal.Channel](doc)
			snap.Channels = append(snap.Channels, ch)
		}
		if err != nil {
			return snap, mapErr("snapshot", err)
		}
	}
	if err := rows.Err(); err != nil {
		return snap, mapErr("snapshot", err)
	}
	switch {
	case !haveSettings:
		return snap, fmt.Errorf("%w: tenant %s", portal.ErrNotFound, portalID)
	case !haveContact:
		return snap, fmt.Errorf("%w: contact %s", portal.ErrNotFound, contactID)
	}
	slices.SortFunc(props, func(a, b seqDef) int { return cmp.Compare(a.seq, b.seq) })
	for _, p := range props {
		snap.Properties = append(snap.Properties, p.def)
	}
	slices.SortFunc(snap.Pipelines, func(a, b portal.Pipeline) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	slices.SortFunc(snap.Channels, func(a, b portal.Channel) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	if snap.Pipelines == nil {
		snap.Pipelines = []portal.Pipeline{}
	}
	if snap.Channels == nil {
		snap.Channels = []portal.Channel{}
	}
	return snap, nil
}
