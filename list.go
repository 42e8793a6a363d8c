package portal

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Page sizes of a ticket list.
const (
	// DefaultPageSize is the page size to ask for when the customer has not
	// chosen one.
	DefaultPageSize = 25
	MaxPageSize     = 200
	// MaxSearch bounds the search text, in characters.
	MaxSearch = 500
	// maxTerms bounds the words of a search.
	maxTerms = 20
)

// ListQuery is what a customer asks of its ticket list (P2, P3). With only
// Limit set it asks for the first page of the default view, newest first.
type ListQuery struct {
	// View is OrganizationTickets or OwnedByMe; "" is OrganizationTickets
	// for a viewer who may see its company's tickets, OwnedByMe otherwise.
	View View
	// Status is "", StatusOpen or StatusClosed.
	Status string
	// Filters narrow the list; each names a shown column (S8) and they are
	// AND-ed.
	Filters []Filter
	// Search is free text: every word must occur in the ticket's subject or
	// content, ignoring case (Fold); %, _, quotes and backslashes are plain
	// characters. A ticket number finds its ticket (P10): "#1042", or the
	// portal's prefix and the number ("HD-1042"), finds that ticket alone;
	// "1042" finds it besides the tickets whose text holds 1042. A word
	// starting with "#" that is not a ticket number is ErrInvalid.
	Search string
	// Sort names a shown column; "" sorts by create date, newest first
	// (Desc is then ignored). Ties are broken by ticket ID.
	Sort string
	Desc bool
	// Cursor continues a previous page: TicketView.Next of the same query.
	Cursor string
	// Limit is the page size, 1–MaxPageSize; hosts without a choice of
	// their own use DefaultPageSize.
	Limit int
	// Total asks for the view's total (TicketView.Total, P11): a count of
	// up to TotalBound tickets more, when the page does not hold the whole
	// view. A host that shows no total leaves it unset and pays nothing.
	Total bool `json:",omitempty"`
}

// ListTickets returns one page of the viewer's ticket list: the tickets in
// its scope (S4) that pass the visibility filter (S8) and the query,
// rendered with the configured columns (P1–P3).
//
// Errors: ErrPortalDisabled, ErrUnauthenticated for an unknown contact,
// ErrForbidden for the organization view without the right to it, and
// ErrInvalid naming the field for a bad query or cursor.
func (p *Portal) ListTickets(ctx context.Context, v Viewer, lq ListQuery) (_ TicketView, err error) {
	defer p.speak(ctx, v, &err)
	r, err := p.begin(ctx, v)
	if err != nil {
		return TicketView{}, err
	}
	q, cols, view, err := p.ticketQuery(r, lq)
	if err != nil {
		return TicketView{}, err
	}
	var page TicketPage
	if err := p.store.QueryTickets(ctx, q, &page); err != nil {
		return TicketView{}, classify(err)
	}
	rd, err := p.renderer(ctx, r)
	if err != nil {
		return TicketView{}, err
	}
	if err := rd.prefetch(&page, cols); err != nil {
		return TicketView{}, err
	}
	tv := TicketView{
		TicketName: r.settings.Display.TicketName, Columns: columnViews(cols),
		View: view, Views: views(r.scope), Sort: q.Sort.Property.Name, Desc: q.Sort.Desc,
		Rows: make([]TicketRow, len(page.Tickets)), TimeZone: r.zone.String(),
	}
	for i := range page.Tickets {
		if tv.Rows[i], err = rd.row(&page.Tickets[i], cols); err != nil {
			return TicketView{}, err
		}
	}
	if page.More && len(page.Tickets) > 0 {
		last := len(page.Tickets) - 1
		tv.Next = p.cursor(r, lq, view, q.Sort, page.Keys[last], page.Tickets[last].ID)
	}
	if lq.Total {
		if tv.Total, err = p.total(ctx, q, &page); err != nil {
			return TicketView{}, err
		}
		tv.TotalMore = tv.Total > TotalBound
		tv.Total = min(tv.Total, TotalBound)
	}
	return tv, nil
}

// total counts q's tickets up to TotalBound+1 (P11): none more to count
// when the first page holds them all; else with the store's TicketCounter,
// or page after page of QueryTickets.
func (p *Portal) total(ctx context.Context, q TicketQuery, first *TicketPage) (int, error) {
	if q.After == nil && !first.More {
		return len(first.Tickets), nil
	}
	q.After, q.AfterID = nil, uuid.Nil
	if c, ok := p.store.(TicketCounter); ok {
		n, err := c.CountTickets(ctx, q, TotalBound+1)
		return n, classify(err)
	}
	q.Limit = MaxPageSize
	var page TicketPage
	n := 0
	for n <= TotalBound {
		if err := p.store.QueryTickets(ctx, q, &page); err != nil {
			return 0, classify(err)
		}
		n += len(page.Tickets)
		if !page.More || len(page.Tickets) == 0 {
			break
		}
		last := len(page.Tickets) - 1
		key := page.Keys[last]
		q.After, q.AfterID = &key, page.Tickets[last].ID
	}
	return n, nil
}

