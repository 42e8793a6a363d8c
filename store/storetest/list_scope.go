package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var listScopeTests = []test{
	{name: "OwnTicketsAreTheContactsAssociations", fn: testScopeOwnTickets},
	{name: "CompanyTicketsAddThePrimaryCompanys", fn: testScopeCompanyTickets},
	{name: "CompanyTicketsForGroupFollowTheContactFilter", fn: testScopeCompanyForGroup},
	{name: "ScopeFollowsTheContactsCompany", fn: testScopeFollowsCompany},
	{name: "ScopeFollowsTheContactFilter", fn: testScopeFollowsFilter},
	{name: "ScopeFollowsTheTicketsAssociations", fn: testScopeFollowsAssociations},
	{name: "ViewSwitcherOffersOrganizationAndMine", fn: testViewSwitcher},
	{name: "VisibilityFilterHidesEverywhere", fn: testVisibilityHides},
	{name: "TenantsWithIdenticalDataNeverMeet", fn: testListTenancy},
	{name: "DisabledPortalAnswersNothingAndLosesNothing", fn: testListDisabled},
}

// scopeWorld is a tenant with two companies and tickets of every shape of
// association (S4):
//
//	Ann (Acme, ann@acme.dk), Bob (Acme, bob@acme.com), Carl (Beta), Dora (none)
//	"Ann and Acme"          Ann            Acme
//	"Ann alone"             Ann            —
//	"Acme without contact"  —              Acme
//	"Bob and Acme"          Bob            Acme
//	"Bob alone"             Bob            —     (Acme's contact, not Acme's ticket)
//	"Carl and Beta"         Carl           Beta
//	"Beta without contact"  —              Beta
//	"Ann at Beta"           Ann            Beta  (Ann is not Beta's member)
//	"Dora alone"            Dora           —
//	"Ann and Carl"          Ann, Carl      Acme, Beta
//	"Nobody"                —              —
type scopeWorld struct {
	*listWorld
	acme, beta           portal.Company
	ann, bob, carl, dora portal.Contact
}

func newScopeWorld(t *testing.T, s portal.Store) *scopeWorld {
	w := &scopeWorld{listWorld: newListWorld(t, s)}
	w.acme, w.beta = w.company("Acme"), w.company("Beta")
	w.ann = w.contact("Ann", "Andersen", "ann@acme.dk", w.acme.ID)
	w.bob = w.contact("Bob", "Berg", "bob@acme.com", w.acme.ID)
	w.carl = w.contact("Carl", "Clausen", "carl@beta.dk", w.beta.ID)
	w.dora = w.contact("Dora", "", "dora@example.com", uuid.Nil)
	ids := func(xs ...uuid.UUID) []uuid.UUID { return xs }
	for _, tk := range []portal.Ticket{
		{Subject: "Ann and Acme", RequesterID: w.ann.ID, ContactIDs: ids(w.ann.ID), CompanyIDs: ids(w.acme.ID)},
		{Subject: "Ann alone", ContactIDs: ids(w.ann.ID)},
		{Subject: "Acme without contact", CompanyIDs: ids(w.acme.ID)},
		{Subject: "Bob and Acme", ContactIDs: ids(w.bob.ID), CompanyIDs: ids(w.acme.ID)},
		{Subject: "Bob alone", ContactIDs: ids(w.bob.ID)},
		{Subject: "Carl and Beta", ContactIDs: ids(w.carl.ID), CompanyIDs: ids(w.beta.ID)},
		{Subject: "Beta without contact", CompanyIDs: ids(w.beta.ID)},
		{Subject: "Ann at Beta", ContactIDs: ids(w.ann.ID), CompanyIDs: ids(w.beta.ID)},
		{Subject: "Dora alone", ContactIDs: ids(w.dora.ID)},
		{Subject: "Ann and Carl", ContactIDs: ids(w.ann.ID, w.carl.ID), CompanyIDs: ids(w.acme.ID, w.beta.ID)},
		{Subject: "Nobody"},
	} {
		w.ticket(tk)
	}
	return w
}

