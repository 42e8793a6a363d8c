package portal_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
)

// Randomised over generated data (fixed seed): whatever the scope, view,
// visibility filter, status, column filter, search, sort and page size, a
// customer's list is exactly the set a hand-written reference computes —
// never a ticket outside scope — and no ticket detail ever holds an internal
// note, a comment or a message from an internal sender.
// covers: S4, S8, S9, P1, P2, P3, P4
func TestNoCombinationLeaksOutOfScope(t *testing.T) {
	ctx := context.Background()
	p, err := portal.New(memstore.New(), portal.Options{Now: portaltest.Now})
	require.NoError(t, err)
	d, err := portaltest.Generate(ctx, p, portaltest.Size{Companies: 6, ContactsPerCompany: 3, Tickets: 240}, 42)
	require.NoError(t, err)
	pid := d.Tenant.ID
	closed := map[uuid.UUID]bool{}
	for _, pl := range d.Pipelines {
		for _, st := range pl.ClosedStages() {
			closed[st.ID] = true
		}
	}
	messages := map[uuid.UUID]portal.Message{}
	for _, m := range d.Messages {
		messages[m.ID] = m
	}
	vip := d.Lists[1].ID
	words := []string{"", "printer", "ikke", "æ", "%", "_", "vand espresso", "LÆKKER"}
	rng := rand.New(rand.NewPCG(7, 11))

	type visibility struct {
		groups portal.FilterGroups
		match  func(portal.Ticket) bool
	}
	visibilities := []visibility{
		{nil, func(portal.Ticket) bool { return true }},
		{portal.FilterGroups{{{Property: "priority", Operator: portal.IsAnyOf, Values: []string{"high", "urgent"}}}},
			func(t portal.Ticket) bool { return t.Priority == "high" || t.Priority == "urgent" }},
		{portal.FilterGroups{
			{{Property: "owner", Operator: portal.IsUnknown}},
			{{Property: "subject", Operator: portal.NotContainsAny, Values: []string{"e"}}},
		}, func(t portal.Ticket) bool {
			return t.OwnerID == uuid.Nil || !strings.Contains(portal.Fold(t.Subject), portal.Fold("e"))
		}},
	}
	save := func(change func(*portal.Settings)) {
		s, err := p.Settings(ctx, pid)
		require.NoError(t, err)
		change(&s)
		_, err = p.SaveSettings(ctx, pid, s)
		require.NoError(t, err)
	}
	for round := range 60 {
		scope := []portal.Scope{portal.OwnTickets, portal.CompanyTickets, portal.CompanyTicketsForGroup}[rng.IntN(3)]
		vis := visibilities[rng.IntN(len(visibilities))]
		save(func(s *portal.Settings) {
			s.Permissions = portal.Permissions{Scope: scope}
			if scope == portal.CompanyTicketsForGroup {
				s.Permissions.ContactFilter = portal.FilterGroups{{{Property: "lists", Operator: portal.IsAnyOf, Values: []string{vip.String()}}}}
			}
			s.Display.Visibility = vis.groups
			s.Display.Columns = append(portal.RecommendedColumns(), portal.Column{Property: "priority"})
		})

		for range 8 {
			c := d.Contacts[rng.IntN(len(d.Contacts))]
			companyScope := c.CompanyID != uuid.Nil &&
				(scope == portal.CompanyTickets || scope == portal.CompanyTicketsForGroup && slices.Contains(c.Lists, vip))
			q := portal.ListQuery{
				View:   []portal.View{"", portal.OrganizationTickets, portal.OwnedByMe}[rng.IntN(3)],
				Status: []string{"", "open", "closed"}[rng.IntN(3)],
				Search: words[rng.IntN(len(words))],
				Sort:   []string{"", "subject", "requestedBy", "createdAt", "owner", "lastActivityAt", "status", "priority"}[rng.IntN(8)],
				Desc:   rng.IntN(2) == 0,
				Limit:  1 + rng.IntN(9),
			}
			var priorities []string
			if rng.IntN(3) == 0 {
				priorities = []string{"low", "medium"}
				q.Filters = []portal.Filter{{Property: "priority", Operator: portal.IsAnyOf, Values: priorities}}
			}
			org := q.View == portal.OrganizationTickets || q.View == "" && companyScope
			v := portal.Viewer{PortalID: pid, ContactID: c.ID}
			got, err := portaltest.ListAll(ctx, p, v, q)
			if q.View == portal.OrganizationTickets && !companyScope {
				require.ErrorIs(t, err, portal.ErrForbidden, "round %d", round)
				continue
			}
			require.NoError(t, err, "round %d: %+v", round, q)

			var want []uuid.UUID
			for _, tk := range d.Tickets {
				in := slices.Contains(tk.ContactIDs, c.ID) || org && slices.Contains(tk.CompanyIDs, c.CompanyID)
				status := map[bool]string{true: "closed", false: "open"}[closed[tk.StageID]]
				text := portal.Fold(tk.Subject) + "\n" + portal.Fold(tk.Content)
				found := true
				for _, w := range strings.Fields(portal.Fold(q.Search)) {
					found = found && strings.Contains(text, w)
				}
				if in && vis.match(tk) && (q.Status == "" || q.Status == status) && found &&
					(priorities == nil || slices.Contains(priorities, string(tk.Priority))) {
					want = append(want, tk.ID)
				}
			}
			assert.ElementsMatch(t, want, got, "round %d: contact %s scope %s query %+v", round, c.Email, scope, q)

			// Every listed ticket opens, and its conversation holds only what a
			// contact may see; a ticket outside scope or hidden never opens.
			for _, id := range got {
				det, err := p.TicketDetail(ctx, v, id)
				require.NoError(t, err)
				for _, m := range det.Conversation {
					orig := messages[m.ID]
					assert.False(t, orig.Kind.Internal(), "internal message %s shown", m.ID)
					assert.False(t, strings.HasSuffix(orig.From, "@"+portaltest.InternalDomain), "internal sender shown")
				}
			}
			for _, tk := range d.Tickets {
				inScope := slices.Contains(tk.ContactIDs, c.ID) || companyScope && slices.Contains(tk.CompanyIDs, c.CompanyID)
				if !inScope || !vis.match(tk) {
					_, err := p.TicketDetail(ctx, v, tk.ID)
					require.ErrorIs(t, err, portal.ErrNotFound, "ticket %q opened by %s", tk.Subject, c.Email)
				}
			}
		}
	}
}
