package portal_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/memstore"
)

// fixture is a tenant with a channel, a pipeline with two closed stages, a
// contact list and a form, on the memory store.
type fixture struct {
	p        *portal.Portal
	store    *memstore.Store
	tenant   portal.Tenant
	channel  portal.Channel
	pipeline portal.Pipeline
	list     portal.ContactList
	form     portal.Form
}

var clock = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	p, err := portal.New(st, portal.Options{Now: func() time.Time { return clock }})
	require.NoError(t, err)
	f := &fixture{p: p, store: st}
	f.tenant, err = p.CreateTenant(ctx, "Acme Support")
	require.NoError(t, err)
	pid := f.tenant.ID
	f.channel, err = p.SaveChannel(ctx, portal.Channel{PortalID: pid, Name: "Help desk", Kind: portal.HelpDesk, CreatesTickets: true})
	require.NoError(t, err)
	f.pipeline, err = p.SavePipeline(ctx, portal.Pipeline{PortalID: pid, Name: "Support", Stages: []portal.Stage{
		{Name: "New", State: portal.StageOpen}, {Name: "Solved", State: portal.StageClosed},
		{Name: "Rejected", State: portal.StageClosed},
	}})
	require.NoError(t, err)
	f.list, err = p.SaveContactList(ctx, portal.ContactList{PortalID: pid, Name: "Customers"})
	require.NoError(t, err)
	f.form, err = p.SaveForm(ctx, portal.Form{PortalID: pid, Name: "Support", ChannelID: f.channel.ID,
		Fields: []portal.FormField{{Property: portal.PropSubject, Required: true}, {Property: portal.PropContent}}})
	require.NoError(t, err)
	return f
}

func (f *fixture) settings(t *testing.T) portal.Settings {
	t.Helper()
	s, err := f.p.Settings(context.Background(), f.tenant.ID)
	require.NoError(t, err)
	return s
}

// covers: S8, P1
func TestRecommendedColumnsAreTheSixOfS8(t *testing.T) {
	var names []string
	for _, c := range portal.DefaultSettings().Display.Columns {
		names = append(names, c.Property)
	}
	assert.Equal(t, []string{"subject", "requestedBy", "createdAt", "owner", "lastActivityAt", "status"}, names)
	assert.Equal(t, portal.RecommendedColumns(), portal.DefaultSettings().Display.Columns)
}

// covers: S14, S16
func TestDefaultSettingsAreValidAndDisabled(t *testing.T) {
	s := portal.DefaultSettings()
	require.NoError(t, s.Validate(portal.Refs{}))
	assert.False(t, s.Enabled)
	assert.Equal(t, portal.OwnTickets, s.Permissions.Scope)
	assert.Equal(t, time.Hour, s.IdleTimeout)
}

