package memstore

import (
	"bytes"
	"cmp"
	"math"
	"time"

	"github.com/google/btree"
	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// entry is a stored ticket with what queries read of it besides the
// ticket: its folded text and the keys of the ordered indexes. Entries are
// never changed: a put replaces the entry whole.
type entry struct {
	t  *portal.Ticket
	id uuid.UUID // t.ID
	fx portal.Folded
	// created and activity are the ticket's CreatedAt and LastActivityAt
	// in Unix microseconds, or nullKey when it has none.
	created, activity int64
}

// nullKey is the index key of a ticket without the date: after every date
// ascending, before every date descending, as portal.SortKey orders Null.
const nullKey = math.MaxInt64

func newEntry(tk *portal.Ticket) *entry {
	return &entry{t: tk, id: tk.ID, fx: portal.FoldTicket(tk), created: dateKey(tk.CreatedAt), activity: dateKey(tk.LastActivityAt)}
}

func dateKey(d time.Time) int64 {
	if d.IsZero() {
		return nullKey
	}
	return d.UnixMicro()
}

// dateOrder is one of the orders a scope keeps its tickets in: by a date key,
// then by ID, both ascending (portal.CompareKeys).
type dateOrder int

const (
	byCreated dateOrder = iota
	byActivity
)

// key is e's key in order o.
func (o dateOrder) key(e *entry) int64 {
	if o == byCreated {
		return e.created
	}
	return e.activity
}

func (o dateOrder) less(a, b *entry) bool {
	if c := cmp.Compare(o.key(a), o.key(b)); c != 0 {
		return c < 0
	}
	return bytes.Compare(a.id[:], b.id[:]) < 0
}

// scope holds the tickets associated with one contact or one company,
// ordered by creation and by last activity: a page of a list sorted by
// either is a walk from its cursor that stops when the page is full, and a
// ticket moves in O(log n) when it changes.
type scope struct {
	created, activity *btree.BTreeG[*entry]
}

// degree is the B-trees' degree: nodes of up to 2×32-1 entries.
const degree = 32

func newScope() *scope {
	return &scope{created: btree.NewG(degree, byCreated.less), activity: btree.NewG(degree, byActivity.less)}
}

func (s *scope) add(e *entry) {
	s.created.ReplaceOrInsert(e)
	s.activity.ReplaceOrInsert(e)
}

func (s *scope) remove(e *entry) {
	s.created.Delete(e)
	s.activity.Delete(e)
}

func (s *scope) len() int { return s.created.Len() }

// tree returns the scope's tickets in order o.
func (s *scope) tree(o dateOrder) *btree.BTreeG[*entry] {
	if o == byCreated {
		return s.created
	}
	return s.activity
}

// indexScopes adds e to the scopes of each of keys.
func indexScopes(idx map[uuid.UUID]*scope, keys []uuid.UUID, e *entry) {
	for _, k := range keys {
		sc := idx[k]
		if sc == nil {
			sc = newScope()
			idx[k] = sc
		}
		sc.add(e)
	}
}

// unindexScopes removes e from the scopes of each of keys, and a scope
// left empty from idx.
func unindexScopes(idx map[uuid.UUID]*scope, keys []uuid.UUID, e *entry) {
	for _, k := range keys {
		if sc := idx[k]; sc != nil {
			sc.remove(e)
			if sc.len() == 0 {
				delete(idx, k)
			}
		}
	}
}

// sortOrder returns the order a list's sort is kept in, if a scope keeps
// one.
func sortOrder(s portal.Sort) (dateOrder, bool) {
	if !s.Property.Builtin {
		return 0, false
	}
	switch s.Property.Name {
	case portal.PropCreatedAt:
		return byCreated, true
	case portal.PropLastActivityAt:
		return byActivity, true
	}
	return 0, false
}

// walk collects, from sc's tickets in order o (descending when desc),
// strictly after the cursor (after, afterID) when after is set, the first
// n that match accepts, going no further than the key end when it is set.
func walk(sc *scope, o dateOrder, desc bool, after *portal.SortKey, afterID uuid.UUID, end *int64, n int, match func(*entry) bool) []*entry {
	if sc == nil || n <= 0 {
		return nil
	}
	var out []*entry
	var pivot *entry
	visit := func(e *entry) bool {
		if end != nil && (desc && o.key(e) < *end || !desc && o.key(e) > *end) {
			return false
		}
		if pivot != nil && e.id == pivot.id && o.key(e) == o.key(pivot) {
			return true // the cursor's own row
		}
		if match(e) {
			out = append(out, e)
		}
		return len(out) < n
	}
	t := sc.tree(o)
	if after == nil {
		if desc {
			t.Descend(visit)
		} else {
			t.Ascend(visit)
		}
		return out
	}
	key := int64(nullKey)
	if !after.Null {
		key = int64(after.Num)
	}
	pivot = &entry{id: afterID, created: key, activity: key}
	if desc {
		t.DescendLessOrEqual(pivot, visit)
	} else {
		t.AscendGreaterOrEqual(pivot, visit)
	}
	return out
}
