package portal

import (
	"context"
	"errors"
	"fmt"
	"golang.org/x/text/language"
	"slices"
	"sync"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"github.com/google/uuid"
)

// Viewer is a customer acting in the portal: a contact of one tenant.
// Every customer operation takes one, and checks it again on every call: the
// portal must be enabled (S14) and the contact must still exist; its scope
// is computed afresh from the current data.
type Viewer struct {
	PortalID  uuid.UUID
	ContactID uuid.UUID
	// Preview marks a helpdesk user looking at the portal as this contact
	// (A5): it may read, never act. Every customer action (reply, close,
	// submit) refuses a preview with ErrForbidden before it changes
	// anything, and TicketDetail and Explain show the rule ("preview").
	Preview bool
}

// Viewer returns the viewer for a contact that the host vouches for (it has
// authenticated the contact itself). It fails with ErrPortalDisabled when
// the portal is off and ErrUnauthenticated when there is no such contact.
func (p *Portal) Viewer(ctx context.Context, portalID, contactID uuid.UUID) (Viewer, error) {
	v := Viewer{PortalID: portalID, ContactID: contactID}
	if _, err := p.begin(ctx, v); err != nil {
		return Viewer{}, err
	}
	return v, nil
}

// RuleEnv is what an expression rule (X2) sees: the contact and its primary
// company, as `contact` and `company`. A contact without a company sees a
// company whose ID is "". Values reach a rule only through this environment,
// never through its source.
type RuleEnv struct {
	Contact RuleContact `expr:"contact"`
	Company RuleCompany `expr:"company"`
}

// RuleContact is a contact as expression rules see it.
type RuleContact struct {
	ID         string
	FirstName  string
	LastName   string
	Email      string
	Lists      []string // IDs of the contact lists it is in
	Properties map[string]any
	CreatedAt  time.Time
}

// RuleCompany is a company as expression rules see it.
type RuleCompany struct {
	ID         string
	Name       string
	Domain     string
	Properties map[string]any
}

// MaxRuleLength bounds an expression rule's source.
const MaxRuleLength = 2000

// compileRule type-checks an expression rule: it must compile against
// RuleEnv and be boolean.
func compileRule(src string) (*vm.Program, error) {
	if len(src) > MaxRuleLength {
		return nil, fmt.Errorf("at most %d bytes", MaxRuleLength)
	}
	prog, err := expr.Compile(src, expr.Env(RuleEnv{}), expr.AsBool())
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return nil, fmt.Errorf("line %d, column %d: %s", fe.Line, fe.Column+1, fe.Message)
		}
		// A type error of the whole rule (it is not boolean) is at its start.
		return nil, fmt.Errorf("line 1, column 1: %v", err)
	}
	return prog, nil
}

func ruleEnv(c *Contact, co *Company) RuleEnv {
	env := RuleEnv{Contact: RuleContact{
		ID: c.ID.String(), FirstName: c.FirstName, LastName: c.LastName, Email: c.Email,
		Properties: c.Properties, CreatedAt: c.CreatedAt,
	}}
	for _, l := range c.Lists {
		env.Contact.Lists = append(env.Contact.Lists, l.String())
	}
	if co != nil {
		env.Company = RuleCompany{ID: co.ID.String(), Name: co.Name, Domain: co.Domain, Properties: co.Properties}
	}
	return env
}

// AccessPolicy decides, under one settings version, which tickets a contact
// may see (S4): its own, or its own plus its primary company's.
type AccessPolicy struct {
	scope   Scope
	filter  *matcher[Contact] // nil: no filter groups
	rule    *vm.Program       // nil: no expression rule
	ruleSrc string
}

// NewAccessPolicy compiles the permissions against schema; a day
// (YYYY-MM-DD) in a contact filter is a UTC day.
func NewAccessPolicy(perm Permissions, schema Schema) (*AccessPolicy, error) {
	return newAccessPolicy(perm, schema, time.UTC)
}

// newAccessPolicy is NewAccessPolicy with a day in loc, the portal's
// time zone (X3).
func newAccessPolicy(perm Permissions, schema Schema, loc *time.Location) (*AccessPolicy, error) {
	a := &AccessPolicy{scope: perm.Scope, ruleSrc: perm.CompanyRule}
	if perm.Scope != CompanyTicketsForGroup {
		return a, nil
	}
	if len(perm.ContactFilter) > 0 {
		m, _, err := compile(perm.ContactFilter, schema, contactAccess, "permissions.contactFilter", loc)
		if err != nil {
			return nil, err
		}
		a.filter = m
	}
	if perm.CompanyRule != "" {
		prog, err := compileRule(perm.CompanyRule)
		if err != nil {
			return nil, invalid("permissions.companyRule", "%s", err.Error())
		}
		a.rule = prog
	}
	return a, nil
}

