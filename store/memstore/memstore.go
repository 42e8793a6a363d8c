// Package memstore is an in-memory portal.Store: for tests, demos and hosts
// that keep their data elsewhere and feed the portal at start-up. It is safe
// for concurrent use and never aliases what it is given or gives out.
//
// It keeps, per tenant, the tickets of each associated contact and of each
// associated company ordered by creation and by last activity (B-trees), so
// that a contact's scope is found without scanning every ticket, and a page
// of a list sorted by either date is a walk that stops when the page is
// full. Each ticket's text is kept folded beside it (portal.FoldTicket), so
// that no query folds it again.
package memstore

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// Store is an in-memory portal.Store. The zero value is not usable; call New.
type Store struct {
	mu      sync.RWMutex
	tenants map[uuid.UUID]*tenant

	idmu sync.Mutex
	ids  map[uuid.UUID]*ids // logins, tokens, sessions, by tenant
}

var (
	_ portal.Store     = (*Store)(nil)
	_ portal.AuthStore = (*Store)(nil)
)

// New returns an empty Store.
func New() *Store { return &Store{tenants: map[uuid.UUID]*tenant{}} }

// tenant holds one tenant's records. Every map is keyed by record ID.
type tenant struct {
	info      portal.Tenant
	settings  portal.Settings
	props     []portal.PropertyDef
	forms     map[uuid.UUID]portal.Form
	contacts  map[uuid.UUID]portal.Contact
	companies map[uuid.UUID]portal.Company
	lists     map[uuid.UUID]portal.ContactList
	owners    map[uuid.UUID]portal.Owner
	channels  map[uuid.UUID]portal.Channel
	pipelines map[uuid.UUID]portal.Pipeline
	tickets   map[uuid.UUID]*entry
	numbers   map[int64]uuid.UUID // ticket number → ticket (P10)
	// lastNumber is the highest ticket number given or put: the next is
	// one above.
	lastNumber int64
	threads    map[uuid.UUID]portal.Thread
	messages   map[uuid.UUID]portal.Message

	byContact map[uuid.UUID]*scope // contact → its tickets
	byCompany map[uuid.UUID]*scope // company → its tickets
	stages    map[uuid.UUID]portal.Stage
	closed    map[uuid.UUID]bool // closed stages
	vis       visibility         // the settings' visibility filter (verdicts.go)

	gen              uint64                    // counts writes; a query result holds for one gen
	results          results                   // recent query results
	byEmail          map[string]set            // normalised e-mail → its contacts
	byList           map[uuid.UUID]set         // contact list → its members
	threadsByTicket  map[uuid.UUID][]uuid.UUID // oldest first
	messagesByThread map[uuid.UUID][]uuid.UUID // oldest first

	events      []portal.Event           // the outbox: events[i].Seq == i+1
	acked       int64                    // acknowledged outbox position
	submissions map[submission]submitted // idempotency keys
	pending     map[string]time.Time     // blob keys pending since
}

func newTenant(t portal.Tenant, s portal.Settings) *tenant {
	tn := &tenant{
		info: t, settings: s,
		forms: map[uuid.UUID]portal.Form{}, contacts: map[uuid.UUID]portal.Contact{},
		companies: map[uuid.UUID]portal.Company{}, lists: map[uuid.UUID]portal.ContactList{},
		owners: map[uuid.UUID]portal.Owner{}, channels: map[uuid.UUID]portal.Channel{},
		pipelines: map[uuid.UUID]portal.Pipeline{}, tickets: map[uuid.UUID]*entry{}, numbers: map[int64]uuid.UUID{},
		threads: map[uuid.UUID]portal.Thread{}, messages: map[uuid.UUID]portal.Message{},
		byContact: map[uuid.UUID]*scope{}, byCompany: map[uuid.UUID]*scope{},
		stages: map[uuid.UUID]portal.Stage{}, closed: map[uuid.UUID]bool{},
		threadsByTicket: map[uuid.UUID][]uuid.UUID{}, messagesByThread: map[uuid.UUID][]uuid.UUID{},
		submissions: map[submission]submitted{}, pending: map[string]time.Time{},
	}
	tn.compileVisibility()
	return tn
}

