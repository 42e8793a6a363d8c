package portal

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"
)

// TicketQuery is one page of a customer's ticket list, as Portal hands it to
// a Store: declarative, so that a SQL store can answer it with one statement.
// Portal has already decided everything about who may see what; the store
// answers exactly this:
//
//	tickets of PortalID
//	  associated with ContactID (Ticket.Associated: one of its ContactIDs
//	  or Participants), or (when CompanyID is not nil) with CompanyID
//	  matching Visibility and Filter (see Env for their semantics)
//	  whose SearchText contains every term of Search, or whose Number is Number
//	  ordered by Sort, then by ID in the same direction
//	  strictly after (After, AfterID) when After is not nil
//	  at most Limit of them
type TicketQuery struct {
	PortalID  uuid.UUID
	ContactID uuid.UUID
	CompanyID uuid.UUID // uuid.Nil: the contact's own tickets only

	Visibility TicketFilter // the administrator's (S8)
	Filter     TicketFilter // the customer's (P2): status and column filters
	// Search holds folded terms (Fold), none empty and none containing
	// white space; every one must occur in the ticket's SearchText.
	Search []string
	// Number, when not 0, is a ticket number the customer searched for
	// (P10): the ticket of that number matches the search whatever its
	// text. With Search empty it is the only ticket that does ("#1042");
	// with terms, it matches besides the tickets that hold them ("1042").
	// MatchesSearch says it once for every store.
	Number int64

	Sort    Sort
	After   *SortKey // the last row of the previous page, or nil
	AfterID uuid.UUID
	Limit   int // 1–MaxPageSize

	// Now is the moment relative dates count from; Closed stages are found
	// by the store from its pipelines.
	Now time.Time
}

// Sort orders a ticket list by one property.
type Sort struct {
	Property Property // a ticket property, with its type and options
	Desc     bool
	// OwnerName is how owners are named, for sorting by owner.
	OwnerName OwnerName
}

// An Order is one of the orders a store keeps each scope's tickets in
// (X6), so that a page of the sorts customers use most is cut from an
// index rather than from a sort of the scope: by the ticket's key in the
// order (OrderKeys), then by its ID, both ascending.
type Order int

// The kept orders.
const (
	ByCreated  Order = iota // CreatedAt
	ByActivity              // LastActivityAt
	ByNumber                // Number
	Orders                  // how many there are
)

// NoKey is the key in an Order of a ticket without the value (a zero
// date, no number): after every other key ascending, as SortKey orders
// Null.
const NoKey = math.MaxInt64

// Order returns the kept Order that s sorts by, when it sorts by one: the
// built-in createdAt, lastActivityAt and number.
func (s Sort) Order() (Order, bool) {
	if s.Property.Builtin {
		switch s.Property.Name {
		case PropCreatedAt:
			return ByCreated, true
		case PropLastActivityAt:
			return ByActivity, true
		case PropNumber:
			return ByNumber, true
		}
	}
	return 0, false
}

// OrderKeys returns t's key in each Order: its CreatedAt and
// LastActivityAt in Unix microseconds and its Number, each NoKey when
// zero.
func OrderKeys(t *Ticket) [Orders]int64 {
	return [Orders]int64{orderKey(t.CreatedAt), orderKey(t.LastActivityAt), cmp.Or(t.Number, NoKey)}
}

// orderKey is a date's key in an Order: its SortKey's (dateKey), NoKey
// for none.
func orderKey(d time.Time) int64 {
	if k := dateKey(d); !k.Null {
		return k.Int
	}
	return NoKey
}

// TicketPage is a store's answer to a TicketQuery: the tickets in order,
// each with its sort key, and whether more tickets follow.
type TicketPage struct {
	Tickets []Ticket
	Keys    []SortKey
	More    bool
	// Requesters and Owners optionally hold the requesters and owners of
	// the page's tickets, for a store that reads them with the page (a SQL
	// store, in the same statement), so that rendering the page needs no
	// further lookups; a store may leave them empty, and Portal looks up
	// what is not there. Each record at most once, in any order.
	Requesters []Contact
	Owners     []Owner
	// Related is set when Requesters and Owners hold every requester and
	// owner of the page's tickets that exists: Portal then looks up none
	// that is missing.
	Related bool
}

// Searching reports whether q has a search: terms, a number or both.
func (q *TicketQuery) Searching() bool { return len(q.Search) > 0 || q.Number != 0 }

