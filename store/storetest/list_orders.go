package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// The lists sorted by a date (creation, last activity), which a store may
// answer by walking an order it keeps per contact and per company (X6):
// ties, tickets without the date, tickets of both the contact and its
// company, tickets moving while a customer pages, tickets leaving a scope.
var listOrderTests = []test{
	{name: "DateOrdersWithTiesAndGapsConcatenate", fn: testOrderTies},
	{name: "ReplyMovesTicketWhilePaging", fn: testOrderReplyMoves},
	{name: "TicketLeavingTheCompanyLeavesTheList", fn: testOrderLeaving},
	{name: "SearchInDateOrders", fn: testOrderSearch},
}

// orderWorld: Ann of Acme, with company scope. Her own tickets (some of
// Acme too, some of another company, some of no company), Acme's tickets
// of others, and tickets she may not see; three creation and three last
// activity dates shared by many tickets, and tickets without one or both
// (written to the store directly: the Portal fills them in).
func newOrderWorld(t *testing.T, s portal.Store) (*listWorld, portal.Viewer, portal.Company) {
	w := newListWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	acme, other := w.company("Acme"), w.company("Other")
	ann := w.contact("Ann", "Andersen", "ann@acme.dk", acme.ID)
	cat := w.contact("Cat", "Carlsen", "cat@acme.dk", acme.ID)
	bob := w.contact("Bob", "Berg", "bob@other.dk", other.ID)
	for i := range 24 {
		tk := portal.Ticket{Subject: fmt.Sprintf("o%02d", i), CreatedAt: listNow.Add(-time.Duration(24*(1+i%3)) * time.Hour),
			LastActivityAt: listNow.Add(-time.Duration(1+(i/3)%3) * time.Hour)}
		switch i % 4 {
		case 0: // Ann's, of Acme
			tk.ContactIDs, tk.CompanyIDs = []uuid.UUID{ann.ID}, []uuid.UUID{acme.ID}
		case 1: // Acme's, Cat's
			tk.ContactIDs, tk.CompanyIDs = []uuid.UUID{cat.ID}, []uuid.UUID{acme.ID}
		case 2: // Ann's, of another company or of none
			tk.ContactIDs = []uuid.UUID{ann.ID, bob.ID}
			if i%8 == 2 {
				tk.CompanyIDs = []uuid.UUID{other.ID}
			}
		case 3: // not Ann's to see
			tk.ContactIDs, tk.CompanyIDs = []uuid.UUID{bob.ID}, []uuid.UUID{other.ID}
		}
		tk = w.ticket(tk)
		if i%5 == 4 { // a ticket without dates, as a store may hold one
			tk.CreatedAt, tk.LastActivityAt = time.Time{}, time.Time{}
			if i%10 == 4 {
				tk.CreatedAt = listNow.Add(-96 * time.Hour)
			}
			require.NoError(t, s.PutTicket(ctx(t), tk))
			w.tickets[tk.ID] = tk
		}
	}
	return w, w.viewer(ann), acme
}

// expected returns the subjects of the tickets keep accepts, in the order
// of the date the sort names, unknown dates last (first descending), ties
// by ticket ID: the order the portal documents, computed here.
func (w *listWorld) expected(sort string, desc bool, keep func(portal.Ticket) bool) []string {
	var ts []portal.Ticket
	for _, tk := range w.tickets {
		if keep(tk) {
			ts = append(ts, tk)
		}
	}
	date := func(tk portal.Ticket) time.Time {
		if sort == portal.PropCreatedAt {
			return tk.CreatedAt
		}
		return tk.LastActivityAt
	}
	slices.SortFunc(ts, func(a, b portal.Ticket) int {
		da, db := date(a), date(b)
		c := 0
		switch {
		case da.IsZero() && !db.IsZero():
			c = 1
		case !da.IsZero() && db.IsZero():
			c = -1
		default:
			c = da.Compare(db)
		}
		if c == 0 {
			c = bytes.Compare(a.ID[:], b.ID[:])
		}
		if desc {
			return -c
		}
		return c
	})
	out := []string{}
	for _, tk := range ts {
		out = append(out, tk.Subject)
	}
	return out
}

