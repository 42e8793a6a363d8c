package portal_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
)

// world is a small enabled portal: two companies, contacts, one ticket per
// association shape.
type world struct {
	*fixture
	acme, other          portal.Company
	ann, bob, carl, solo portal.Contact // ann, bob at acme; carl at other; solo without company
	annT, bobT, acmeT    portal.Ticket  // ann's, bob's, acme-only
	carlT, soloT         portal.Ticket
}

func newWorld(t *testing.T, scope portal.Scope) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{fixture: newFixture(t)}
	pid := w.tenant.ID
	var err error
	w.acme, err = w.p.SaveCompany(ctx, portal.Company{PortalID: pid, Name: "Acme", Domain: "acme.dk",
		Properties: nil})
	require.NoError(t, err)
	w.other, err = w.p.SaveCompany(ctx, portal.Company{PortalID: pid, Name: "Other"})
	require.NoError(t, err)
	contact := func(first, email string, co uuid.UUID) portal.Contact {
		c, err := w.p.SaveContact(ctx, portal.Contact{PortalID: pid, FirstName: first, Email: email, CompanyID: co})
		require.NoError(t, err)
		return c
	}
	w.ann = contact("Ann", "ann@acme.dk", w.acme.ID)
	w.bob = contact("Bob", "bob@acme.com", w.acme.ID)
	w.carl = contact("Carl", "carl@other.dk", w.other.ID)
	w.solo = contact("Solo", "solo@example.com", uuid.Nil)
	ticket := func(subject string, contacts []uuid.UUID, companies []uuid.UUID) portal.Ticket {
		tk, err := w.p.SaveTicket(ctx, portal.Ticket{PortalID: pid, Subject: subject, PipelineID: w.pipeline.ID,
			StageID: w.pipeline.Stages[0].ID, ContactIDs: contacts, CompanyIDs: companies})
		require.NoError(t, err)
		return tk
	}
	w.annT = ticket("Ann's", []uuid.UUID{w.ann.ID}, []uuid.UUID{w.acme.ID})
	w.bobT = ticket("Bob's", []uuid.UUID{w.bob.ID}, []uuid.UUID{w.acme.ID})
	w.acmeT = ticket("Acme's", nil, []uuid.UUID{w.acme.ID})
	w.carlT = ticket("Carl's", []uuid.UUID{w.carl.ID}, []uuid.UUID{w.other.ID})
	w.soloT = ticket("Solo's", []uuid.UUID{w.solo.ID}, nil)
	w.set(t, func(s *portal.Settings) {
		s.Enabled = true
		s.DefaultChannel = w.channel.ID
		s.Permissions.Scope = scope
		if scope == portal.CompanyTicketsForGroup {
			s.Permissions.CompanyRule = `contact.Email endsWith "@acme.dk"`
		}
	})
	return w
}

func (w *world) set(t *testing.T, change func(*portal.Settings)) portal.Settings {
	t.Helper()
	s := w.settings(t)
	change(&s)
	s, err := w.p.SaveSettings(context.Background(), w.tenant.ID, s)
	require.NoError(t, err)
	return s
}

// subjects lists the viewer's tickets (every page) by subject, sorted by
// subject.
func (w *world) subjects(t *testing.T, c portal.Contact, q portal.ListQuery) []string {
	t.Helper()
	v := portal.Viewer{PortalID: w.tenant.ID, ContactID: c.ID}
	q.Sort = "subject"
	table, err := portaltest.ListTable(context.Background(), w.p, v, q)
	require.NoError(t, err)
	var out []string
	for _, row := range table[1:] {
		out = append(out, row[0])
	}
	return out
}

