package sqlstore

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

var _ portal.SnapshotReader = (*Store)(nil)

// A customer request reads its tenant's settings, custom properties,
// pipelines and channels, which change seldom, and its contact and company,
// which it must read fresh. Snapshot keeps the tenant's part in memory
// (keptParts) and reads only the contact and company, with the settings'
// version and the tenant's generation (see bump) that tell whether what it
// keeps is current: one small statement. When they differ, it reads
// everything in one statement (snapshotSQL) and keeps the tenant's part.
//
// What is kept is always a consistent whole, read by one statement; whether
// it is current is checked against the database at every request, so a
// change made by any process is seen by the next request of every process.

// currentSQL reads the request's contact and company, and the version and
// generation of what the tenant's part was read at.
const currentSQL = `SELECT s.version, g.generation, c.doc, co.doc FROM settings s
LEFT JOIN generations g ON g.portal_id = s.portal_id
LEFT JOIN contacts c ON c.portal_id = s.portal_id AND c.id = ?
LEFT JOIN companies co ON co.portal_id = c.portal_id AND co.id = c.company_id
WHERE s.portal_id = ?`

// snapshotSQL reads a request's whole snapshot in one statement, one row per
// record: its part, a number (the settings' version, the generation, a
// property's position), its ID and its document. It has no ORDER BY, which
// would sort the documents in a temporary table: Snapshot orders the lists
// itself.
const snapshotSQL = `SELECT 0, version, portal_id, doc FROM settings WHERE portal_id = ?
UNION ALL SELECT 1, 0, id, doc FROM contacts WHERE portal_id = ? AND id = ?
UNION ALL SELECT 2, 0, co.id, co.doc FROM contacts c JOIN companies co ON co.portal_id = c.portal_id AND co.id = c.company_id
  WHERE c.portal_id = ? AND c.id = ?
UNION ALL SELECT 3, seq, portal_id, doc FROM properties WHERE portal_id = ?
UNION ALL SELECT 4, 0, id, doc FROM pipelines WHERE portal_id = ?
UNION ALL SELECT 5, 0, id, doc FROM channels WHERE portal_id = ?
UNION ALL SELECT 6, generation, portal_id, NULL FROM generations WHERE portal_id = ?`

// parts is a tenant's part of a snapshot, as read at a settings version and
// a generation.
type parts struct {
	version, generation int64
	settings            portal.Settings
	properties          []portal.PropertyDef
	pipelines           []portal.Pipeline
	channels            []portal.Channel

	vis     sync.Once // compiles filter, the first time it is asked for
	filter  portal.TicketFilter
	filterr error
}

// visibility returns the settings' visibility filter (portal.VisibilityOf).
func (p *parts) visibility() (portal.TicketFilter, error) {
	p.vis.Do(func() { p.filter, p.filterr = portal.VisibilityOf(&p.settings, p.properties) })
	return p.filter, p.filterr
}

// current reports whether p was read at version and generation.
func (p *parts) current(version int64, generation *int64) bool {
	return p != nil && generation != nil && p.version == version && p.generation == *generation
}

// fill copies p into snap, sharing nothing with it.
func (p *parts) fill(snap *portal.Snapshot) {
	snap.Settings = p.settings.Clone()
	snap.Properties = make([]portal.PropertyDef, len(p.properties))
	for i, def := range p.properties {
		snap.Properties[i] = portal.PropertyDef{Object: def.Object, Property: def.Property.Clone()}
	}
	snap.Pipelines = make([]portal.Pipeline, len(p.pipelines))
	for i, pl := range p.pipelines {
		snap.Pipelines[i] = pl.Clone()
	}
	snap.Channels = slices.Clone(p.channels)
	if snap.Channels == nil {
		snap.Channels = []portal.Channel{}
	}
}

// maxKept bounds the tenants whose parts a Store keeps.
const maxKept = 4096