// Each bad input of the issue is rejected with ErrInvalid naming its field
// (S1–S15).
func TestValidateRejectsBadInputNamingTheField(t *testing.T) {
	f := newFixture(t)
	refs := portal.Refs{Channels: []portal.Channel{f.channel}, Pipelines: []portal.Pipeline{f.pipeline},
		Lists: []portal.ContactList{f.list}, Forms: []portal.Form{f.form}}
	noChannelForm := portal.Form{ID: uuid.New(), Name: "x", Fields: []portal.FormField{{Property: "subject"}}}
	refs.Forms = append(refs.Forms, noChannelForm)
	eleven := append(portal.RecommendedColumns(), portal.Column{Property: "pipeline"}, portal.Column{Property: "stage"},
		portal.Column{Property: "priority"}, portal.Column{Property: "channel"}, portal.Column{Property: "content"})

	cases := []struct {
		name   string // covers
		field  string
		mutate func(*portal.Settings)
	}{
		{"S1 empty name", "name", func(s *portal.Settings) { s.Name = "" }},
		{"S1 name over 100", "name", func(s *portal.Settings) { s.Name = strings.Repeat("æ", 101) }},
		{"S2 slug with capitals", "slug", func(s *portal.Settings) { s.Slug = "MyPortal" }},
		{"S2 slug with spaces", "slug", func(s *portal.Settings) { s.Slug = "my portal" }},
		{"S2 slug over 64", "slug", func(s *portal.Settings) { s.Slug = strings.Repeat("a", 65) }},
		{"S2 invalid domain", "domain", func(s *portal.Settings) { s.Domain = "support_desk.example.com" }},
		{"S2 domain without dot", "domain", func(s *portal.Settings) { s.Domain = "localhost" }},
		{"S2 invalid language", "language", func(s *portal.Settings) { s.Language = "not a tag" }},
		{"S2 empty language", "language", func(s *portal.Settings) { s.Language = "" }},
		{"S3 unknown channel", "defaultChannel", func(s *portal.Settings) { s.DefaultChannel = uuid.New() }},
		{"S3 enabled without channel", "defaultChannel", func(s *portal.Settings) { s.Enabled = true }},
		{"S4 unknown scope", "permissions.scope", func(s *portal.Settings) { s.Permissions.Scope = "all" }},
		{"S4 group scope without filter", "permissions.contactFilter", func(s *portal.Settings) {
			s.Permissions.Scope = portal.CompanyTicketsForGroup
		}},
		{"S5 contact filter on unknown property", "permissions.contactFilter[0][0].property", func(s *portal.Settings) {
			s.Permissions.Scope = portal.CompanyTicketsForGroup
			s.Permissions.ContactFilter = portal.FilterGroups{{{Property: "shoeSize", Operator: portal.Eq, Values: []string{"42"}}}}
		}},
		{"S6 form without channel", "supportForm.formId", func(s *portal.Settings) {
			s.SupportForm.Enabled, s.SupportForm.FormID = true, noChannelForm.ID
		}},
		{"S6 unknown form", "supportForm.formId", func(s *portal.Settings) {
			s.SupportForm.Enabled, s.SupportForm.FormID = true, uuid.New()
		}},
		{"P15 request form without an ID", "supportForm.requests[0].id", func(s *portal.Settings) {
			s.SupportForm.Requests = []portal.RequestForm{{Name: "Billing", FormID: f.form.ID}}
		}},
		{"P15 request forms of one ID", "supportForm.requests[1].id", func(s *portal.Settings) {
			id := uuid.New()
			s.SupportForm.Requests = []portal.RequestForm{{ID: id, Name: "A", FormID: f.form.ID}, {ID: id, Name: "B", FormID: f.form.ID}}
		}},
		{"P15 request form without a name", "supportForm.requests[0].name", func(s *portal.Settings) {
			s.SupportForm.Requests = []portal.RequestForm{{ID: uuid.New(), Name: "  ", FormID: f.form.ID}}
		}},
		{"P15 request form of an unknown form", "supportForm.requests[0].formId", func(s *portal.Settings) {
			s.SupportForm.Enabled, s.SupportForm.FormID = true, f.form.ID
			s.SupportForm.Requests = []portal.RequestForm{{ID: uuid.New(), Name: "Billing", FormID: uuid.New()}}
		}},
		{"P15 request form to a closed stage", "supportForm.requests[0].stageId", func(s *portal.Settings) {
			s.SupportForm.Enabled, s.SupportForm.FormID = true, f.form.ID
			s.SupportForm.Requests = []portal.RequestForm{{ID: uuid.New(), Name: "Billing", FormID: f.form.ID,
				PipelineID: f.pipeline.ID, StageID: f.pipeline.Stages[1].ID}}
		}},
		{"P15 request form to a stage without its pipeline", "supportForm.requests[0].stageId", func(s *portal.Settings) {
			s.SupportForm.Enabled, s.SupportForm.FormID = true, f.form.ID
			s.SupportForm.Requests = []portal.RequestForm{{ID: uuid.New(), Name: "Billing", FormID: f.form.ID, StageID: f.pipeline.Stages[0].ID}}
		}},
		{"P15 request form to an unknown pipeline", "supportForm.requests[0].pipelineId", func(s *portal.Settings) {
			s.SupportForm.Enabled, s.SupportForm.FormID = true, f.form.ID
			s.SupportForm.Requests = []portal.RequestForm{{ID: uuid.New(), Name: "Billing", FormID: f.form.ID, PipelineID: uuid.New()}}
		}},
		{"P15 request form to an unknown channel", "supportForm.requests[0].channelId", func(s *portal.Settings) {
			s.SupportForm.Enabled, s.SupportForm.FormID = true, f.form.ID
			s.SupportForm.Requests = []portal.RequestForm{{ID: uuid.New(), Name: "Billing", FormID: f.form.ID, ChannelID: uuid.New()}}
		}},
		{"P15 request form company audience on a contact property", "supportForm.requests[0].companyAudience[0][0].property", func(s *portal.Settings) {
			s.SupportForm.Requests = []portal.RequestForm{{ID: uuid.New(), Name: "Billing", FormID: f.form.ID,
				CompanyAudience: portal.FilterGroups{{{Property: portal.PropEmail, Operator: portal.EndsWith, Values: []string{".dk"}}}}}}
		}},
		{"P15 request form audience on an unknown property", "supportForm.requests[0].audience[0][0].property", func(s *portal.Settings) {
			s.SupportForm.Requests = []portal.RequestForm{{ID: uuid.New(), Name: "Billing", FormID: f.form.ID,
				Audience: portal.FilterGroups{{{Property: "shoeSize", Operator: portal.Eq, Values: []string{"42"}}}}}}
		}},
		{"P15 too many request forms", "supportForm.requests", func(s *portal.Settings) {
			for range portal.MaxRequestForms + 1 {
				s.SupportForm.Requests = append(s.SupportForm.Requests, portal.RequestForm{ID: uuid.New(), Name: "R", FormID: f.form.ID})
			}
		}},
		{"S7 colour that is not a colour", "theme.primaryColor", func(s *portal.Settings) { s.Theme.PrimaryColor = "red" }},
		{"S7 colour of five digits", "theme.linkColor", func(s *portal.Settings) { s.Theme.LinkColor = "#12345" }},
		{"S7 radius", "theme.cornerRadius", func(s *portal.Settings) { s.Theme.CornerRadius = 99 }},
		{"S7 logo not https", "theme.logoUrl", func(s *portal.Settings) { s.Theme.LogoURL = "javascript:alert(1)" }},
		{"S7 font with CSS in it", "theme.fontFamily", func(s *portal.Settings) { s.Theme.FontFamily = "Arial; } body { display: none" }},
		{"S7 font with an unbalanced quote", "theme.fontFamily", func(s *portal.Settings) { s.Theme.FontFamily = `"Segoe UI, Arial` }},
		{"S8 eleven columns", "display.columns[10]", func(s *portal.Settings) { s.Display.Columns = eleven }},
		{"S8 duplicated column", "display.columns[6].property", func(s *portal.Settings) {
			s.Display.Columns = append(s.Display.Columns, portal.Column{Property: "subject"})
		}},
		{"S8 unknown column", "display.columns[0].property", func(s *portal.Settings) {
			s.Display.Columns[0].Property = "nope"
		}},
		{"S8 no columns", "display.columns", func(s *portal.Settings) { s.Display.Columns = nil }},
		{"S8 empty ticket name", "display.ticketName", func(s *portal.Settings) { s.Display.TicketName = "" }},
		{"S8 owner name style", "display.ownerName", func(s *portal.Settings) { s.Display.OwnerName = "nick" }},
		{"S5 operator that does not fit", "display.visibility[0][0].operator", func(s *portal.Settings) {
			s.Display.Visibility = portal.FilterGroups{{{Property: "subject", Operator: portal.Gt, Values: []string{"a"}}}}
		}},
		{"S5 between with one value", "display.visibility[1][0].values", func(s *portal.Settings) {
			s.Display.Visibility = portal.FilterGroups{
				{{Property: "subject", Operator: portal.ContainsAny, Values: []string{"a"}}},
				{{Property: "createdAt", Operator: portal.Between, Values: []string{"2026-01-01"}}},
			}
		}},
		{"S5 empty group", "display.visibility[0]", func(s *portal.Settings) { s.Display.Visibility = portal.FilterGroups{{}} }},
		{"S9 internal sender", "conversations.internalSenders[0]", func(s *portal.Settings) {
			s.Conversations.InternalSenders = []string{"not an address"}
		}},
		{"S10 closed stage that is not closed", "actions.closeStages[" + f.pipeline.ID.String() + "]", func(s *portal.Settings) {
			s.Actions.CloseStages = map[uuid.UUID]uuid.UUID{f.pipeline.ID: f.pipeline.Stages[0].ID}
		}},
		{"S10 close on with two closed stages and no choice", "actions.closeStages[" + f.pipeline.ID.String() + "]", func(s *portal.Settings) {
			s.Actions.CustomerClose = true
		}},
		{"S10 closed stage of unknown pipeline", "actions.closeStages[" + f.channel.ID.String() + "]", func(s *portal.Settings) {
			s.Actions.CloseStages = map[uuid.UUID]uuid.UUID{f.channel.ID: f.pipeline.Stages[1].ID}
		}},
		{"P13 reopen stage that is not open", "actions.reopenStages[" + f.pipeline.ID.String() + "]", func(s *portal.Settings) {
			s.Actions.ReopenStages = map[uuid.UUID]uuid.UUID{f.pipeline.ID: f.pipeline.Stages[1].ID}
		}},
		{"P13 reopen stage of unknown pipeline", "actions.reopenStages[" + f.channel.ID.String() + "]", func(s *portal.Settings) {
			s.Actions.ReopenStages = map[uuid.UUID]uuid.UUID{f.channel.ID: f.pipeline.Stages[0].ID}
		}},
		{"P13 negative reopen window", "actions.reopenDays", func(s *portal.Settings) { s.Actions.ReopenDays = -1 }},
		{"P13 reopen window of more than ten years", "actions.reopenDays", func(s *portal.Settings) {
			s.Actions.ReopenDays = portal.MaxReopenDays + 1
		}},
		{"P14 unknown rating scale", "satisfaction.scale", func(s *portal.Settings) { s.Satisfaction.Scale = "stars" }},
		{"P14 negative change window", "satisfaction.changeDays", func(s *portal.Settings) { s.Satisfaction.ChangeDays = -1 }},
		{"P14 change window of more than a year", "satisfaction.changeDays", func(s *portal.Settings) {
			s.Satisfaction.ChangeDays = portal.MaxRatingChangeDays + 1
		}},
		{"P12 negative participant limit", "participants.max", func(s *portal.Settings) { s.Participants.Max = -1 }},
		{"P12 participant limit over the most", "participants.max", func(s *portal.Settings) {
			s.Participants.Max = portal.MaxParticipants + 1
		}},
		{"S11 unknown mode", "access.mode", func(s *portal.Settings) { s.Access.Mode = "open" }},
		{"S11 unknown list", "access.lists[0]", func(s *portal.Settings) { s.Access.Lists = []uuid.UUID{uuid.New()} }},
		{"S11 unknown auth", "access.auth", func(s *portal.Settings) { s.Access.Auth = "magic" }},
		{"S12 empty template", "systemPages.login", func(s *portal.Settings) { s.SystemPages.Login = "" }},
		{"S13 self-registration without consent", "consent.notice", func(s *portal.Settings) {
			s.Access.Mode = portal.SelfRegistration
			s.Consent.Notice = ""
		}},
		{"S15 idle timeout zero", "idleTimeout", func(s *portal.Settings) { s.IdleTimeout = 0 }},
		{"S15 idle timeout a year", "idleTimeout", func(s *portal.Settings) { s.IdleTimeout = 365 * 24 * time.Hour }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := portal.DefaultSettings()
			tc.mutate(&s)
			err := s.Validate(refs)
			require.ErrorIs(t, err, portal.ErrInvalid)
			var ve *portal.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.True(t, ve.Has(tc.field), "want a problem at %q, got %v", tc.field, err)
		})
	}
}