// covers: S4, P1, P3
func TestScopes(t *testing.T) {
	t.Run("own tickets only", func(t *testing.T) {
		w := newWorld(t, portal.OwnTickets)
		assert.Equal(t, []string{"Ann's"}, w.subjects(t, w.ann, portal.ListQuery{Limit: 25}))
		_, err := w.p.ListTickets(context.Background(), portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID},
			portal.ListQuery{Limit: 25, View: portal.OrganizationTickets})
		require.ErrorIs(t, err, portal.ErrForbidden)
	})
	t.Run("company tickets", func(t *testing.T) {
		w := newWorld(t, portal.CompanyTickets)
		assert.Equal(t, []string{"Acme's", "Ann's", "Bob's"}, w.subjects(t, w.ann, portal.ListQuery{Limit: 25}))
		assert.Equal(t, []string{"Ann's"}, w.subjects(t, w.ann, portal.ListQuery{Limit: 25, View: portal.OwnedByMe}))
		assert.Equal(t, []string{"Solo's"}, w.subjects(t, w.solo, portal.ListQuery{Limit: 25}), "no company, own only")
	})
	t.Run("company tickets for a group (X2 rule)", func(t *testing.T) {
		w := newWorld(t, portal.CompanyTicketsForGroup)
		assert.Equal(t, []string{"Acme's", "Ann's", "Bob's"}, w.subjects(t, w.ann, portal.ListQuery{Limit: 25}))
		assert.Equal(t, []string{"Bob's"}, w.subjects(t, w.bob, portal.ListQuery{Limit: 25}), "bob@acme.com fails the rule")
	})
	t.Run("company tickets for a group (filter and rule)", func(t *testing.T) {
		w := newWorld(t, portal.CompanyTicketsForGroup)
		w.set(t, func(s *portal.Settings) {
			s.Permissions.ContactFilter = portal.FilterGroups{{{Property: "firstName", Operator: portal.EqualsAny, Values: []string{"bob"}}}}
		})
		// Both must hold: Ann fails the filter, Bob fails the rule.
		assert.Equal(t, []string{"Ann's"}, w.subjects(t, w.ann, portal.ListQuery{Limit: 25}))
		assert.Equal(t, []string{"Bob's"}, w.subjects(t, w.bob, portal.ListQuery{Limit: 25}))
		w.set(t, func(s *portal.Settings) { s.Permissions.CompanyRule = "" })
		assert.Equal(t, []string{"Acme's", "Ann's", "Bob's"}, w.subjects(t, w.bob, portal.ListQuery{Limit: 25}))
	})
}

// Scope follows the data: the next request sees the change (S4).
func TestScopeFollowsTheData(t *testing.T) {
	w := newWorld(t, portal.CompanyTicketsForGroup)
	ctx := context.Background()
	ann := w.ann
	ann.CompanyID = w.other.ID
	_, err := w.p.SaveContact(ctx, ann)
	require.NoError(t, err)
	assert.Equal(t, []string{"Ann's", "Carl's"}, w.subjects(t, ann, portal.ListQuery{Limit: 25}), "moved to Other")

	ann.Email = "ann@gmail.com"
	_, err = w.p.SaveContact(ctx, ann)
	require.NoError(t, err)
	assert.Equal(t, []string{"Ann's"}, w.subjects(t, ann, portal.ListQuery{Limit: 25}), "no longer matches the rule")
}

// covers: X2
func TestCompanyRuleIsTypeCheckedWhenSaved(t *testing.T) {
	cases := map[string]string{
		"does not compile": `contact.Email endsWith`,
		"not boolean":      `contact.Email`,
		"unknown field":    `contact.Shoe == "42"`,
		"unknown variable": `ticket.Subject == "x"`,
		"second line":      "contact.Email != \"\" &&\n  company.Nmae == \"Acme\"",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, portal.CompanyTicketsForGroup)
			before := w.settings(t)
			s := before.Clone()
			s.Permissions.CompanyRule = src
			_, err := w.p.SaveSettings(context.Background(), w.tenant.ID, s)
			requireField(t, err, "permissions.companyRule")
			assert.Contains(t, err.Error(), "line ")
			assert.Contains(t, err.Error(), "column ")
			assert.Equal(t, before, w.settings(t), "nothing saved")
		})
	}
	var fe *portal.FieldError
	s := portal.DefaultSettings()
	s.Permissions.Scope = portal.CompanyTicketsForGroup
	s.Permissions.CompanyRule = "contact.Email != \"\" &&\n  company.Nmae == \"Acme\""
	require.ErrorAs(t, s.Validate(portal.Refs{}), &fe)
	assert.Contains(t, fe.Problem, "line 2")

	s.Permissions.Scope = portal.OwnTickets
	requireField(t, s.Validate(portal.Refs{}), "permissions.companyRule")
}

