package memstore

import (
	"slices"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// The verdicts of the visibility filter (S8), kept so that a total (P11)
// is counted without reading tickets: each entry holds its ticket's
// verdict under the tenant's filter (entry.shown), and each scope how many
// of its tickets are shown, by stage (scope.shown). A verdict reads the
// ticket alone (portal.TicketFilter.Stamp): it is decided when the ticket
// is written, and every ticket's again when the filter's stamp changes
// (the settings' filter, or the custom properties it reads).

// visibility is the tenant's compiled visibility filter and its stamp
// (portal.TicketFilter.Stamp), 0 when no verdict is kept: the filter
// depends on the time, or the stored settings do not compile.
type visibility struct {
	filter portal.TicketFilter
	stamp  int64
}

// compileVisibility compiles the tenant's visibility filter, and decides
// every ticket again when its stamp changed.
func (t *tenant) compileVisibility() {
	f, err := portal.VisibilityOf(&t.settings, t.props)
	stamp := f.Stamp()
	if err != nil {
		f, stamp = portal.TicketFilter{}, 0
	}
	if stamp == t.vis.stamp {
		return
	}
	t.vis = visibility{f, stamp}
	for _, e := range t.tickets {
		t.decide(e)
	}
	for _, idx := range []map[uuid.UUID]*scope{t.byContact, t.byCompany} {
		for _, sc := range idx {
			sc.recount()
		}
	}
}

// decide sets e's verdict under the tenant's visibility filter.
func (t *tenant) decide(e *entry) {
	e.shown = t.vis.stamp != 0 && t.vis.filter.MatchFolded(e.t, &e.fx, &portal.Env{})
}

// countKept counts q's tickets up to max from the kept verdicts, when they
// answer q: its visibility filter is the tenant's, with a stamp, and it
// filters by status alone, without a search. ok is false otherwise.
func (t *tenant) countKept(q *portal.TicketQuery, max int) (n int, ok bool) {
	if st := q.Visibility.Stamp(); st == 0 || st != t.vis.stamp || q.Searching() {
		return 0, false
	}
	open, closed, ok := q.Filter.Statuses()
	if !ok {
		return 0, false
	}
	pass := func(stage uuid.UUID) bool {
		if t.closed[stage] {
			return closed
		}
		return open
	}
	own := t.byContact[q.ContactID]
	if q.CompanyID == uuid.Nil {
		return min(own.countShown(pass), max), true
	}
	n = t.byCompany[q.CompanyID].countShown(pass)
	if n >= max || own == nil {
		return min(n, max), true
	}
	// The contact's tickets that are not the company's.
	own.tree(portal.ByCreated).Ascend(func(it item) bool {
		if e := it.e; e.shown && pass(e.t.StageID) && !slices.Contains(e.t.CompanyIDs, q.CompanyID) {
			n++
		}
		return n < max
	})
	return min(n, max), true
}