// MatchesSearch reports whether t, whose folded text is fx, matches q's
// search (Search and Number): true for every ticket when q has none.
func (q *TicketQuery) MatchesSearch(t *Ticket, fx *Folded) bool {
	if q.Number != 0 && t.Number == q.Number {
		return true
	}
	if q.Number != 0 && len(q.Search) == 0 {
		return false
	}
	return fx.HasTerms(q.Search)
}

// SearchText is the text a search term must occur in: the folded subject
// and content, on two lines. Terms never contain white space, so a term never
// spans the two.
func SearchText(t *Ticket) string { return Fold(t.Subject) + "\n" + Fold(t.Content) }

// SortKey is the value a ticket sorts by for one property, exact on every
// store:
//   - text: the first KeyTextLen bytes of the folded text (Fold), compared
//     as bytes, in Text; tickets whose texts share those bytes sort by ID;
//   - number: the number in Num (never -0);
//   - date: Unix microseconds in Int; the ticket number (P10) in Int;
//   - an enumeration with options: the option's position in Int; status:
//     Int 0 open, 1 closed; boolean: Num 0 false, 1 true;
//   - a reference (requester, owner, stage, pipeline, channel): the folded
//     name the portal shows for it (an owner by Sort.OwnerName), as text;
//   - Null when the ticket has no value. Null sorts after every value
//     ascending and before every value descending.
type SortKey struct {
	Null bool
	Text string
	Num  float64
	Int  int64
}

// KeyTextLen bounds the text of a SortKey: a text sorts by its folded
// form's first KeyTextLen bytes (cut anywhere, even inside a character), on
// every store, so that a cursor stays small and no database's sort limit
// (MariaDB's max_sort_length) decides an order.
const KeyTextLen = 256

// kind is the field of a SortKey that s sorts by.
func (s Sort) kind() keyField {
	p := s.Property
	if p.Builtin {
		switch p.Name {
		case PropCreatedAt, PropLastActivityAt, PropPriority, PropStatus, PropNumber, PropSatisfaction:
			return intField
		}
		return textField
	}
	switch p.Type {
	case Number, Boolean:
		return numField
	case Date, Enumeration:
		return intField
	}
	return textField
}

// keyField names the field of a SortKey that holds a sort's value.
type keyField int

const (
	textField keyField = iota
	numField
	intField
)

// valid reports whether k could be a key of a sort by s: only its field is
// set (a Null key none), a text within KeyTextLen, a number finite.
func (k SortKey) valid(s Sort) bool {
	if k.Null {
		return k == SortKey{Null: true}
	}
	switch s.kind() {
	case textField:
		return k.Num == 0 && k.Int == 0 && k.Text != "" && len(k.Text) <= KeyTextLen
	case numField:
		return k.Text == "" && k.Int == 0 && !math.IsNaN(k.Num) && !math.IsInf(k.Num, 0) && !(k.Num == 0 && math.Signbit(k.Num))
	}
	if k.Text != "" || k.Num != 0 {
		return false
	}
	if p := s.Property; p.Type == Date {
		return k.Int >= minTime.UnixMicro() && k.Int <= maxTime.UnixMicro()
	} else if p.Builtin && p.Name == PropNumber {
		return k.Int >= 1 && k.Int <= MaxTicketNumber
	}
	return k.Int >= 0 && k.Int < int64(max(len(s.Property.Options), 2)) // a position
}

// Lookup gives a store's records that ticket references resolve to, for
// TicketSortKey. Missing records answer false.
type Lookup interface {
	Contact(id uuid.UUID) (Contact, bool)
	Owner(id uuid.UUID) (Owner, bool)
	Pipeline(id uuid.UUID) (Pipeline, bool)
	// Stage returns a stage of any of the tenant's pipelines.
	Stage(id uuid.UUID) (Stage, bool)
	Channel(id uuid.UUID) (Channel, bool)
}