// Both dates, both ways, both views: every page size lists exactly the
// documented order, ties and unknown dates across page boundaries.
// covers: P2, P3, X6
func testOrderTies(t *testing.T, s portal.Store) {
	w, v, acme := newOrderWorld(t, s)
	ann := v.ContactID
	org := func(tk portal.Ticket) bool {
		return slices.Contains(tk.ContactIDs, ann) || slices.Contains(tk.CompanyIDs, acme.ID)
	}
	mine := func(tk portal.Ticket) bool { return slices.Contains(tk.ContactIDs, ann) }
	for _, sort := range []string{portal.PropCreatedAt, portal.PropLastActivityAt} {
		for _, desc := range []bool{false, true} {
			for _, view := range []portal.View{portal.OrganizationTickets, portal.OwnedByMe} {
				keep := org
				if view == portal.OwnedByMe {
					keep = mine
				}
				want := w.expected(sort, desc, keep)
				require.Len(t, want, map[portal.View]int{portal.OrganizationTickets: 18, portal.OwnedByMe: 12}[view])
				for size := 1; size <= 7; size++ {
					q := portal.ListQuery{View: view, Sort: sort, Desc: desc, Limit: size}
					assert.Equal(t, want, w.list(v, q), "%s desc=%v %s, pages of %d", sort, desc, view, size)
				}
			}
		}
	}
}

// A customer pages through the list newest activity first while replies
// land: a ticket replied to moves to the top, before the cursor, and is
// not listed again; a ticket whose activity goes back moves after the
// cursor and is listed where it now sorts; every other ticket is listed
// exactly once.
// covers: P2, P5, X6
func testOrderReplyMoves(t *testing.T, s portal.Store) {
	w, v, _ := newOrderWorld(t, s)
	q := portal.ListQuery{Sort: portal.PropLastActivityAt, Desc: true, Limit: 4}
	whole := w.list(v, q)
	tv := w.view(v, q)
	got := w.names(tv.Rows)
	require.Equal(t, whole[:4], got)
	// A reply to a ticket of a later page: it is now the newest.
	later := whole[10]
	_, err := w.p.Reply(ctx(t), v, w.id(later), portal.ReplyInput{Text: "Any news?"})
	require.NoError(t, err)
	// A seen ticket whose activity the helpdesk sets back: it now sorts
	// after the cursor.
	seen := whole[1]
	w.update(seen, func(tk *portal.Ticket) { tk.LastActivityAt = listNow.Add(-1000 * time.Hour) })
	for q.Cursor = tv.Next; q.Cursor != ""; q.Cursor = tv.Next {
		tv = w.view(v, q)
		got = append(got, w.names(tv.Rows)...)
	}
	joined := " " + strings.Join(got, " ") + " "
	for _, name := range whole {
		switch name {
		case later:
			assert.Equal(t, 0, strings.Count(joined, " "+name+" "), "%s moved before the cursor", name)
		case seen:
			assert.Equal(t, 2, strings.Count(joined, " "+name+" "), "%s moved after the cursor", name)
		default:
			assert.Equal(t, 1, strings.Count(joined, " "+name+" "), "%s once", name)
		}
	}
	replied, err := s.Ticket(ctx(t), w.pid, w.id(later))
	require.NoError(t, err)
	require.Equal(t, listNow, replied.LastActivityAt, "the reply is the ticket's last activity")
	w.tickets[replied.ID] = replied
	assert.Equal(t, w.expected(portal.PropLastActivityAt, true, func(tk portal.Ticket) bool {
		_, listed := slices.BinarySearch(slices.Sorted(slices.Values(whole)), tk.Subject)
		return listed
	}), w.list(v, portal.ListQuery{Sort: portal.PropLastActivityAt, Desc: true, Limit: 5}),
		"the list in its new order: the ticket replied to first after those without a date")
}