// Customer values reach a rule only through its environment: a contact whose
// e-mail is expression source gets no company scope by it (X2).
func TestRuleValuesAreNeverSource(t *testing.T) {
	w := newWorld(t, portal.CompanyTicketsForGroup)
	ctx := context.Background()
	w.set(t, func(s *portal.Settings) {
		s.Permissions.CompanyRule = `company.Properties["tier"] == "gold" || contact.FirstName == "true"`
	})
	bob := w.bob
	bob.FirstName = `" || true || "`
	_, err := w.p.SaveContact(ctx, bob)
	require.NoError(t, err)
	assert.Equal(t, []string{"Bob's"}, w.subjects(t, bob, portal.ListQuery{Limit: 25}))
}

// Rules are compiled once per settings version, never per request.
// covers: S5, X2
func TestRulesCompileOncePerSettingsVersion(t *testing.T) {
	w := newWorld(t, portal.CompanyTicketsForGroup)
	w.set(t, func(s *portal.Settings) {
		s.Permissions.ContactFilter = portal.FilterGroups{{{Property: "email", Operator: portal.IsKnown}}}
		s.Display.Visibility = portal.FilterGroups{{{Property: "subject", Operator: portal.NotContainsAny, Values: []string{"spam"}}}}
	})
	before := portal.Compilations(w.p)
	for range 20 {
		w.subjects(t, w.ann, portal.ListQuery{Limit: 25, Search: "ann"})
	}
	assert.Equal(t, before+1, portal.Compilations(w.p), "one compilation for the new version, none after")
	w.set(t, func(s *portal.Settings) { s.Name = "Renamed" })
	w.subjects(t, w.ann, portal.ListQuery{Limit: 25})
	w.subjects(t, w.bob, portal.ListQuery{Limit: 25})
	assert.Equal(t, before+2, portal.Compilations(w.p))
}

// covers: S14
func TestDisabledPortalRefusesCustomers(t *testing.T) {
	w := newWorld(t, portal.CompanyTickets)
	ctx := context.Background()
	v, err := w.p.Viewer(ctx, w.tenant.ID, w.ann.ID)
	require.NoError(t, err)
	_, err = w.p.SetEnabled(ctx, w.tenant.ID, false)
	require.NoError(t, err)
	_, err = w.p.ListTickets(ctx, v, portal.ListQuery{Limit: 25})
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
	_, err = w.p.TicketDetail(ctx, v, w.annT.ID)
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
	_, err = w.p.Viewer(ctx, w.tenant.ID, w.ann.ID)
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
	_, err = w.p.SetEnabled(ctx, w.tenant.ID, true)
	require.NoError(t, err)
	assert.Equal(t, []string{"Acme's", "Ann's", "Bob's"}, w.subjects(t, w.ann, portal.ListQuery{Limit: 25}), "nothing lost")
}

func TestViewerOfUnknownContactIsUnauthenticated(t *testing.T) {
	w := newWorld(t, portal.OwnTickets)
	ctx := context.Background()
	_, err := w.p.Viewer(ctx, w.tenant.ID, uuid.New())
	require.ErrorIs(t, err, portal.ErrUnauthenticated)
	_, err = w.p.ListTickets(ctx, portal.Viewer{PortalID: w.tenant.ID, ContactID: uuid.New()}, portal.ListQuery{Limit: 25})
	require.ErrorIs(t, err, portal.ErrUnauthenticated)
	_, err = w.p.ListTickets(ctx, portal.Viewer{}, portal.ListQuery{Limit: 25})
	require.ErrorIs(t, err, portal.ErrNotFound, "no such portal")
}