func notFound(what string, id uuid.UUID) error {
	return fmt.Errorf("memstore: %s %s: %w", what, id, portal.ErrNotFound)
}

// read runs fn on the tenant under the read lock.
func read[T any](s *Store, portalID uuid.UUID, fn func(*tenant) (T, error)) (T, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tenants[portalID]
	if !ok {
		var zero T
		return zero, notFound("tenant", portalID)
	}
	return fn(t)
}

// write runs fn on the tenant under the write lock.
func (s *Store) write(portalID uuid.UUID, fn func(*tenant) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tenants[portalID]
	if !ok {
		return notFound("tenant", portalID)
	}
	t.gen++
	return fn(t)
}

// get returns a copy of the record id of m.
func get[T any](m map[uuid.UUID]T, what string, id uuid.UUID, clone func(T) T) (T, error) {
	x, ok := m[id]
	if !ok {
		return x, notFound(what, id)
	}
	return clone(x), nil
}

// sortedByID returns copies of m's records ordered by ID.
func sortedByID[T any](m map[uuid.UUID]T, clone func(T) T) []T {
	ids := slices.SortedFunc(maps.Keys(m), func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	out := make([]T, len(ids))
	for i, id := range ids {
		out[i] = clone(m[id])
	}
	return out
}

func same[T any](x T) T { return x }

// CreateTenant implements portal.TenantStore.
func (s *Store) CreateTenant(_ context.Context, t portal.Tenant, st portal.Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tenants[t.ID]; ok {
		return fmt.Errorf("memstore: tenant %s exists: %w", t.ID, portal.ErrConflict)
	}
	st = st.Clone()
	st.Version = 1
	s.tenants[t.ID] = newTenant(t, st)
	return nil
}

// Tenant implements portal.TenantStore.
func (s *Store) Tenant(_ context.Context, id uuid.UUID) (portal.Tenant, error) {
	return read(s, id, func(t *tenant) (portal.Tenant, error) { return t.info, nil })
}

// Settings implements portal.TenantStore.
func (s *Store) Settings(_ context.Context, portalID uuid.UUID) (portal.Settings, error) {
	return read(s, portalID, func(t *tenant) (portal.Settings, error) { return t.settings.Clone(), nil })
}

// SaveSettings implements portal.TenantStore.
func (s *Store) SaveSettings(_ context.Context, portalID uuid.UUID, st portal.Settings) (int64, error) {
	var v int64
	err := s.write(portalID, func(t *tenant) error {
		if t.settings.Version != st.Version {
			return fmt.Errorf("memstore: settings version %d is stale (now %d): %w",
				st.Version, t.settings.Version, portal.ErrConflict)
		}
		st = st.Clone()
		st.Version++
		t.settings, v = st, st.Version
		t.compileVisibility()
		return nil
	})
	return v, err
}

// PutProperty implements portal.SchemaStore.
func (s *Store) PutProperty(_ context.Context, portalID uuid.UUID, def portal.PropertyDef) error {
	def.Property = def.Property.Clone()
	return s.write(portalID, func(t *tenant) error {
		i := slices.IndexFunc(t.props, func(d portal.PropertyDef) bool {
			return d.Object == def.Object && d.Property.Name == def.Property.Name
		})
		if i >= 0 {
			t.props[i] = def
		} else {
			t.props = append(t.props, def)
		}
		t.compileVisibility() // the stamp holds the types of the properties the filter reads
		return nil
	})
}

// Properties implements portal.SchemaStore.
func (s *Store) Properties(_ context.Context, portalID uuid.UUID) ([]portal.PropertyDef, error) {
	return read(s, portalID, func(t *tenant) ([]portal.PropertyDef, error) {
		out := make([]portal.PropertyDef, len(t.props))
		for i, d := range t.props {
			d.Property = d.Property.Clone()
			out[i] = d
		}
		return out, nil
	})
}

// PutForm implements portal.SchemaStore.
func (s *Store) PutForm(_ context.Context, f portal.Form) error {
	f = f.Clone()
	return s.write(f.PortalID, func(t *tenant) error { t.forms[f.ID] = f; return nil })
}

// Forms implements portal.SchemaStore.
func (s *Store) Forms(_ context.Context, portalID uuid.UUID) ([]portal.Form, error) {
	return read(s, portalID, func(t *tenant) ([]portal.Form, error) {
		return sortedByID(t.forms, portal.Form.Clone), nil
	})
}

// PutContact implements portal.DirectoryStore.
func (s *Store) PutContact(_ context.Context, ch portal.ContactChange) error {
	c := ch.Contact.Clone()
	return s.write(c.PortalID, func(t *tenant) error {
		old, had := t.contacts[c.ID]
		if err := s.followEmail(ch, old, had); err != nil {
			return err
		}
		if had {
			t.unindexContact(old)
		}
		t.contacts[c.ID] = c
		t.indexContact(c)
		if ch.Event != nil {
			t.emit(*ch.Event)
		}
		return nil
	})
}

// Contacts implements portal.DirectoryStore.
func (s *Store) Contacts(_ context.Context, portalID uuid.UUID, ids []uuid.UUID) ([]portal.Contact, error) {
	return read(s, portalID, func(t *tenant) ([]portal.Contact, error) { return among(t.contacts, ids, portal.Contact.Clone), nil })
}

// among returns the records of m with the given IDs, each once.
func among[T any](m map[uuid.UUID]T, ids []uuid.UUID, clone func(T) T) []T {
	var out []T
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		if v, ok := m[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, clone(v))
		}
	}
	return out
}

