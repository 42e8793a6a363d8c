package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// PutProperty implements portal.SchemaStore. A property keeps the position
// it was first put at.
func (s *Store) PutProperty(ctx context.Context, portalID uuid.UUID, def portal.PropertyDef) error {
	b, err := encode(def)
	if err != nil {
		return err
	}
	return s.write(ctx, "put property", portalID, func(t tx) error {
		was, err := changingFilter(ctx, t, portalID) // its stamp holds the types of the properties it reads
		if err != nil {
			return err
		}
		var seq int64
		err = t.row(ctx, "SELECT seq FROM properties WHERE portal_id = ? AND object = ? AND name = ?",
			id(portalID), string(def.Object), def.Property.Name).Scan(&seq)
		if err == sql.ErrNoRows {
			err = t.row(ctx, "SELECT COALESCE(MAX(seq), 0) + 1 FROM properties WHERE portal_id = ?", id(portalID)).Scan(&seq)
		}
		if err != nil {
			return err
		}
		if _, err = t.exec(ctx, s.d.upsert("properties", []string{"portal_id", "object", "name"}, []string{"portal_id", "object", "name", "seq", "doc"}),
			id(portalID), string(def.Object), def.Property.Name, seq, b); err != nil {
			return err
		}
		if err := t.bump(ctx, portalID); err != nil {
			return err
		}
		return redecide(ctx, t, portalID, was)
	})
}

// Properties implements portal.SchemaStore.
func (s *Store) Properties(ctx context.Context, portalID uuid.UUID) ([]portal.PropertyDef, error) {
	return docs(ctx, s, "properties", decode[portal.PropertyDef], propertiesSQL, id(portalID))
}

// propertiesSQL reads a tenant's custom properties, in the order they were
// first put.
const propertiesSQL = "SELECT doc FROM properties WHERE portal_id = ? ORDER BY seq"

// PutForm implements portal.SchemaStore.
func (s *Store) PutForm(ctx context.Context, f portal.Form) error {
	return s.putDoc(ctx, "put form", "forms", f.PortalID, f.ID, f, nil)
}

// Forms implements portal.SchemaStore.
func (s *Store) Forms(ctx context.Context, portalID uuid.UUID) ([]portal.Form, error) {
	return docs(ctx, s, "forms", decode[portal.Form], "SELECT doc FROM forms WHERE portal_id = ? ORDER BY id", id(portalID))
}

// col is one more column a record keeps besides its document.
type col struct {
	name string
	val  any
}

// putDoc creates or replaces a record kept as a document, with the columns
// cols, and runs more in the same transaction.
func (s *Store) putDoc(ctx context.Context, op, table string, portalID, rid uuid.UUID, v any, cols []col, more ...func(t tx) error) error {
	put, err := s.docWrite(ctx, table, portalID, rid, v, cols)
	if err != nil {
		return err
	}
	return s.write(ctx, op, portalID, func(t tx) error {
		if err := put(t); err != nil {
			return err
		}
		for _, fn := range more {
			if err := fn(t); err != nil {
				return err
			}
		}
		return nil
	})
}

// docWrite returns the write of a record kept as a document, with its
// columns, in a transaction.
func (s *Store) docWrite(ctx context.Context, table string, portalID, rid uuid.UUID, v any, cols []col) (func(t tx) error, error) {
	b, err := encode(v)
	if err != nil {
		return nil, err
	}
	names := []string{"portal_id", "id", "doc"}
	args := []any{id(portalID), id(rid), b}
	for _, c := range cols {
		names, args = append(names, c.name), append(args, c.val)
	}
	q := s.d.upsert(table, []string{"portal_id", "id"}, names)
	return func(t tx) error {
		_, err := t.exec(ctx, q, args...)
		return err
	}, nil
}

// getDoc reads a record kept as a document.
func getDoc[T any](ctx context.Context, s *Store, op, table string, portalID, rid uuid.UUID, dec func([]byte) (T, error)) (T, error) {
	b, err := s.doc(ctx, op, "SELECT doc FROM "+table+" WHERE portal_id = ? AND id = ?", id(portalID), id(rid))
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := dec(b)
	return v, mapErr(op, err)
}