// covers: X4
func TestExplainNamesTheRule(t *testing.T) {
	w := newWorld(t, portal.CompanyTickets)
	ctx := context.Background()
	w.set(t, func(s *portal.Settings) {
		s.Display.Visibility = portal.FilterGroups{
			{{Property: "subject", Operator: portal.StartsWith, Values: []string{"zzz"}}},
			{{Property: "subject", Operator: portal.IsKnown}, {Property: "subject", Operator: portal.NotEqualsAny, Values: []string{"bob's"}}},
		}
		s.Actions.CustomerClose = true
		s.Actions.CloseStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.pipeline.Stages[1].ID}
	})
	e, err := w.p.Explain(ctx, w.tenant.ID, w.ann.ID, w.annT.ID)
	require.NoError(t, err)
	assert.True(t, e.Visible)
	assert.Equal(t, "display.visibility[1]", e.Rule)
	assert.Equal(t, "permissions.scope=company", e.Scope.Rule)
	require.Len(t, e.Actions, 5)
	assert.True(t, e.Actions[0].Allowed, "reply")
	assert.True(t, e.Actions[1].Allowed, "close")
	assert.Equal(t, portal.ActionVerdict{Action: "reopen", Rule: "actions.reopen", Reason: "customers may not reopen tickets"},
		e.Actions[2], "reopening is off by default (P13)")
	assert.Equal(t, portal.ActionVerdict{Action: "rate", Rule: "satisfaction.enabled", Reason: "customers may not rate tickets"},
		e.Actions[3], "ratings are off by default (P14)")
	assert.Equal(t, portal.ActionVerdict{Action: "participants", Rule: "participants.enabled",
		Reason: "customers may not add colleagues to tickets"}, e.Actions[4], "participants are off by default (P12)")

	e, err = w.p.Explain(ctx, w.tenant.ID, w.ann.ID, w.bobT.ID)
	require.NoError(t, err)
	assert.False(t, e.Visible)
	assert.Equal(t, "display.visibility", e.Rule)
	assert.Contains(t, e.Reason, "display.visibility[0][0]")
	assert.Contains(t, e.Reason, "display.visibility[1][1]")

	e, err = w.p.Explain(ctx, w.tenant.ID, w.ann.ID, w.carlT.ID)
	require.NoError(t, err)
	assert.False(t, e.Visible)
	assert.Equal(t, "permissions.scope=company", e.Rule)

	_, err = w.p.SetEnabled(ctx, w.tenant.ID, false)
	require.NoError(t, err)
	e, err = w.p.Explain(ctx, w.tenant.ID, w.ann.ID, w.annT.ID)
	require.NoError(t, err)
	assert.False(t, e.Visible)
	assert.Equal(t, "enabled", e.Rule)

	_, err = w.p.Explain(ctx, w.tenant.ID, uuid.New(), w.annT.ID)
	require.ErrorIs(t, err, portal.ErrNotFound)
	_, err = w.p.Explain(ctx, w.tenant.ID, w.ann.ID, uuid.New())
	require.ErrorIs(t, err, portal.ErrNotFound)
}

// covers: X4, S4
func TestExplainGroupRule(t *testing.T) {
	w := newWorld(t, portal.CompanyTicketsForGroup)
	e, err := w.p.Explain(context.Background(), w.tenant.ID, w.bob.ID, w.acmeT.ID)
	require.NoError(t, err)
	assert.False(t, e.Visible)
	assert.Equal(t, "permissions.companyRule", e.Scope.Rule)
	assert.Contains(t, e.Scope.Reason, "false")
}

// A date filter counts days from the Portal's clock.
// covers: S5
func TestDaysAgoUseThePortalClock(t *testing.T) {
	w := newWorld(t, portal.OwnTickets)
	ctx := context.Background()
	old := w.annT
	old.Subject = "Old"
	old.ID, old.Number = uuid.Nil, 0
	old.CreatedAt = clock.Add(-40 * 24 * time.Hour)
	old.LastActivityAt = time.Time{}
	_, err := w.p.SaveTicket(ctx, old)
	require.NoError(t, err)
	q := portal.ListQuery{Limit: 25, Filters: []portal.Filter{{Property: "createdAt", Operator: portal.BeforeDaysAgo, Values: []string{"30"}}}}
	assert.Equal(t, []string{"Old"}, w.subjects(t, w.ann, q))
	q.Filters[0].Operator = portal.AfterDaysAgo
	assert.Equal(t, []string{"Ann's"}, w.subjects(t, w.ann, q))
}