// PutCompany implements portal.DirectoryStore.
func (s *Store) PutCompany(_ context.Context, c portal.Company) error {
	c = c.Clone()
	return s.write(c.PortalID, func(t *tenant) error { t.companies[c.ID] = c; return nil })
}

// Company implements portal.DirectoryStore.
func (s *Store) Company(_ context.Context, portalID, id uuid.UUID) (portal.Company, error) {
	return read(s, portalID, func(t *tenant) (portal.Company, error) {
		return get(t.companies, "company", id, portal.Company.Clone)
	})
}

// PutContactList implements portal.DirectoryStore.
func (s *Store) PutContactList(_ context.Context, l portal.ContactList) error {
	return s.write(l.PortalID, func(t *tenant) error { t.lists[l.ID] = l; return nil })
}

// ContactLists implements portal.DirectoryStore.
func (s *Store) ContactLists(_ context.Context, portalID uuid.UUID) ([]portal.ContactList, error) {
	return read(s, portalID, func(t *tenant) ([]portal.ContactList, error) {
		return sortedByID(t.lists, same), nil
	})
}

// PutOwner implements portal.HelpdeskStore.
func (s *Store) PutOwner(_ context.Context, o portal.Owner) error {
	return s.write(o.PortalID, func(t *tenant) error { t.owners[o.ID] = o; return nil })
}

// Owners implements portal.HelpdeskStore.
func (s *Store) Owners(_ context.Context, portalID uuid.UUID, ids []uuid.UUID) ([]portal.Owner, error) {
	return read(s, portalID, func(t *tenant) ([]portal.Owner, error) { return among(t.owners, ids, same), nil })
}

// PutChannel implements portal.HelpdeskStore.
func (s *Store) PutChannel(_ context.Context, c portal.Channel) error {
	return s.write(c.PortalID, func(t *tenant) error { t.channels[c.ID] = c; return nil })
}