// Decision is a contact's ticket scope and the rule that decided it (X4).
type Decision struct {
	ContactID uuid.UUID
	// CompanyID is the primary company whose tickets the contact also sees,
	// or uuid.Nil.
	CompanyID uuid.UUID
	// ContactCompany is the contact's primary company, whatever the scope:
	// the contact's participations (P12) count while they are of it.
	ContactCompany uuid.UUID
	// Rule names the deciding rule, e.g. "permissions.scope=company" or
	// "permissions.contactFilter[1]".
	Rule string
	// Reason says it in words.
	Reason string
}

// covers reports whether a ticket is in the scope (S4): associated with
// the contact (also as a participant, P12, while the participation's
// company is the contact's), or with the company whose tickets it sees. Stores apply the
// same rule to a TicketQuery's ContactID and CompanyID.
func (d Decision) covers(t *Ticket) bool {
	if slices.Contains(t.ContactIDs, d.ContactID) {
		return true
	}
	if i := t.participant(d.ContactID); i >= 0 && t.Participants[i].CompanyID == d.ContactCompany {
		return true // a participation counts while its company is the contact's (P12)
	}
	if d.CompanyID != uuid.Nil {
		for _, id := range t.CompanyIDs {
			if id == d.CompanyID {
				return true
			}
		}
	}
	return false
}

// Decide returns the scope of contact c, whose primary company is co (nil
// for none).
func (a *AccessPolicy) Decide(c *Contact, co *Company, now time.Time) (Decision, error) {
	own := Decision{ContactID: c.ID, ContactCompany: c.CompanyID, Rule: "permissions.scope=" + string(a.scope)}
	company := own
	if co != nil {
		company.CompanyID = co.ID
	}
	switch {
	case a.scope == OwnTickets:
		own.Reason = "contacts see the tickets associated with them"
		return own, nil
	case co == nil:
		own.Reason = "the contact has no primary company"
		return own, nil
	case a.scope == CompanyTickets:
		company.Reason = "contacts see their own and their primary company's tickets"
		return company, nil
	}
	// CompanyTicketsForGroup: every rule that is set must hold.
	if a.filter != nil {
		v := a.filter.verdict(c, nil, &Env{Now: now})
		if !v.Matched {
			own.Rule = "permissions.contactFilter"
			own.Reason = fmt.Sprintf("the contact matches no group of the contact filter (first failing filter per group: %v)", v.Failed)
			return own, nil
		}
		company.Rule = fmt.Sprintf("permissions.contactFilter[%d]", v.Group)
		company.Reason = fmt.Sprintf("the contact matches group %d of the contact filter", v.Group)
	}
	if a.rule != nil {
		out, err := expr.Run(a.rule, ruleEnv(c, co))
		if err != nil {
			// A rule that fails at run time (say, a property of the wrong
			// type) grants nothing.
			own.Rule = "permissions.companyRule"
			own.Reason = "the company rule failed: " + err.Error()
			return own, nil
		}
		if ok, _ := out.(bool); !ok {
			own.Rule = "permissions.companyRule"
			own.Reason = "the company rule is false for the contact: " + a.ruleSrc
			return own, nil
		}
		if a.filter == nil {
			company.Rule = "permissions.companyRule"
			company.Reason = "the company rule is true for the contact: " + a.ruleSrc
		} else {
			company.Reason += " and the company rule is true"
		}
	}
	return company, nil
}

// rules is everything compiled from one settings version of one tenant.
type rules struct {
	version    int64
	policy     *AccessPolicy
	visibility TicketFilter
}

// ruleCache keeps the rules of each tenant's latest settings version, so
// that filter groups and expression rules are compiled once per version,
// not once per request. It holds only what can be derived again, so many
// Portal instances need not share it.
type ruleCache struct {
	mu           sync.Mutex
	byTenant     map[uuid.UUID]*rules
	compilations int64
}