// TicketSortKey computes t's key for s, as documented on SortKey. fx is
// t's folded text (FoldTicket) when the caller keeps it, or nil.
func TicketSortKey(t *Ticket, fx *Folded, s Sort, l Lookup, env *Env) SortKey {
	p := s.Property
	if !p.Builtin {
		if fx != nil && p.Type == Text {
			return foldedKey(fx.Props[p.Name])
		}
		return valueKey(p, t.Properties[p.Name])
	}
	switch p.Name {
	case PropSubject:
		if fx != nil {
			return foldedKey(fx.Subject)
		}
		return textKey(t.Subject)
	case PropContent:
		if fx != nil {
			return foldedKey(fx.Content)
		}
		return textKey(t.Content)
	case PropCreatedAt:
		return dateKey(t.CreatedAt)
	case PropLastActivityAt:
		return dateKey(t.LastActivityAt)
	case PropNumber:
		if t.Number == 0 {
			return SortKey{Null: true}
		}
		return SortKey{Int: t.Number}
	case PropPriority:
		return optionKey(p, string(t.Priority))
	case PropSatisfaction:
		return optionKey(p, t.Rating.Value)
	case PropStatus:
		if ticketStatus(t, env) == StatusClosed {
			return SortKey{Int: 1}
		}
		return SortKey{Int: 0}
	case PropRequestedBy:
		c, ok := l.Contact(t.RequesterID)
		return nameKey(ok, c.Name())
	case PropOwner:
		o, ok := l.Owner(t.OwnerID)
		return nameKey(ok, o.DisplayName(s.OwnerName))
	case PropStage:
		st, ok := l.Stage(t.StageID)
		return nameKey(ok, st.Name)
	case PropPipeline:
		pl, ok := l.Pipeline(t.PipelineID)
		return nameKey(ok, pl.Name)
	case PropChannel:
		ch, ok := l.Channel(t.ChannelID)
		return nameKey(ok, ch.Name)
	}
	return SortKey{Null: true}
}

func textKey(s string) SortKey {
	if s == "" {
		return SortKey{Null: true}
	}
	return foldedKey(Fold(s))
}

// foldedKey is the key of a text that is folded already.
func foldedKey(folded string) SortKey {
	if folded == "" {
		return SortKey{Null: true}
	}
	return SortKey{Text: folded[:min(len(folded), KeyTextLen)]}
}

func nameKey(ok bool, name string) SortKey {
	if !ok {
		return SortKey{Null: true}
	}
	return textKey(name)
}

func dateKey(d time.Time) SortKey {
	if d.IsZero() {
		return SortKey{Null: true}
	}
	return SortKey{Int: d.UnixMicro()}
}

func optionKey(p Property, v string) SortKey {
	i := slices.IndexFunc(p.Options, func(o Option) bool { return o.Value == v })
	if i < 0 {
		return SortKey{Null: true}
	}
	return SortKey{Int: int64(i)}
}

// valueKey is the key of a custom property's value.
func valueKey(p Property, v any) SortKey {
	switch x := v.(type) {
	case string:
		if p.Type == Enumeration {
			return optionKey(p, x)
		}
		return textKey(x)
	case float64:
		if x == 0 {
			x = 0 // not -0, which SQL stores cannot keep
		}
		return SortKey{Num: x}
	case time.Time:
		return dateKey(x)
	case bool:
		if x {
			return SortKey{Num: 1}
		}
		return SortKey{Num: 0}
	}
	return SortKey{Null: true}
}

// CompareKeys orders two tickets by (key, ID) ascending: it returns -1, 0 or
// +1. Callers sorting descending negate it.
func CompareKeys(a SortKey, aID uuid.UUID, b SortKey, bID uuid.UUID) int {
	switch {
	case a.Null && !b.Null:
		return 1
	case !a.Null && b.Null:
		return -1
	case !a.Null:
		// A sort sets one of the fields: comparing all is comparing it.
		if c := cmp.Or(cmp.Compare(a.Int, b.Int), cmp.Compare(a.Num, b.Num), cmp.Compare(a.Text, b.Text)); c != 0 {
			return c
		}
	}
	return bytes.Compare(aID[:], bID[:])
}

// ResultKey identifies the result of q apart from its page: two queries with
// the same key, asked of the same data, order the same tickets the same way
// and differ only in where their page starts (After) and how long it is
// (Limit). Stores may use it to keep a sorted result between pages; Now is
// part of the key only when a filter depends on it.
func (q *TicketQuery) ResultKey() string {
	b := make([]byte, 0, 256)
	b = append(b, q.PortalID[:]...)
	b = append(b, q.ContactID[:]...)
	b = append(b, q.CompanyID[:]...)
	b = q.Visibility.appendKey(append(b, 'V'))
	b = q.Filter.appendKey(append(b, 'F'))
	b = append(b, 'S')
	for _, s := range q.Search {
		b = append(b, s...)
		b = append(b, 0)
	}
	if q.Number != 0 {
		b = binary.BigEndian.AppendUint64(append(b, '#'), uint64(q.Number))
	}
	b = append(b, 'O')
	b = append(b, q.Sort.Property.Name...)
	b = append(b, 0)
	b = append(b, q.Sort.OwnerName...)
	if q.Sort.Desc {
		b = append(b, 'D')
	}
	if q.Visibility.Relative() || q.Filter.Relative() {
		b = q.Now.UTC().AppendFormat(append(b, 'N'), time.RFC3339Nano)
	}
	return string(b)
}