func views(d Decision) []View {
	if d.CompanyID != uuid.Nil {
		return []View{OrganizationTickets, OwnedByMe}
	}
	return []View{OwnedByMe}
}

// ticketQuery checks a customer's query against the settings and turns it
// into the store's query.
func (p *Portal) ticketQuery(r *request, lq ListQuery) (TicketQuery, []column, View, error) {
	cols := columns(&r.settings, r.schema, r.lang)
	q := TicketQuery{
		PortalID: r.viewer.PortalID, ContactID: r.contact.ID,
		Visibility: r.rules.visibility, Now: r.now, Limit: lq.Limit,
		Sort: Sort{OwnerName: r.settings.Display.OwnerName, Desc: lq.Desc},
	}
	var ps problems
	view := lq.View
	switch view {
	case "":
		view = views(r.scope)[0]
	case OrganizationTickets, OwnedByMe:
	default:
		ps.add("view", "%q is not one of organization, mine", lq.View)
	}
	if view == OrganizationTickets {
		if r.scope.CompanyID == uuid.Nil {
			return q, nil, "", fmt.Errorf("%w: organization tickets: %s", ErrForbidden, r.scope.Reason)
		}
		q.CompanyID = r.scope.CompanyID
	}
	if lq.Limit < 1 || lq.Limit > MaxPageSize {
		ps.add("limit", "must be 1–%d (DefaultPageSize is %d)", MaxPageSize, DefaultPageSize)
	}
	shown := func(name string) (Property, bool) {
		i := slices.IndexFunc(cols, func(c column) bool { return c.prop.Name == name })
		if i < 0 {
			return Property{}, false
		}
		return cols[i].prop, true
	}
	if lq.Sort == "" {
		q.Sort.Property, _ = r.schema.Lookup(TicketObject, PropCreatedAt)
		q.Sort.Desc = true
	} else if prop, ok := shown(lq.Sort); ok {
		q.Sort.Property = prop
	} else {
		ps.add("sort", "%q is not a shown column", lq.Sort)
	}
	filters := slices.Clone(lq.Filters)
	for i, f := range lq.Filters {
		if _, ok := shown(f.Property); !ok {
			ps.add(fmt.Sprintf("filters[%d].property", i), "%q is not a shown column", f.Property)
			continue
		}
		f.check(&ps, r.schema, TicketObject, fmt.Sprintf("filters[%d]", i))
	}
	switch lq.Status {
	case "":
	case StatusOpen, StatusClosed:
		filters = append(filters, Filter{Property: PropStatus, Operator: IsAnyOf, Values: []string{lq.Status}})
	default:
		ps.add("status", "%q is not one of open, closed", lq.Status)
	}
	terms, problem := searchTerms(lq.Search)
	if problem.format != "" {
		ps.addText("search", problem)
	}
	q.Search = terms
	if n, only, problem := searchNumber(terms, r.settings.Display.NumberPrefix); problem.format != "" {
		ps.addText("search", problem)
	} else if n != 0 {
		q.Number = n
		if only {
			q.Search = nil
		}
	}
	if err := ps.err(); err != nil {
		return q, nil, "", err
	}
	if len(filters) > 0 {
		f, err := compileTicketFilter(FilterGroups{filters}, r.schema, "filters", r.zone)
		if err != nil {
			return q, nil, "", err
		}
		q.Filter = f
	}
	if lq.Cursor != "" {
		key, id, err := p.readCursor(r, lq, view, q.Sort, lq.Cursor)
		if err != nil {
			return q, nil, "", err
		}
		q.After, q.AfterID = &key, id
	}
	return q, cols, view, nil
}

// searchTerms splits a search into folded words.
func searchTerms(s string) ([]string, text) {
	switch {
	case !utf8.ValidString(s):
		return nil, msg("must be valid UTF-8")
	case strings.ContainsRune(s, 0):
		return nil, msg("must not contain NUL")
	case utf8.RuneCountInString(s) > MaxSearch:
		return nil, msg("at most %d characters", MaxSearch)
	}
	var terms []string
	for _, w := range strings.Fields(Fold(s)) {
		if !slices.Contains(terms, w) {
			terms = append(terms, w)
		}
	}
	if len(terms) > maxTerms {
		return nil, msg("at most %d words", maxTerms)
	}
	return terms, text{}
}

