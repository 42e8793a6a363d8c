package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/helpdeskkit/portal"
)

var listSearchTests = []test{
	{name: "EveryWordMustOccurInSubjectOrContent", fn: testSearchWords},
	{name: "SearchFollowsTicketChanges", fn: testSearchFollowsChanges},
}

// searchWorld: Ann of Acme sees her tickets and Acme's (CompanyTickets);
// Bob, of no company, has a decoy that holds every search word.
func newSearchWorld(t *testing.T, s portal.Store) (*listWorld, portal.Viewer) {
	w := newListWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	acme := w.company("Acme")
	ann := w.contact("Ann", "Andersen", "ann@acme.dk", acme.ID)
	bob := w.contact("Bob", "Berg", "bob@example.com", uuid.Nil)
	for _, tc := range []struct{ subject, content string }{
		{"ÆBLE kage", "Opskrift fra mormor"},
		{"Pærer", "æblemost og kanel"},
		{"100% sikker", "rabat"},
		{"snake_case navn", ""},
		{"snakeXcase navn", ""},
		{`Citat "hej" og 'dav'`, `sti C:\temp\fil`},
		{"rabat 100 procent", "kode"},
		{"Hello", "world"},
		{"Crème brûlée", "dessert"},
	} {
		w.ticket(portal.Ticket{Subject: tc.subject, Content: tc.content, ContactIDs: []uuid.UUID{ann.ID}})
	}
	w.ticket(portal.Ticket{Subject: "Firma æble-sag", CompanyIDs: []uuid.UUID{acme.ID}})
	w.ticket(portal.Ticket{Subject: "Decoy æble", ContactIDs: []uuid.UUID{bob.ID},
		Content: `ÆBLE kage kanel mormor 100% snake_case "hej" 'dav' C:\temp\fil hello world rabat kode x * brûlée`})
	return w, w.viewer(ann)
}

// Search is case-insensitive by Fold, Unicode-aware, literal (%, _, quotes
// and backslashes are plain characters), every word must occur, and a word
// never spans the subject and the content.
// covers: P2
func testSearchWords(t *testing.T, s portal.Store) {
	w, v := newSearchWorld(t, s)
	all := []string{"100% sikker", `Citat "hej" og 'dav'`, "Crème brûlée", "Firma æble-sag", "Hello", "Pærer",
		"rabat 100 procent", "snakeXcase navn", "snake_case navn", "ÆBLE kage"}
	for _, tc := range []struct {
		search string
		want   []string
	}{
		{"", all},
		{"   ", all},
		{"æble", []string{"Firma æble-sag", "Pærer", "ÆBLE kage"}},
		{"ÆBLE", []string{"Firma æble-sag", "Pærer", "ÆBLE kage"}},
		{"ÆbLe ÆBLE æble", []string{"Firma æble-sag", "Pærer", "ÆBLE kage"}},
		{"ÆBLE KAGE", []string{"ÆBLE kage"}},
		{"kage æble", []string{"ÆBLE kage"}},
		{"æble kanel", []string{"Pærer"}},
		{"æble\tkanel\n", []string{"Pærer"}},
		{"æble mormor", []string{"ÆBLE kage"}},
		{"æble-sag", []string{"Firma æble-sag"}},
		{"BRÛLÉE", []string{"Crème brûlée"}},
		{"brulee", nil},
		{"%", []string{"100% sikker"}},
		{"100%", []string{"100% sikker"}},
		{"100", []string{"100% sikker", "rabat 100 procent"}},
		{"%%", nil},
		{"_", []string{"snake_case navn"}},
		{"e_c", []string{"snake_case navn"}},
		{"snake_case", []string{"snake_case navn"}},
		{"snake", []string{"snakeXcase navn", "snake_case navn"}},
		{"navn snake", []string{"snakeXcase navn", "snake_case navn"}},
		{"x", []string{"snakeXcase navn"}},
		{"*", nil},
		{`"hej"`, []string{`Citat "hej" og 'dav'`}},
		{`'dav'`, []string{`Citat "hej" og 'dav'`}},
		{`"`, []string{`Citat "hej" og 'dav'`}},
		{`'`, []string{`Citat "hej" og 'dav'`}},
		{`\`, []string{`Citat "hej" og 'dav'`}},
		{`\t`, []string{`Citat "hej" og 'dav'`}},
		{`C:\TEMP\fil`, []string{`Citat "hej" og 'dav'`}},
		{`\\`, nil},
		{"hello world", []string{"Hello"}},
		{"WORLD hello", []string{"Hello"}},
		{"helloworld", nil},
		{"lowor", nil},
		{"rabat", []string{"100% sikker", "rabat 100 procent"}},
		{"RABAT KODE", []string{"rabat 100 procent"}},
		{"rabat nothing", nil},
	} {
		q := bySubject
		q.Search = tc.search
		assertNames(t, tc.want, w.list(v, q), "search %q", tc.search)
	}
	q := portal.ListQuery{Sort: portal.PropSubject, Search: "æble", View: portal.OwnedByMe}
	assert.Equal(t, []string{"Pærer", "ÆBLE kage"}, w.list(v, q), "mine: not the company's ticket")
	q = portal.ListQuery{Sort: portal.PropSubject, Search: "æble", Limit: 1}
	assert.Equal(t, []string{"Firma æble-sag", "Pærer", "ÆBLE kage"}, w.list(v, q), "in pages of one")
}

// The store searches the ticket as it is now.
// covers: P2
func testSearchFollowsChanges(t *testing.T, s portal.Store) {
	w, v := newSearchWorld(t, s)
	search := func(s string) []string {
		q := bySubject
		q.Search = s
		return w.list(v, q)
	}
	w.update("Hello", func(tk *portal.Ticket) { tk.Subject, tk.Content = "Goodbye", "planet" })
	assertNames(t, nil, search("hello"))
	assertNames(t, nil, search("world"))
	assert.Equal(t, []string{"Goodbye"}, search("goodbye planet"))
	w.update("Pærer", func(tk *portal.Ticket) { tk.Content = "" })
	assert.Equal(t, []string{"Firma æble-sag", "ÆBLE kage"}, search("æble"))
	w.update("Firma æble-sag", func(tk *portal.Ticket) { tk.Content = "KANEL" })
	assert.Equal(t, []string{"Firma æble-sag"}, search("kanel æble"))
}
