package memstore

import (
	"bytes"
	"cmp"
	"strings"

	"github.com/google/btree"
	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// entry is a stored ticket with what queries read of it besides the
// ticket: its folded text, the keys of the ordered indexes and its
// verdict. Its ticket is never changed (a put replaces the entry whole),
// so a reader may read it without the lock; only the verdict (shown) is,
// under the write lock.
type entry struct {
	t    *portal.Ticket // &tk
	tk   portal.Ticket
	id   uuid.UUID // t.ID
	fx   portal.Folded
	keys [portal.Orders]int64 // portal.OrderKeys
	// shown is the ticket's verdict under the tenant's visibility filter
	// (tenant.decide), the one field of an entry that changes: under the
	// write lock, when the filter or what it reads changes.
	shown bool
}

// newEntry makes the entry of tk, which it then owns. The ticket lives in
// the entry, and its subject and content share one string with their
// folded forms, subject first: a list reads an entry's text from one or
// two places in memory, not five.
func newEntry(tk portal.Ticket) *entry {
	e := &entry{tk: tk, id: tk.ID, fx: portal.FoldTicket(&tk), keys: portal.OrderKeys(&tk)}
	e.t = &e.tk
	text := []*string{&e.tk.Subject, &e.fx.Subject, &e.tk.Content, &e.fx.Content}
	var all strings.Builder
	for _, s := range text {
		all.WriteString(*s)
	}
	shared, at := all.String(), 0
	for _, s := range text {
		n := len(*s)
		*s, at = shared[at:at+n], at+n
	}
	return e
}

// item is an entry in one order's tree, with its key and ID beside it, so
// that comparing items reads the tree's nodes, not the entries.
type item struct {
	key int64
	id  uuid.UUID
	e   *entry
}

// itemOf is e's item in order o.
func itemOf(o portal.Order, e *entry) item { return item{e.keys[o], e.id, e} }

func less(a, b item) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return bytes.Compare(a.id[:], b.id[:]) < 0
}

// compareItems orders two items as less does: -1, 0 or +1.
func compareItems(a, b item) int {
	return cmp.Or(cmp.Compare(a.key, b.key), bytes.Compare(a.id[:], b.id[:]))
}

// scope holds the tickets associated with one contact or one company,
// ordered by creation, by last activity and by number: a page of a list
// sorted by any of them is a walk from its cursor that stops when the page is full, and a
// ticket moves in O(log n) when it changes.
type scope struct {
	trees [portal.Orders]*btree.BTreeG[item] // by portal.Order
	// shown counts the tickets that pass the tenant's visibility filter
	// (entry.shown) by stage, so that a total (P11) is a sum, not a walk.
	shown map[uuid.UUID]int
}

// degree is the B-trees' degree: nodes of up to 2×32-1 items.
const degree = 32

func newScope() *scope {
	s := scope{shown: map[uuid.UUID]int{}}
	for o := range s.trees {
		s.trees[o] = btree.NewG(degree, less)
	}
	return &s
}

func (s *scope) add(e *entry) {
	for o, t := range s.trees {
		t.ReplaceOrInsert(itemOf(portal.Order(o), e))
	}
	if e.shown {
		s.shown[e.t.StageID]++
	}
}

func (s *scope) remove(e *entry) {
	for o, t := range s.trees {
		t.Delete(itemOf(portal.Order(o), e))
	}
	if e.shown {
		if s.shown[e.t.StageID]--; s.shown[e.t.StageID] == 0 {
			delete(s.shown, e.t.StageID)
		}
	}
}

// recount counts the scope's shown tickets again (entry.shown changed).
func (s *scope) recount() {
	clear(s.shown)
	s.tree(portal.ByCreated).Ascend(func(it item) bool {
		if it.e.shown {
			s.shown[it.e.t.StageID]++
		}
		return true
	})
}

// countShown is how many of the scope's tickets are shown and pass the
// status filter pass.
func (s *scope) countShown(pass func(stage uuid.UUID) bool) int {
	n := 0
	if s != nil {
		for stage, k := range s.shown {
			if pass(stage) {
				n += k
			}
		}
	}
	return n
}

func (s *scope) len() int { return s.trees[portal.ByCreated].Len() }

// tree returns the scope's tickets in order o.
func (s *scope) tree(o portal.Order) *btree.BTreeG[item] { return s.trees[o] }

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

// walk collects into out[:0], from sc's tickets in order o (descending
// when desc), strictly after the cursor (after, afterID) when after is
// set, the first n that match accepts, going no further than the key end
// when it is set.
func walk(out []item, sc *scope, o portal.Order, desc bool, after *portal.SortKey, afterID uuid.UUID, end *int64, n int, match func(*entry) bool) []item {
	out = out[:0]
	if sc == nil || n <= 0 {
		return out
	}
	var pivot item
	visit := func(it item) bool {
		if end != nil && (desc && it.key < *end || !desc && it.key > *end) {
			return false
		}
		if after != nil && it.key == pivot.key && it.id == pivot.id {
			return true // the cursor's own row
		}
		if match(it.e) {
			out = append(out, it)
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
	pivot = item{key: portal.NoKey, id: afterID}
	if !after.Null {
		pivot.key = after.Int
	}
	if desc {
		t.DescendLessOrEqual(pivot, visit)
	} else {
		t.AscendGreaterOrEqual(pivot, visit)
	}
	return out
}