// Channels implements portal.HelpdeskStore.
func (s *Store) Channels(_ context.Context, portalID uuid.UUID) ([]portal.Channel, error) {
	return read(s, portalID, func(t *tenant) ([]portal.Channel, error) {
		return sortedByID(t.channels, same), nil
	})
}

// PutPipeline implements portal.HelpdeskStore.
func (s *Store) PutPipeline(_ context.Context, p portal.Pipeline) error {
	p = p.Clone()
	return s.write(p.PortalID, func(t *tenant) error {
		if old, ok := t.pipelines[p.ID]; ok {
			removed := map[uuid.UUID]bool{}
			for _, st := range old.Stages {
				if _, kept := p.Stage(st.ID); !kept {
					removed[st.ID] = true
				}
			}
			for _, e := range t.tickets {
				if len(removed) > 0 && removed[e.t.StageID] {
					return fmt.Errorf("memstore: stage %s has tickets: %w", e.t.StageID, portal.ErrConflict)
				}
			}
			for _, st := range old.Stages {
				delete(t.stages, st.ID)
				delete(t.closed, st.ID)
			}
		}
		t.pipelines[p.ID] = p
		for _, st := range p.Stages {
			t.stages[st.ID] = st
			if st.State == portal.StageClosed {
				t.closed[st.ID] = true
			}
		}
		return nil
	})
}

// Pipelines implements portal.HelpdeskStore.
func (s *Store) Pipelines(_ context.Context, portalID uuid.UUID) ([]portal.Pipeline, error) {
	return read(s, portalID, func(t *tenant) ([]portal.Pipeline, error) {
		return sortedByID(t.pipelines, portal.Pipeline.Clone), nil
	})
}

// PutTicket implements portal.TicketStore. It moves the ticket between the
// contact and company indexes as its associations change.
func (s *Store) PutTicket(_ context.Context, tk portal.Ticket) error {
	tk = tk.Clone()
	return s.write(tk.PortalID, func(t *tenant) error { _, err := t.putTicket(tk); return err })
}

// putTicket stores tk, which the tenant then owns, in place of the ticket
// of its ID, with its number: the given one, else the stored ticket's,
// else the tenant's next; and with the stored ticket's rating and
// participants, or none.
// It returns the number; ErrConflict when another ticket has it, and then
// it changes nothing.
func (t *tenant) putTicket(tk portal.Ticket) (int64, error) {
	if other, ok := t.numbers[tk.Number]; ok && tk.Number != 0 && other != tk.ID {
		return 0, fmt.Errorf("memstore: ticket number %d is ticket %s's: %w", tk.Number, other, portal.ErrConflict)
	}
	old, ok := t.tickets[tk.ID]
	if ok && tk.Number == 0 {
		tk.Number = old.t.Number
	}
	tk.Rating, tk.Participants = portal.Rating{}, nil
	if ok {
		tk.Rating, tk.Participants = old.t.Rating, slices.Clone(old.t.Participants)
	}
	if tk.Number == 0 {
		tk.Number = t.lastNumber + 1
	}
	t.lastNumber = max(t.lastNumber, tk.Number)
	if ok {
		delete(t.numbers, old.t.Number)
	}
	t.numbers[tk.Number] = tk.ID
	t.replace(tk)
	return tk.Number, nil
}

// replace stores tk, which the tenant then owns, in place of the ticket of
// its ID, whose number it has: an action's change.
func (t *tenant) replace(tk portal.Ticket) {
	e := newEntry(tk)
	t.decide(e)
	if old, ok := t.tickets[tk.ID]; ok {
		unindexScopes(t.byContact, old.t.Contacts(), old)
		unindexScopes(t.byCompany, old.t.CompanyIDs, old)
	}
	t.tickets[tk.ID] = e
	indexScopes(t.byContact, tk.Contacts(), e)
	indexScopes(t.byCompany, tk.CompanyIDs, e)
}