// keptParts are the tenants' parts a Store keeps, at most maxKept.
type keptParts struct {
	mu sync.Mutex
	m  map[uuid.UUID]*parts
}

func (k *keptParts) get(portalID uuid.UUID) *parts {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.m[portalID]
}

func (k *keptParts) put(portalID uuid.UUID, p *parts) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.m[portalID]; !ok && len(k.m) >= maxKept {
		for other := range k.m { // any one: a tenant that comes back reads its part again
			delete(k.m, other)
			break
		}
	}
	k.m[portalID] = p
}

// Snapshot implements portal.SnapshotReader: one statement, of the
// contact and company alone when the tenant's part is kept and current.
func (s *Store) Snapshot(ctx context.Context, portalID, contactID uuid.UUID) (portal.Snapshot, error) {
	var snap portal.Snapshot
	kept := s.kept.get(portalID)
	if kept != nil {
		var (
			version          int64
			generation       *int64
			contact, company []byte
		)
		err := s.row(ctx, currentSQL, id(contactID), id(portalID)).Scan(&version, &generation, &contact, &company)
		if err != nil {
			return snap, mapErr("snapshot", err) // no row: ErrNotFound, the tenant is gone
		}
		if kept.current(version, generation) {
			if contact == nil {
				return snap, fmt.Errorf("%w: contact %s", portal.ErrNotFound, contactID)
			}
			kept.fill(&snap)
			return snap, person(&snap, contact, company)
		}
	}
	return s.readSnapshot(ctx, portalID, contactID)
}

// person decodes the snapshot's contact and company documents (company may
// be nil).
func person(snap *portal.Snapshot, contact, company []byte) error {
	var err error
	if snap.Contact, err = decodeContact(contact); err != nil {
		return mapErr("snapshot", err)
	}
	if company != nil {
		co, err := decodeCompany(company)
		if err != nil {
			return mapErr("snapshot", err)
		}
		snap.Company = &co
	}
	return nil
}

// readSnapshot reads a whole snapshot (snapshotSQL) and keeps the tenant's
// part.
func (s *Store) readSnapshot(ctx context.Context, portalID, contactID uuid.UUID) (portal.Snapshot, error) {
	var snap portal.Snapshot
	pid, cid := id(portalID), id(contactID)
	rows, err := s.query(ctx, snapshotSQL, pid, pid, cid, pid, cid, pid, pid, pid, pid)
	if err != nil {
		return snap, mapErr("snapshot", err)
	}
	defer rows.Close()
	var (
		haveSettings, haveGeneration bool
		contact, company             []byte
		p                            parts
	)
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
			p.settings, err = decode[portal.Settings](doc)
			p.settings.Version, p.version, haveSettings = n, n, true
		case 1:
			contact = doc
		case 2:
			company = doc
		case 3:
			var def portal.PropertyDef
			def, err = decode[portal.PropertyDef](doc)
			props = append(props, seqDef{n, def})
		case 4:
			var pl portal.Pipeline
			pl, err = decode[portal.Pipeline](doc)
			p.pipelines = append(p.pipelines, pl)
		case 5:
			var ch portal.Channel
			ch, err = decode[portal.Channel](doc)
			p.channels = append(p.channels, ch)
		case 6:
			p.generation, haveGeneration = n, true
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
	case contact == nil:
		return snap, fmt.Errorf("%w: contact %s", portal.ErrNotFound, contactID)
	}
	slices.SortFunc(props, func(a, b seqDef) int { return cmp.Compare(a.seq, b.seq) })
	for _, sd := range props {
		p.properties = append(p.properties, sd.def)
	}
	slices.SortFunc(p.pipelines, func(a, b portal.Pipeline) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	slices.SortFunc(p.channels, func(a, b portal.Channel) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	if haveGeneration {
		s.kept.put(portalID, &p)
	}
	p.fill(&snap)
	return snap, person(&snap, contact, company)
}