// covers: S16
func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	s := portal.DefaultSettings()
	s.Name = ""
	s.Slug = "Bad Slug"
	s.Theme.TextColor = "blue"
	s.IdleTimeout = time.Second
	err := s.Validate(portal.Refs{})
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve)
	for _, field := range []string{"name", "slug", "theme.textColor", "idleTimeout"} {
		assert.True(t, ve.Has(field), field)
	}
	assert.Len(t, ve.Problems, 4)
	var fe *portal.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "name", fe.Field)
}

// covers: S10
func TestClosedStageChoice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.settings(t)
	s.Actions.CustomerClose = true
	s.Actions.CloseStages = map[uuid.UUID]uuid.UUID{f.pipeline.ID: f.pipeline.Stages[2].ID}
	_, err := f.p.SaveSettings(ctx, f.tenant.ID, s)
	require.NoError(t, err, "a closed stage of the pipeline is a valid choice")

	single, err := f.p.SavePipeline(ctx, portal.Pipeline{PortalID: f.tenant.ID, Name: "Returns", Stages: []portal.Stage{
		{Name: "Open", State: portal.StageOpen}, {Name: "Done", State: portal.StageClosed}}})
	require.NoError(t, err)
	s = f.settings(t)
	assert.NotContains(t, s.Actions.CloseStages, single.ID)
	_, err = f.p.SaveSettings(ctx, f.tenant.ID, s)
	require.NoError(t, err, "a pipeline with one closed stage needs no choice")
}