// PutContact implements portal.DirectoryStore. The contact's folded name
// is kept for sorting tickets by requester, its normalised e-mail and its
// lists for portal.ContactIndex; what follows from its e-mail is written
// in the same transaction.
func (s *Store) PutContact(ctx context.Context, ch portal.ContactChange) error {
	c := ch.Contact
	put, err := s.docWrite(ctx, "contacts", c.PortalID, c.ID, contactDoc{Contact: c, Properties: props(c.Properties)}, contactCols(c))
	if err != nil {
		return err
	}
	return s.write(ctx, "put contact", c.PortalID, func(t tx) error {
		if ch.If != nil && !ch.If.UpdatedAt.IsZero() {
			if err := unchangedSince(ctx, t, c, ch.If.UpdatedAt); err != nil {
				return err
			}
		}
		if err := put(t); err != nil {
			return err
		}
		if err := followEmail(ctx, t, ch); err != nil {
			return err
		}
		if ch.Mail != nil {
			if err := insertMail(ctx, t, *ch.Mail); err != nil {
				return err
			}
		}
		if err := indexContact(ctx, t, c); err != nil {
			return err
		}
		if ch.Event != nil {
			return s.emit(ctx, t, *ch.Event)
		}
		return nil
	})
}

// unchangedSince locks the stored contact c and checks that it was last
// updated at at (portal.ContactState.UpdatedAt).
func unchangedSince(ctx context.Context, t tx, c portal.Contact, at time.Time) error {
	var b []byte
	err := t.row(ctx, "SELECT doc FROM contacts WHERE portal_id = ? AND id = ?"+t.d.forUpdate(), id(c.PortalID), id(c.ID)).Scan(&b)
	if isNoRows(err) {
		return fmt.Errorf("%w: contact %s: gone since it was read", portal.ErrConflict, c.ID)
	} else if err != nil {
		return err
	}
	stored, err := decodeContact(b)
	if err != nil {
		return err
	}
	if !stored.UpdatedAt.Equal(at) {
		return fmt.Errorf("%w: contact %s: changed since it was read", portal.ErrConflict, c.ID)
	}
	return nil
}

// contactCols are the columns kept beside a contact's document.
func contactCols(c portal.Contact) []col {
	return []col{{"name_fold", optFold(c.Name())}, {"company_id", optID(c.CompanyID)}}
}

// Contacts implements portal.DirectoryStore.
func (s *Store) Contacts(ctx context.Context, portalID uuid.UUID, ids []uuid.UUID) ([]portal.Contact, error) {
	return among(ctx, s, "contacts", "contacts", portalID, ids, decodeContact)
}

// among reads the records of table with the given IDs, in one statement.
func among[T any](ctx context.Context, s *Store, op, table string, portalID uuid.UUID, ids []uuid.UUID, dec func([]byte) (T, error)) ([]T, error) {
	ids = slices.Compact(slices.SortedFunc(slices.Values(ids), func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }))
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{id(portalID)}
	for _, u := range ids {
		args = append(args, id(u))
	}
	return docs(ctx, s, op, dec, "SELECT doc FROM "+table+" WHERE portal_id = ? AND id IN ("+placeholders(len(ids))+")", args...)
}

// PutCompany implements portal.DirectoryStore.
func (s *Store) PutCompany(ctx context.Context, c portal.Company) error {
	return s.putDoc(ctx, "put company", "companies", c.PortalID, c.ID, companyDoc{Company: c, Properties: props(c.Properties)}, nil)
}

// Company implements portal.DirectoryStore.
func (s *Store) Company(ctx context.Context, portalID, cid uuid.UUID) (portal.Company, error) {
	return getDoc(ctx, s, "company", "companies", portalID, cid, decodeCompany)
}

// PutContactList implements portal.DirectoryStore.
func (s *Store) PutContactList(ctx context.Context, l portal.ContactList) error {
	return s.putDoc(ctx, "put contact list", "contact_lists", l.PortalID, l.ID, l, nil)
}

// ContactLists implements portal.DirectoryStore.
func (s *Store) ContactLists(ctx context.Context, portalID uuid.UUID) ([]portal.ContactList, error) {
	return docs(ctx, s, "contact lists", decode[portal.ContactList],
		"SELECT doc FROM contact_lists WHERE portal_id = ? ORDER BY id", id(portalID))
}