// The lists below are in subject order (Fold, then bytes).
var (
	annOwn  = []string{"Ann alone", "Ann and Acme", "Ann and Carl", "Ann at Beta"}
	annOrg  = []string{"Acme without contact", "Ann alone", "Ann and Acme", "Ann and Carl", "Ann at Beta", "Bob and Acme"}
	bobOwn  = []string{"Bob alone", "Bob and Acme"}
	bobOrg  = []string{"Acme without contact", "Ann and Acme", "Ann and Carl", "Bob alone", "Bob and Acme"}
	carlOwn = []string{"Ann and Carl", "Carl and Beta"}
	carlOrg = []string{"Ann and Carl", "Ann at Beta", "Beta without contact", "Carl and Beta"}
	doraOwn = []string{"Dora alone"}
)

func withView(q portal.ListQuery, v portal.View) portal.ListQuery {
	q.View = v
	return q
}

// covers: S4, P1
func testScopeOwnTickets(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	for _, tc := range []struct {
		c    portal.Contact
		want []string
	}{{w.ann, annOwn}, {w.bob, bobOwn}, {w.carl, carlOwn}, {w.dora, doraOwn}} {
		v := w.viewer(tc.c)
		assert.Equal(t, tc.want, w.list(v, bySubject), "%s, default view", tc.c.FirstName)
		assert.Equal(t, tc.want, w.list(v, withView(bySubject, portal.OwnedByMe)), "%s, mine", tc.c.FirstName)
		require.ErrorIs(t, w.listErr(v, withView(portal.ListQuery{Limit: 10}, portal.OrganizationTickets)), portal.ErrForbidden,
			"%s: no organization view with own tickets only", tc.c.FirstName)
	}
}

// Ann's own tickets plus every ticket associated with Acme, each once: not
// Bob's ticket without Acme, not Beta's tickets though Ann is on one of them.
// covers: S4, P1, P3
func testScopeCompanyTickets(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	for _, tc := range []struct {
		c        portal.Contact
		own, org []string
	}{{w.ann, annOwn, annOrg}, {w.bob, bobOwn, bobOrg}, {w.carl, carlOwn, carlOrg}} {
		v := w.viewer(tc.c)
		assert.Equal(t, tc.org, w.list(v, bySubject), "%s, default view", tc.c.FirstName)
		assert.Equal(t, tc.org, w.list(v, withView(bySubject, portal.OrganizationTickets)), "%s, organization", tc.c.FirstName)
		assert.Equal(t, tc.own, w.list(v, withView(bySubject, portal.OwnedByMe)), "%s, mine", tc.c.FirstName)
	}
	// Dora has no company: her own tickets, and no organization view.
	dora := w.viewer(w.dora)
	assert.Equal(t, doraOwn, w.list(dora, bySubject))
	require.ErrorIs(t, w.listErr(dora, withView(portal.ListQuery{Limit: 10}, portal.OrganizationTickets)), portal.ErrForbidden)
}

// covers: S4, P3
func testScopeCompanyForGroup(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTicketsForGroup, portal.FilterGroups{
		{flt(portal.PropEmail, portal.EndsWith, "@ACME.dk")},
		{flt(portal.PropFirstName, portal.EqualsAny, "carl"), flt(portal.PropLastName, portal.StartsWith, "Cla")},
	})
	ann, bob, carl := w.viewer(w.ann), w.viewer(w.bob), w.viewer(w.carl)
	assert.Equal(t, annOrg, w.list(ann, bySubject), "ann@acme.dk matches the first group")
	assert.Equal(t, annOwn, w.list(ann, withView(bySubject, portal.OwnedByMe)))
	assert.Equal(t, carlOrg, w.list(carl, bySubject), "Carl Clausen matches the second group")
	assert.Equal(t, bobOwn, w.list(bob, bySubject), "bob@acme.com matches no group: his own tickets only")
	assert.Equal(t, bobOwn, w.list(bob, withView(bySubject, portal.OwnedByMe)))
	require.ErrorIs(t, w.listErr(bob, withView(portal.ListQuery{Limit: 10}, portal.OrganizationTickets)), portal.ErrForbidden)
	assert.Equal(t, []portal.View{portal.OwnedByMe}, w.view(bob, portal.ListQuery{}).Views)
}