// covers: S1, S2
func TestSaveSettingsTrimsAndStores(t *testing.T) {
	f := newFixture(t)
	s := f.settings(t)
	s.Name = "  Kundeportal  "
	s.Domain = "Support.Example.DK"
	s.Language = "da-DK"
	saved, err := f.p.SaveSettings(context.Background(), f.tenant.ID, s)
	require.NoError(t, err)
	assert.Equal(t, "Kundeportal", saved.Name)
	assert.Equal(t, "support.example.dk", saved.Domain)
	assert.Equal(t, saved, f.settings(t))
}

// covers: S16
func TestFailedSaveChangesNothing(t *testing.T) {
	f := newFixture(t)
	before := f.settings(t)
	bad := before.Clone()
	bad.Name = "Renamed"
	bad.Display.Columns = append(bad.Display.Columns, bad.Display.Columns...)
	_, err := f.p.SaveSettings(context.Background(), f.tenant.ID, bad)
	require.ErrorIs(t, err, portal.ErrInvalid)
	assert.Equal(t, before, f.settings(t))
}

// Settings with one column too many (every ticket property once: 11
// distinct, known columns) are refused and store nothing, not even a new
// version; the same settings with ten columns then save as the next
// version: the failure was the columns, and the version was not used up.
// covers: S16, S8 (at most 10 columns)
func TestTooManyColumnsSaveNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	before := f.settings(t)
	var columns []portal.Column
	for _, prop := range (portal.Schema{}).Properties(portal.TicketObject) {
		columns = append(columns, portal.Column{Property: prop.Name})
	}
	require.Greater(t, len(columns), portal.MaxColumns)

	invalid := before.Clone()
	invalid.Name = "Would be renamed"
	invalid.Display.Columns = columns[:portal.MaxColumns+1]
	_, err := f.p.SaveSettings(ctx, f.tenant.ID, invalid)
	requireField(t, err, "display.columns[10]")
	require.Equal(t, before, f.settings(t), "a failed save stores nothing")

	invalid.Display.Columns = columns[:portal.MaxColumns]
	saved, err := f.p.SaveSettings(ctx, f.tenant.ID, invalid)
	require.NoError(t, err)
	require.Equal(t, before.Version+1, saved.Version)
}