// PutOwner implements portal.HelpdeskStore. The owner's folded name in
// every style is kept for sorting tickets by owner.
func (s *Store) PutOwner(ctx context.Context, o portal.Owner) error {
	return s.putDoc(ctx, "put owner", "owners", o.PortalID, o.ID, o, nil, func(t tx) error {
		q := s.d.upsert("owner_names", []string{"portal_id", "owner_id", "style"}, []string{"portal_id", "owner_id", "style", "name_fold"})
		for _, style := range portal.OwnerNames() {
			if _, err := t.exec(ctx, q, id(o.PortalID), id(o.ID), string(style), optFold(o.DisplayName(style))); err != nil {
				return err
			}
		}
		return nil
	})
}

// Owners implements portal.HelpdeskStore.
func (s *Store) Owners(ctx context.Context, portalID uuid.UUID, ids []uuid.UUID) ([]portal.Owner, error) {
	return among(ctx, s, "owners", "owners", portalID, ids, decode[portal.Owner])
}

// PutChannel implements portal.HelpdeskStore.
func (s *Store) PutChannel(ctx context.Context, c portal.Channel) error {
	return s.putDoc(ctx, "put channel", "channels", c.PortalID, c.ID, c, []col{{"name_fold", optFold(c.Name)}},
		func(t tx) error { return t.bump(ctx, c.PortalID) })
}

// Channels implements portal.HelpdeskStore.
func (s *Store) Channels(ctx context.Context, portalID uuid.UUID) ([]portal.Channel, error) {
	return docs(ctx, s, "channels", decode[portal.Channel], "SELECT doc FROM channels WHERE portal_id = ? ORDER BY id", id(portalID))
}

// PutPipeline implements portal.HelpdeskStore. Its stages are kept in a
// table of their own, for a ticket's status and sorting by stage.
func (s *Store) PutPipeline(ctx context.Context, p portal.Pipeline) error {
	return s.putDoc(ctx, "put pipeline", "pipelines", p.PortalID, p.ID, p, []col{{"name_fold", optFold(p.Name)}}, func(t tx) error {
		// A stage removed while tickets are in it: nothing is written.
		q := "SELECT 1 FROM tickets t WHERE t.portal_id = ? AND t.stage_id IN (SELECT st.id FROM stages st WHERE st.portal_id = ? AND st.pipeline_id = ?)"
		args := []any{id(p.PortalID), id(p.PortalID), id(p.ID)}
		if len(p.Stages) > 0 {
			q += " AND t.stage_id NOT IN (" + placeholders(len(p.Stages)) + ")"
			for _, st := range p.Stages {
				args = append(args, id(st.ID))
			}
		}
		var one int
		switch err := t.row(ctx, q+" LIMIT 1", args...).Scan(&one); {
		case err == nil:
			return fmt.Errorf("%w: a removed stage of pipeline %s has tickets", portal.ErrConflict, p.ID)
		case !isNoRows(err):
			return err
		}
		if _, err := t.exec(ctx, "DELETE FROM stages WHERE portal_id = ? AND pipeline_id = ?", id(p.PortalID), id(p.ID)); err != nil {
			return err
		}
		q = s.d.upsert("stages", []string{"portal_id", "id"}, []string{"portal_id", "id", "pipeline_id", "name_fold", "closed"})
		for _, st := range p.Stages {
			closed := 0
			if st.State == portal.StageClosed {
				closed = 1
			}
			if _, err := t.exec(ctx, q, id(p.PortalID), id(st.ID), id(p.ID), optFold(st.Name), closed); err != nil {
				return err
			}
		}
		return t.bump(ctx, p.PortalID)
	})
}

// Pipelines implements portal.HelpdeskStore.
func (s *Store) Pipelines(ctx context.Context, portalID uuid.UUID) ([]portal.Pipeline, error) {
	return docs(ctx, s, "pipelines", decode[portal.Pipeline], "SELECT doc FROM pipelines WHERE portal_id = ? ORDER BY id", id(portalID))
}