// A contact's scope is computed from the current data on every request.
// covers: S4
func testScopeFollowsCompany(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	v := w.viewer(w.ann)
	require.Equal(t, annOrg, w.list(v, bySubject))

	w.ann.CompanyID = w.beta.ID
	w.ann = w.saveContact(w.ann)
	assert.Equal(t, []string{"Ann alone", "Ann and Acme", "Ann and Carl", "Ann at Beta", "Beta without contact", "Carl and Beta"},
		w.list(v, bySubject), "Ann moved to Beta: Beta's tickets, no longer Acme's")
	assert.Equal(t, annOwn, w.list(v, withView(bySubject, portal.OwnedByMe)))
	assert.Equal(t, bobOrg, w.list(w.viewer(w.bob), bySubject), "Bob's scope did not change")

	w.ann.CompanyID = uuid.Nil
	w.ann = w.saveContact(w.ann)
	tv := w.view(v, bySubject)
	assert.Equal(t, portal.OwnedByMe, tv.View, "without a company the default view is mine")
	assert.Equal(t, []portal.View{portal.OwnedByMe}, tv.Views)
	assert.Equal(t, annOwn, w.names(tv.Rows))
	require.ErrorIs(t, w.listErr(v, withView(portal.ListQuery{Limit: 10}, portal.OrganizationTickets)), portal.ErrForbidden)
}

// covers: S4
func testScopeFollowsFilter(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTicketsForGroup, portal.FilterGroups{{flt(portal.PropEmail, portal.EndsWith, "@acme.dk")}})
	v := w.viewer(w.ann)
	require.Equal(t, annOrg, w.list(v, bySubject))

	w.ann.Email = "ann@elsewhere.dk"
	w.ann = w.saveContact(w.ann)
	tv := w.view(v, bySubject)
	assert.Equal(t, annOwn, w.names(tv.Rows), "Ann no longer matches the filter: her own tickets only")
	assert.Equal(t, portal.OwnedByMe, tv.View)
	require.ErrorIs(t, w.listErr(v, withView(portal.ListQuery{Limit: 10}, portal.OrganizationTickets)), portal.ErrForbidden)

	w.bob.Email = "bob@acme.dk"
	w.bob = w.saveContact(w.bob)
	assert.Equal(t, bobOrg, w.list(w.viewer(w.bob), bySubject), "Bob now matches")

	w.ann.Email = "ann@acme.dk"
	w.ann = w.saveContact(w.ann)
	assert.Equal(t, annOrg, w.list(v, bySubject), "and Ann matches again")
}

// A ticket whose associations change moves between the contact's and the
// company's lists at once: the store's indexes follow a replaced ticket.
// covers: S4
func testScopeFollowsAssociations(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	ann, carl := w.viewer(w.ann), w.viewer(w.carl)

	w.update("Acme without contact", func(tk *portal.Ticket) { tk.CompanyIDs = []uuid.UUID{w.beta.ID} })
	assert.Equal(t, []string{"Ann alone", "Ann and Acme", "Ann and Carl", "Ann at Beta", "Bob and Acme"}, w.list(ann, bySubject))
	assert.Equal(t, []string{"Acme without contact", "Ann and Carl", "Ann at Beta", "Beta without contact", "Carl and Beta"},
		w.list(carl, bySubject))

	w.update("Ann alone", func(tk *portal.Ticket) { tk.ContactIDs = []uuid.UUID{w.dora.ID} })
	w.update("Nobody", func(tk *portal.Ticket) { tk.ContactIDs = []uuid.UUID{w.dora.ID, w.ann.ID} })
	assert.Equal(t, []string{"Ann and Acme", "Ann and Carl", "Ann at Beta", "Nobody"},
		w.list(ann, withView(bySubject, portal.OwnedByMe)))
	assert.Equal(t, []string{"Ann alone", "Dora alone", "Nobody"}, w.list(w.viewer(w.dora), bySubject))

	w.update("Ann and Carl", func(tk *portal.Ticket) { tk.ContactIDs, tk.CompanyIDs = nil, nil })
	assert.Equal(t, []string{"Ann and Acme", "Ann at Beta", "Bob and Acme", "Nobody"}, w.list(ann, bySubject))
	assert.Equal(t, []string{"Acme without contact", "Ann at Beta", "Beta without contact", "Carl and Beta"}, w.list(carl, bySubject))
}