// covers: S16
func TestSaveSettingsVersions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.settings(t)
	require.EqualValues(t, 1, s.Version)
	s.Name = "First"
	v2, err := f.p.SaveSettings(ctx, f.tenant.ID, s)
	require.NoError(t, err)
	assert.EqualValues(t, 2, v2.Version)

	s.Name = "Stale"
	_, err = f.p.SaveSettings(ctx, f.tenant.ID, s) // still based on version 1
	require.ErrorIs(t, err, portal.ErrConflict)
	assert.Equal(t, "First", f.settings(t).Name)
}

// N administrators save from the same version: exactly one wins and the
// stored settings are the winner's (S16, no lost update).
func TestConcurrentSavesHaveOneWinner(t *testing.T) {
	f := newFixture(t)
	base := f.settings(t)
	const n = 24
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := base.Clone()
			s.Name = "Admin " + string(rune('A'+i))
			_, errs[i] = f.p.SaveSettings(context.Background(), f.tenant.ID, s)
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "two saves won")
			winner = i
			continue
		}
		require.ErrorIs(t, err, portal.ErrConflict)
	}
	require.NotEqual(t, -1, winner, "no save won")
	got := f.settings(t)
	assert.Equal(t, "Admin "+string(rune('A'+winner)), got.Name)
	assert.Equal(t, base.Version+1, got.Version)
}