// searchNumber finds the ticket number a search names (P10): a search of
// one word that is "#1042", or the portal's prefix and a number
// ("hd-1042"), names only that ticket (only); one that is a number alone
// ("1042") names it besides the tickets whose text holds the word. A word
// that starts with "#" and is not a ticket number is a problem: the
// customer meant a number. terms are folded; prefix is as set.
func searchNumber(terms []string, prefix string) (n int64, only bool, problem text) {
	if len(terms) != 1 {
		return 0, false, text{}
	}
	w := terms[0]
	if digits, ok := strings.CutPrefix(w, Fold(prefix)); ok && prefix != "" {
		if n, ok = ticketNumber(digits); ok {
			return n, true, text{}
		}
	}
	if digits, ok := strings.CutPrefix(w, "#"); ok {
		if n, ok = ticketNumber(digits); !ok {
			return 0, false, msg("%q is not a ticket number: # and a number 1–%s", w, strconv.FormatInt(int64(MaxTicketNumber), 10))
		}
		return n, true, text{}
	}
	n, _ = ticketNumber(w)
	return n, false, text{}
}

// ticketNumber parses a ticket number: decimal digits alone, 1–
// MaxTicketNumber.
func ticketNumber(s string) (int64, bool) {
	if s == "" || len(s) > 16 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > MaxTicketNumber {
		return 0, false
	}
	return n, true
}

// A cursor is the last row's sort key and ID, with a MAC over them and the
// query they belong to: a cursor that was altered, or that comes from
// another query, viewer or tenant, is refused. Its body is binary and
// bounded (a text key is at most KeyTextLen bytes): the ID, then 0 for a
// Null key or 1 and the key's field (8 bytes big-endian for a number or an
// integer, the bytes of a text).
const maxCursor = 16 + 16 + 1 + KeyTextLen // MAC, ID, Null flag, key

func (p *Portal) cursorMAC(r *request, lq ListQuery, view View, body []byte) []byte {
	key := p.cursorKey
	if key == nil {
		k := sha256.Sum256(append([]byte("portal cursor "), r.viewer.PortalID[:]...))
		key = k[:]
	}
	m := hmac.New(sha256.New, key)
	m.Write(r.viewer.PortalID[:])
	m.Write(r.contact.ID[:])
	lq.Cursor, lq.Limit, lq.Total = "", 0, false // the same query may page with any size, with or without its total
	lq.View = view
	q, _ := json.Marshal(lq)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(q)))
	m.Write(n[:])
	m.Write(q)
	m.Write(body)
	return m.Sum(nil)[:16]
}

func (p *Portal) cursor(r *request, lq ListQuery, view View, s Sort, key SortKey, id uuid.UUID) string {
	body := make([]byte, 0, maxCursor-16)
	body = append(body, id[:]...)
	switch {
	case key.Null:
		body = append(body, 0)
	case s.kind() == textField:
		body = append(append(body, 1), key.Text...)
	case s.kind() == numField:
		body = binary.BigEndian.AppendUint64(append(body, 1), math.Float64bits(key.Num))
	default:
		body = binary.BigEndian.AppendUint64(append(body, 1), uint64(key.Int))
	}
	mac := p.cursorMAC(r, lq, view, body)
	return base64.RawURLEncoding.EncodeToString(append(mac, body...))
}

// readCursor decodes a cursor of the list lq, sorted by s. Whatever its
// MAC says, a key that no ticket could have for s is refused: the default
// MAC key is derived from the tenant's ID, so cursors can be forged.
func (p *Portal) readCursor(r *request, lq ListQuery, view View, s Sort, c string) (SortKey, uuid.UUID, error) {
	bad := invalid("cursor", "not a cursor of this list")
	// Strict decoding refuses a second spelling of the same bytes, but
	// skips line breaks: those are refused here.
	if len(c) > base64.RawURLEncoding.EncodedLen(maxCursor) || strings.ContainsAny(c, "\r\n") {
		return SortKey{}, uuid.Nil, bad
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil || len(raw) < 16+16+1 {
		return SortKey{}, uuid.Nil, bad
	}
	mac, body := raw[:16], raw[16:]
	if !hmac.Equal(mac, p.cursorMAC(r, lq, view, body)) {
		return SortKey{}, uuid.Nil, bad
	}
	id, _ := uuid.FromBytes(body[:16])
	var key SortKey
	switch v := body[17:]; {
	case body[16] == 0 && len(v) == 0:
		key.Null = true
	case body[16] != 1:
		return SortKey{}, uuid.Nil, bad
	case s.kind() == textField:
		key.Text = string(v)
	case len(v) != 8:
		return SortKey{}, uuid.Nil, bad
	case s.kind() == numField:
		key.Num = math.Float64frombits(binary.BigEndian.Uint64(v))
	default:
		key.Int = int64(binary.BigEndian.Uint64(v))
	}
	if !key.valid(s) {
		return SortKey{}, uuid.Nil, bad
	}
	return key, id, nil
}