// covers: P3
func testViewSwitcher(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	ann := w.viewer(w.ann)
	tv := w.view(ann, bySubject)
	assert.Equal(t, portal.OrganizationTickets, tv.View, "organization by default for a contact who may see it")
	assert.Equal(t, []portal.View{portal.OrganizationTickets, portal.OwnedByMe}, tv.Views)
	assert.Equal(t, annOrg, w.names(tv.Rows))

	tv = w.view(ann, withView(bySubject, portal.OwnedByMe))
	assert.Equal(t, portal.OwnedByMe, tv.View)
	assert.Equal(t, []portal.View{portal.OrganizationTickets, portal.OwnedByMe}, tv.Views)
	assert.Equal(t, annOwn, w.names(tv.Rows))

	dora := w.viewer(w.dora)
	tv = w.view(dora, bySubject)
	assert.Equal(t, portal.OwnedByMe, tv.View)
	assert.Equal(t, []portal.View{portal.OwnedByMe}, tv.Views)
	err := w.listErr(dora, withView(portal.ListQuery{Limit: 10}, portal.OrganizationTickets))
	require.ErrorIs(t, err, portal.ErrForbidden)

	requireField(t, w.listErr(ann, withView(portal.ListQuery{Limit: 10}, "everything")), "view")

	// Own tickets only: one view, and the organization is forbidden.
	w.scope(portal.OwnTickets, nil)
	tv = w.view(ann, bySubject)
	assert.Equal(t, portal.OwnedByMe, tv.View)
	assert.Equal(t, []portal.View{portal.OwnedByMe}, tv.Views)
	assert.Equal(t, annOwn, w.names(tv.Rows))
	require.ErrorIs(t, w.listErr(ann, withView(portal.ListQuery{Limit: 10}, portal.OrganizationTickets)), portal.ErrForbidden)
}

// Tickets that fail the visibility filter are in no list, and their detail
// is ErrNotFound, like a ticket that does not exist.
// covers: S8, P4
func testVisibilityHides(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	w.update("Ann and Acme", func(tk *portal.Ticket) { tk.Priority = portal.PriorityUrgent })
	w.update("Bob and Acme", func(tk *portal.Ticket) { tk.Priority = portal.PriorityLow })
	w.update("Ann alone", func(tk *portal.Ticket) { tk.StageID = w.stage("Solved") })
	// Visible: subject without "alone", or urgent and open.
	w.visibility(portal.FilterGroups{
		{flt(portal.PropSubject, portal.NotContainsAny, "ALONE", "carl")},
		{flt(portal.PropPriority, portal.IsAnyOf, "urgent"), flt(portal.PropStatus, portal.IsAnyOf, "open")},
	})
	ann := w.viewer(w.ann)
	visible := []string{"Acme without contact", "Ann and Acme", "Ann at Beta", "Bob and Acme"}
	assert.Equal(t, visible, w.list(ann, bySubject))
	assert.Equal(t, []string{"Ann and Acme", "Ann at Beta"}, w.list(ann, withView(bySubject, portal.OwnedByMe)))
	assert.Equal(t, []string{"Ann and Acme"}, w.list(ann, portal.ListQuery{Sort: portal.PropSubject, Search: "acme", Status: portal.StatusOpen, View: portal.OwnedByMe}))
	for _, name := range visible {
		d, err := w.p.TicketDetail(ctx(t), ann, w.id(name))
		require.NoError(t, err, name)
		assert.Equal(t, name, d.Subject)
	}
	for _, name := range []string{"Ann alone", "Ann and Carl"} {
		_, err := w.p.TicketDetail(ctx(t), ann, w.id(name))
		require.ErrorIs(t, err, portal.ErrNotFound, "%s is hidden", name)
	}

	// "Ann alone" becomes urgent, but it is closed: still hidden. Reopened,
	// the second group holds.
	w.update("Ann alone", func(tk *portal.Ticket) { tk.Priority = portal.PriorityUrgent })
	assert.Equal(t, visible, w.list(ann, bySubject))
	w.update("Ann alone", func(tk *portal.Ticket) { tk.StageID = w.stage("Waiting") })
	assert.Equal(t, []string{"Acme without contact", "Ann alone", "Ann and Acme", "Ann at Beta", "Bob and Acme"}, w.list(ann, bySubject),
		"urgent and open: the second group holds")
	_, err := w.p.TicketDetail(ctx(t), ann, w.id("Ann alone"))
	require.NoError(t, err)

	w.visibility(nil)
	assert.Equal(t, annOrg, w.list(ann, bySubject), "no visibility filter: everything in scope")
}