// covers: P13, X4 (a ticket closed before closing times were kept reopens
// within the window from its creation, which nothing done to it since
// moves: a host's save, a reply to it; a stage chosen to reopen to that is
// no longer open is named as such)
func TestReopenWindowOfOlderClosedTickets(t *testing.T) {
	w := newWorld(t, portal.OwnTickets)
	ctx := context.Background()
	open, solved := w.pipeline.Stages[0].ID, w.pipeline.Stages[1].ID
	w.set(t, func(s *portal.Settings) {
		s.Actions.Reopen, s.Actions.ReopenDays, s.Actions.ReplyToClosed = true, 7, true
	})
	old := w.annT
	old.StageID, old.CreatedAt, old.LastActivityAt = solved, clock.AddDate(0, 0, -30), clock.AddDate(0, 0, -1)
	old.ClosedAt = time.Time{} // closed before ClosedAt was kept
	require.NoError(t, w.store.PutTicket(ctx, old))
	ann := portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}
	refused := func(why string) {
		t.Helper()
		_, err := w.p.Reopen(ctx, ann, old.ID)
		require.ErrorIs(t, err, portal.ErrForbidden, why)
		assert.Contains(t, err.Error(), "actions.reopenDays", why)
	}
	refused("thirty days after its creation")
	old.Subject = "Ann's, renamed"
	_, err := w.p.SaveTicket(ctx, old)
	require.NoError(t, err)
	stored, err := w.p.Ticket(ctx, w.tenant.ID, old.ID)
	require.NoError(t, err)
	assert.True(t, stored.ClosedAt.IsZero(), "a host's save does not make up a closing time")
	refused("after a host's save")
	_, err = w.p.Reply(ctx, ann, old.ID, portal.ReplyInput{Text: "Hello?"})
	require.NoError(t, err)
	refused("after a reply")

	// A stage chosen to reopen to that its pipeline no longer has open.
	w.set(t, func(s *portal.Settings) {
		s.Actions.ReopenDays = 0
		s.Actions.ReopenStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: open}
	})
	pl := w.pipeline
	pl.Stages = append([]portal.Stage{{Name: "Triage", State: portal.StageOpen}}, pl.Stages...)
	pl.Stages[1].State = portal.StageClosed
	_, err = w.p.SavePipeline(ctx, pl)
	require.NoError(t, err)
	e, err := w.p.Explain(ctx, w.tenant.ID, w.ann.ID, old.ID)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("actions.reopenStages[%s]", w.pipeline.ID), e.Actions[2].Rule)
	assert.Contains(t, e.Actions[2].Reason, "no longer one of its open stages")
}

// A custom property stored before a release made its name built-in
// (satisfaction, P14) is shadowed by the built-in one: the portal keeps
// working rather than failing every request on the stored schema.
// covers: P14, S5
func TestStoredPropertyShadowedByABuiltin(t *testing.T) {
	w := newWorld(t, portal.OwnTickets)
	ctx := context.Background()
	require.NoError(t, w.store.PutProperty(ctx, w.tenant.ID, portal.PropertyDef{Object: portal.TicketObject,
		Property: portal.Property{Name: portal.PropSatisfaction, Label: "CSAT", Type: portal.Number}}))
	s, err := w.p.Schema(ctx, w.tenant.ID)
	require.NoError(t, err)
	p, ok := s.Lookup(portal.TicketObject, portal.PropSatisfaction)
	require.True(t, ok)
	assert.True(t, p.Builtin, "the built-in wins")
	assert.Equal(t, portal.Enumeration, p.Type)
	tv, err := w.p.ListTickets(ctx, portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}, portal.ListQuery{Limit: 10})
	require.NoError(t, err)
	assert.Len(t, tv.Rows, 1)
	err = w.p.RegisterProperty(ctx, w.tenant.ID, portal.TicketObject,
		portal.Property{Name: portal.PropSatisfaction, Label: "CSAT", Type: portal.Number})
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("name"), "a new one may not take the name: %v", err)
}