// A ticket that leaves the company leaves the Organization view at once,
// in every order; one that keeps the contact stays there and in Owned by
// me; one that loses the contact but keeps the company leaves Owned by me
// only.
// covers: P3, S4, X6
func testOrderLeaving(t *testing.T, s portal.Store) {
	w, v, acme := newOrderWorld(t, s)
	other := w.company("Elsewhere")
	cats, anns := "o01", "o00" // Acme's (Cat's); Ann's of Acme
	w.update(cats, func(tk *portal.Ticket) { tk.CompanyIDs = []uuid.UUID{other.ID} })
	w.update(anns, func(tk *portal.Ticket) { tk.CompanyIDs = []uuid.UUID{other.ID} })
	annsToo := "o08" // Ann's of Acme, now Acme's only (Cat's)
	cat := w.tickets[w.id("o01")].ContactIDs
	w.update(annsToo, func(tk *portal.Ticket) { tk.ContactIDs = cat })
	for _, sort := range []string{portal.PropCreatedAt, portal.PropLastActivityAt, portal.PropSubject} {
		for _, desc := range []bool{false, true} {
			org := w.list(v, portal.ListQuery{Sort: sort, Desc: desc, Limit: 3})
			mine := w.list(v, portal.ListQuery{View: portal.OwnedByMe, Sort: sort, Desc: desc, Limit: 3})
			assert.NotContains(t, org, cats, "%s desc=%v", sort, desc)
			assert.Contains(t, org, anns, "%s desc=%v: still Ann's", sort, desc)
			assert.Contains(t, mine, anns, "%s desc=%v", sort, desc)
			assert.Contains(t, org, annsToo, "%s desc=%v: still Acme's", sort, desc)
			assert.NotContains(t, mine, annsToo, "%s desc=%v", sort, desc)
			if sort != portal.PropSubject {
				assert.Equal(t, w.expected(sort, desc, func(tk portal.Ticket) bool {
					return slices.Contains(tk.ContactIDs, v.ContactID) || slices.Contains(tk.CompanyIDs, acme.ID)
				}), org, "%s desc=%v", sort, desc)
			}
		}
	}
}

// Search in the date orders: literal %, _ and backslash, case pairs
// outside ASCII, and every word must occur, whichever way a store finds
// the tickets.
// covers: P2, X6
func testOrderSearch(t *testing.T, s portal.Store) {
	w, v, acme := newOrderWorld(t, s)
	for i, subject := range []string{"50% rabat", "rabat_kode", `sti\til\fil`, "ÆBLE og pære", "æble", "Straße", "STRAẞE",
		"σοφός", "ΣΟΦΌΣ", "rabat50kode"} {
		w.ticket(portal.Ticket{Subject: subject, CompanyIDs: []uuid.UUID{acme.ID},
			CreatedAt: listNow.Add(-time.Duration(i) * time.Hour), LastActivityAt: listNow.Add(-time.Duration(i) * time.Minute)})
	}
	for _, tc := range []struct {
		search string
		want   []string
	}{
		{"%", []string{"50% rabat"}},
		{"50%", []string{"50% rabat"}},
		{"_", []string{"rabat_kode"}},
		{"t_k", []string{"rabat_kode"}},
		{`\`, []string{`sti\til\fil`}},
		{`i\t`, []string{`sti\til\fil`}},
		{"æble", []string{"ÆBLE og pære", "æble"}},
		{"ÆBLE PÆRE", []string{"ÆBLE og pære"}},
		{"straße", []string{"Straße", "STRAẞE"}},
		{"ΣΟΦΌΣ", []string{"σοφός", "ΣΟΦΌΣ"}},
		{"rabat", []string{"50% rabat", "rabat_kode", "rabat50kode"}},
		{"rabat kode", []string{"rabat_kode", "rabat50kode"}},
	} {
		for _, sort := range []string{portal.PropCreatedAt, portal.PropLastActivityAt} {
			q := portal.ListQuery{Search: tc.search, Sort: sort, Desc: true, Limit: 2}
			want := w.expected(sort, true, func(tk portal.Ticket) bool { return slices.Contains(tc.want, tk.Subject) })
			assert.Equal(t, want, w.list(v, q), "search %q, %s", tc.search, sort)
		}
	}
}