// Two tenants in one store with the same data: each viewer sees its own
// tenant's tickets only, and records of the other tenant are nobody's.
// covers: X5, P4
func testListTenancy(t *testing.T, s portal.Store) {
	a, b := newScopeWorld(t, s), newScopeWorld(t, s)
	a.scope(portal.CompanyTickets, nil)
	b.scope(portal.CompanyTickets, nil)
	for _, w := range []*scopeWorld{a, b} {
		for _, c := range []portal.Contact{w.ann, w.bob, w.carl, w.dora} {
			tv := w.view(w.viewer(c), bySubject)
			for _, r := range tv.Rows {
				_, ours := w.subject[r.ID]
				require.True(t, ours, "%s sees ticket %s of another tenant", c.FirstName, r.ID)
			}
		}
		assert.Equal(t, annOrg, w.list(w.viewer(w.ann), bySubject))
	}
	annA := a.viewer(a.ann)
	for name, id := range b.ticketID {
		_, err := a.p.TicketDetail(ctx(t), annA, id)
		require.ErrorIs(t, err, portal.ErrNotFound, "B's %q through A's viewer", name)
	}
	// A viewer of tenant A naming B's contact is nobody.
	_, err := a.p.ListTickets(ctx(t), portal.Viewer{PortalID: a.pid, ContactID: b.ann.ID}, portal.ListQuery{Limit: 10})
	require.ErrorIs(t, err, portal.ErrUnauthenticated)
	_, err = a.p.Viewer(ctx(t), a.pid, b.ann.ID)
	require.ErrorIs(t, err, portal.ErrUnauthenticated)

	// A change in B changes nothing in A.
	b.update("Ann alone", func(tk *portal.Ticket) { tk.Subject = "Ann alone in B" })
	b.update("Acme without contact", func(tk *portal.Ticket) { tk.CompanyIDs = nil })
	assert.Equal(t, annOrg, a.list(annA, bySubject))
	assert.Equal(t, []string{"Ann alone in B", "Ann and Acme", "Ann and Carl", "Ann at Beta", "Bob and Acme"}, b.list(b.viewer(b.ann), bySubject))
}

// covers: S14
func testListDisabled(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	v := w.viewer(w.ann)
	before := w.view(v, bySubject)
	detail, err := w.p.TicketDetail(ctx(t), v, w.id("Ann and Acme"))
	require.NoError(t, err)

	_, err = w.p.SetEnabled(ctx(t), w.pid, false)
	require.NoError(t, err)
	_, err = w.p.ListTickets(ctx(t), v, portal.ListQuery{Limit: 10})
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
	_, err = w.p.ListTickets(ctx(t), v, portal.ListQuery{Limit: 10, Cursor: before.Next, Search: "x"})
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
	_, err = w.p.TicketDetail(ctx(t), v, w.id("Ann and Acme"))
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
	_, err = w.p.TicketDetail(ctx(t), v, uuid.New())
	require.ErrorIs(t, err, portal.ErrPortalDisabled, "disabled comes before not found")
	_, err = w.p.Viewer(ctx(t), w.pid, w.ann.ID)
	require.ErrorIs(t, err, portal.ErrPortalDisabled)

	_, err = w.p.SetEnabled(ctx(t), w.pid, true)
	require.NoError(t, err)
	after := w.view(v, bySubject)
	assert.Equal(t, before, after, "nothing was lost")
	again, err := w.p.TicketDetail(ctx(t), v, w.id("Ann and Acme"))
	require.NoError(t, err)
	assert.Equal(t, detail, again)
}