// covers: S14, S3
func TestEnablingNeedsADefaultChannel(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.p.SetEnabled(ctx, f.tenant.ID, true)
	require.ErrorIs(t, err, portal.ErrInvalid)
	assert.False(t, f.settings(t).Enabled)

	s := f.settings(t)
	s.DefaultChannel = f.channel.ID
	_, err = f.p.SaveSettings(ctx, f.tenant.ID, s)
	require.NoError(t, err)
	on, err := f.p.SetEnabled(ctx, f.tenant.ID, true)
	require.NoError(t, err)
	assert.True(t, on.Enabled)
	off, err := f.p.SetEnabled(ctx, f.tenant.ID, false)
	require.NoError(t, err)
	assert.False(t, off.Enabled)
	assert.Equal(t, f.channel.ID, off.DefaultChannel, "switching off loses nothing")
}

// covers: S6
func TestSupportFormNeedsAConnectedForm(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.settings(t)
	s.SupportForm.Enabled = true
	s.SupportForm.FormID = f.form.ID
	_, err := f.p.SaveSettings(ctx, f.tenant.ID, s)
	require.NoError(t, err)

	inbox, err := f.p.SaveChannel(ctx, portal.Channel{PortalID: f.tenant.ID, Name: "Inbox", Kind: portal.Inbox})
	require.NoError(t, err)
	f.form.ChannelID = inbox.ID // a channel that does not create tickets
	_, err = f.p.SaveForm(ctx, f.form)
	require.NoError(t, err)
	s = f.settings(t)
	_, err = f.p.SaveSettings(ctx, f.tenant.ID, s)
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("supportForm.formId"))
}

func TestSettingsOfUnknownTenantAreNotFound(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.p.Settings(ctx, uuid.New())
	require.ErrorIs(t, err, portal.ErrNotFound)
	_, err = f.p.SaveSettings(ctx, uuid.New(), portal.DefaultSettings())
	require.ErrorIs(t, err, portal.ErrNotFound)
	_, err = f.p.SetEnabled(ctx, uuid.Nil, true)
	require.ErrorIs(t, err, portal.ErrNotFound)
}

func TestZeroSettingsDoNotPanic(t *testing.T) {
	err := portal.Settings{}.Validate(portal.Refs{})
	require.ErrorIs(t, err, portal.ErrInvalid)
	assert.NotPanics(t, func() { _ = portal.Settings{}.Clone() })
}

func TestNewRejectsNilStore(t *testing.T) {
	_, err := portal.New(nil, portal.Options{})
	require.ErrorIs(t, err, portal.ErrInvalid)
	require.True(t, errors.Is(err, portal.ErrInvalid))
}

// While the support form is off, its request forms are checked for their
// own fields only: what they refer to may have changed since, and must
// not keep the settings from being saved, nor the form from being off.
// covers: P15, S16
func TestRequestFormsOfAnOffFormReferToAnything(t *testing.T) {
	f := newFixture(t)
	s := f.settings(t)
	s.SupportForm.Enabled = false
	s.SupportForm.Requests = []portal.RequestForm{{ID: uuid.New(), Name: "Billing", FormID: uuid.New(), ChannelID: uuid.New()}}
	_, err := f.p.SaveSettings(context.Background(), f.tenant.ID, s)
	require.NoError(t, err)
	s.SupportForm.Requests[0].Name = ""
	_, err = f.p.SaveSettings(context.Background(), f.tenant.ID, s)
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("supportForm.requests[0].name"))
}