func (c *ruleCache) get(portalID uuid.UUID, s *Settings, schema func() (Schema, error)) (*rules, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.byTenant[portalID]; ok && r.version == s.Version {
		return r, nil
	}
	sc, err := schema()
	if err != nil {
		return nil, err
	}
	c.compilations++
	loc := zone(s.TimeZone)
	policy, err := newAccessPolicy(s.Permissions, sc, loc)
	if err != nil {
		return nil, fmt.Errorf("%w: stored settings version %d: %v", ErrInternal, s.Version, err)
	}
	vis, err := visibilityOf(s, sc)
	if err != nil {
		return nil, fmt.Errorf("%w: stored settings version %d: %v", ErrInternal, s.Version, err)
	}
	r := &rules{version: s.Version, policy: policy, visibility: vis}
	if c.byTenant == nil {
		c.byTenant = map[uuid.UUID]*rules{}
	}
	c.byTenant[portalID] = r
	return r, nil
}

// request is what one customer operation knows about its viewer.
type request struct {
	viewer   Viewer
	settings Settings
	schema   Schema
	rules    *rules
	contact  Contact
	company  *Company
	scope    Decision
	now      time.Time
	// pipelines and channels are the tenant's, when the store read them
	// with the rest (SnapshotReader); nil otherwise.
	pipelines []Pipeline
	channels  []Channel
	// indexed is set when the store finds contacts by e-mail (AuthStore),
	// as adding a colleague needs (P12).
	indexed bool
	// zone is where the contact reads dates and means days, lang the
	// language it reads (X3).
	zone *time.Location
	lang language.Tag
}

// say renders a text of format and args in the viewer's language (X3).
func (r *request) say(format string, args ...any) string { return msg(format, args...).in(r.lang) }

// begin checks a viewer and gathers what a customer operation needs: the
// portal is on, the contact exists, and its scope as of now.
func (p *Portal) begin(ctx context.Context, v Viewer) (*request, error) {
	if sr, ok := p.store.(SnapshotReader); ok {
		snap, err := sr.Snapshot(ctx, v.PortalID, v.ContactID)
		if err != nil {
			if isNotFound(err) { // no such tenant, or no such contact
				s, terr := p.store.Settings(ctx, v.PortalID)
				switch {
				case terr != nil:
					return nil, classify(terr)
				case !s.Enabled:
					return nil, ErrPortalDisabled
				}
				return nil, fmt.Errorf("%w: no such contact", ErrUnauthenticated)
			}
			return nil, classify(err)
		}
		if !snap.Settings.Enabled {
			return nil, ErrPortalDisabled
		}
		schema, err := storedSchema(snap.Properties)
		if err != nil {
			return nil, fmt.Errorf("%w: stored schema: %v", ErrInternal, err)
		}
		r := &request{viewer: v, settings: snap.Settings, schema: schema, contact: snap.Contact, company: snap.Company, indexed: p.as != nil,
			pipelines: snap.Pipelines, channels: snap.Channels, now: p.clock()}
		return p.decide(r)
	}
	s, err := p.store.Settings(ctx, v.PortalID)
	if err != nil {
		return nil, classify(err)
	}
	if !s.Enabled {
		return nil, ErrPortalDisabled
	}
	return p.beginWith(ctx, v, s)
}

// beginWith is begin under given settings, enabled or not.
func (p *Portal) beginWith(ctx context.Context, v Viewer, s Settings) (*request, error) {
	r := &request{viewer: v, settings: s, now: p.clock(), indexed: p.as != nil}
	var err error
	r.contact, err = p.contact(ctx, v.PortalID, v.ContactID)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: no such contact", ErrUnauthenticated)
	} else if err != nil {
		return nil, classify(err)
	}
	if r.schema, err = p.Schema(ctx, v.PortalID); err != nil {
		return nil, err
	}
	if r.contact.CompanyID != uuid.Nil {
		co, err := p.store.Company(ctx, v.PortalID, r.contact.CompanyID)
		switch {
		case err == nil:
			r.company = &co
		case !isNotFound(err):
			return nil, classify(err)
		}
	}
	return p.decide(r)
}

// decide compiles (or finds compiled) the settings' rules and decides the
// viewer's scope.
func (p *Portal) decide(r *request) (*request, error) {
	r.zone, r.lang = zoneOf(&r.contact, &r.settings), langOf(&r.contact, &r.settings)
	var err error
	if r.rules, err = p.cache.get(r.viewer.PortalID, &r.settings, func() (Schema, error) { return r.schema, nil }); err != nil {
		return nil, err
	}
	if r.scope, err = r.rules.policy.Decide(&r.contact, r.company, r.now); err != nil {
		return nil, err
	}
	return r, nil
}