// Ticket implements portal.TicketStore.
func (s *Store) Ticket(_ context.Context, portalID, id uuid.UUID) (portal.Ticket, error) {
	return read(s, portalID, func(t *tenant) (portal.Ticket, error) {
		e, ok := t.tickets[id]
		if !ok {
			return portal.Ticket{}, notFound("ticket", id)
		}
		return e.t.Clone(), nil
	})
}

// PutThread implements portal.TicketStore.
func (s *Store) PutThread(_ context.Context, th portal.Thread) error {
	return s.write(th.PortalID, func(t *tenant) error { t.putThread(th); return nil })
}

func (t *tenant) putThread(th portal.Thread) {
	if old, ok := t.threads[th.ID]; ok {
		t.threadsByTicket[old.TicketID] = slices.DeleteFunc(t.threadsByTicket[old.TicketID],
			func(id uuid.UUID) bool { return id == th.ID })
	}
	t.threads[th.ID] = th
	t.threadsByTicket[th.TicketID] = insertOrdered(t.threadsByTicket[th.TicketID], th.ID,
		func(id uuid.UUID) portal.Thread { return t.threads[id] },
		func(x portal.Thread) (time.Time, uuid.UUID) { return x.CreatedAt, x.ID })
}

// Thread implements portal.TicketStore.
func (s *Store) Thread(_ context.Context, portalID, id uuid.UUID) (portal.Thread, error) {
	return read(s, portalID, func(t *tenant) (portal.Thread, error) {
		return get(t.threads, "thread", id, same)
	})
}

// Threads implements portal.TicketStore.
func (s *Store) Threads(_ context.Context, portalID, ticketID uuid.UUID) ([]portal.Thread, error) {
	return read(s, portalID, func(t *tenant) ([]portal.Thread, error) {
		ids := t.threadsByTicket[ticketID]
		out := make([]portal.Thread, len(ids))
		for i, id := range ids {
			out[i] = t.threads[id]
		}
		return out, nil
	})
}

// AddMessage implements portal.TicketStore.
func (s *Store) AddMessage(_ context.Context, m portal.Message) error {
	m = m.Clone()
	return s.write(m.PortalID, func(t *tenant) error {
		if _, ok := t.messages[m.ID]; ok {
			return fmt.Errorf("memstore: message %s exists: %w", m.ID, portal.ErrConflict)
		}
		t.addMessage(m)
		return nil
	})
}

// addMessage stores a new message, which the tenant then owns.
func (t *tenant) addMessage(m portal.Message) {
	t.messages[m.ID] = m
	t.messagesByThread[m.ThreadID] = insertOrdered(t.messagesByThread[m.ThreadID], m.ID,
		func(id uuid.UUID) portal.Message { return t.messages[id] },
		func(x portal.Message) (time.Time, uuid.UUID) { return x.CreatedAt, x.ID })
}

// Messages implements portal.TicketStore.
func (s *Store) Messages(_ context.Context, portalID, threadID uuid.UUID) ([]portal.Message, error) {
	return read(s, portalID, func(t *tenant) ([]portal.Message, error) {
		ids := t.messagesByThread[threadID]
		out := make([]portal.Message, len(ids))
		for i, id := range ids {
			out[i] = t.messages[id].Clone()
		}
		return out, nil
	})
}

// insertOrdered inserts id into ids, kept ordered by (time, ID) of the
// records they name.
func insertOrdered[T any](ids []uuid.UUID, id uuid.UUID, rec func(uuid.UUID) T, key func(T) (time.Time, uuid.UUID)) []uuid.UUID {
	compare := func(a, b uuid.UUID) int {
		ta, ia := key(rec(a))
		tb, ib := key(rec(b))
		return cmp.Or(ta.Compare(tb), bytes.Compare(ia[:], ib[:]))
	}
	i, _ := slices.BinarySearchFunc(ids, id, compare)
	return slices.Insert(ids, i, id)
}
