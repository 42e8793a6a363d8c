package portal

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/language"
)

// Settings is everything a helpdesk administrator configures for one portal
// (S1–S15). The zero value is not valid; start from DefaultSettings. Field
// paths in validation errors use the lower-camel names shown in brackets.
type Settings struct {
	// Version is the stored version these settings were read at. A save
	// must carry the version it was based on; the store refuses a stale one
	// with ErrConflict (S16). The first saved version is 1.
	Version int64

	// Enabled is the portal switch [enabled] (S14). Off by default.
	Enabled bool
	// Name is the portal's name, the browser tab title of a logged-in
	// customer [name] (S1). Trimmed, 1–100 characters.
	Name string
	// Domain, Slug and Language place the portal at https://Domain/Slug and
	// choose its language, a BCP 47 tag [domain, slug, language] (S2).
	Domain   string
	Slug     string
	Language string
	// TimeZone is the IANA time zone ("Europe/Copenhagen") the portal's
	// dates are shown in for a contact that chose none; "" is UTC
	// [timeZone] (X3).
	TimeZone string
	// DefaultChannel receives the tickets contacts create in the portal and
	// their replies [defaultChannel] (S3). Required to enable the portal.
	DefaultChannel uuid.UUID

	Permissions   Permissions   // [permissions] S4
	SupportForm   SupportForm   // [supportForm] S6
	Theme         Theme         // [theme] S7
	Display       Display       // [display] S8
	Conversations Conversations // [conversations] S9
	Actions       Actions       // [actions] S10
	Satisfaction  Satisfaction  // [satisfaction] P14
	Participants  Participants  // [participants] P12
	Access        Access        // [access] S11
	SystemPages   SystemPages   // [systemPages] S12
	Consent       Consent       // [consent] S13
	// IdleTimeout ends a session after this long without activity
	// [idleTimeout] (S15). From one minute to 30 days.
	IdleTimeout time.Duration
}

// Scope is the customer ticket permission (S4).
type Scope string

// The scopes.
const (
	// OwnTickets: a contact sees the tickets associated with it.
	OwnTickets Scope = "own"
	// CompanyTickets: also every ticket associated with its primary company.
	CompanyTickets Scope = "company"
	// CompanyTicketsForGroup: company tickets only for contacts that match
	// Permissions.ContactFilter; every other contact sees its own.
	CompanyTicketsForGroup Scope = "company_for_group"
)

// Permissions says which tickets a contact sees (S4).
type Permissions struct {
	Scope Scope // [scope]
	// ContactFilter chooses the contacts who see company tickets under
	// CompanyTicketsForGroup [contactFilter], over contact properties.
	ContactFilter FilterGroups
	// CompanyRule is an expression (expr language) over `contact` and
	// `company` (see RuleEnv) that chooses them instead of, or besides, the
	// contact filter [companyRule] (X2). When both are set, a contact must
	// match both. It must be boolean; it is type-checked when saved.
	CompanyRule string
}

// SupportForm is the "Submit a support ticket" page (S6).
type SupportForm struct {
	Enabled     bool
	MenuText    string    // [menuText] the link in the portal navigation
	HeadingText string    // [headingText] the top of the form
	FormID      uuid.UUID // [formId] a Form with ticket fields and a channel
	// Requests are further request forms (request types, P15) a contact
	// may choose besides this main one, each with its fields, where its
	// tickets go and who may use it [requests]. At most MaxRequestForms.
	Requests []RequestForm
}

// MaxRequestForms bounds SupportForm.Requests.
const MaxRequestForms = 20

// RequestForm is one request form (request type) of the support form
// (P15). Field paths are supportForm.requests[i].<name>.
type RequestForm struct {
	// ID names the form in a submission: not nil, unique [id].
	ID uuid.UUID
	// Name (1–100 characters) and Description (at most 500) are what the
	// contact chooses by [name, description].
	Name        string
	Description string
	// FormID is the Form whose fields it asks for [formId].
	FormID uuid.UUID
	// PipelineID and StageID are where its tickets go: an open stage of
	// the pipeline, or the pipeline's first open stage when StageID is nil
	// [pipelineId, stageId]. A nil PipelineID goes where the main form's
	// tickets go.
	PipelineID uuid.UUID
	StageID    uuid.UUID
	// ChannelID receives its tickets: a channel that creates tickets, or
	// nil for the portal's default channel [channelId].
	ChannelID uuid.UUID
	// Audience chooses the contacts who may use it, over contact
	// properties (S5) [audience], and CompanyAudience over the properties
	// of their primary company [companyAudience]: a contact must match
	// both that are set (a contact without a company matches no company
	// audience); none set: every contact.
	Audience        FilterGroups
	CompanyAudience FilterGroups
}

// Clone returns a deep copy.
func (f RequestForm) Clone() RequestForm {
	f.Audience = f.Audience.Clone()
	f.CompanyAudience = f.CompanyAudience.Clone()
	return f
}

// Theme styles the ticket list, detail and form pages (S7). Colours are
// #rgb or #rrggbb.
type Theme struct {
	PrimaryColor    string // [primaryColor]
	BackgroundColor string // [backgroundColor]
	TextColor       string // [textColor]
	LinkColor       string // [linkColor]
	FontFamily      string // [fontFamily] a CSS font-family list
	LogoURL         string // [logoUrl] https URL, or empty
	CornerRadius    int    // [cornerRadius] pixels, 0–32
}

// OwnerName says how a ticket owner's name is shown (S8).
type OwnerName string

// The owner name styles.
const (
	OwnerFirstName OwnerName = "first"
	OwnerFullName  OwnerName = "full"
	OwnerLastName  OwnerName = "last"
	OwnerAlias     OwnerName = "alias"
)

// OwnerNames returns every owner name style, for stores that keep an
// owner's name in each.
func OwnerNames() []OwnerName {
	return []OwnerName{OwnerFirstName, OwnerFullName, OwnerLastName, OwnerAlias}
}

// Column is one column of the ticket list (S8). Label overrides the
// property's own label when set.
type Column struct {
	Property string
	Label    string
}

// numberPrefixChars are the characters of a Display.NumberPrefix.
const numberPrefixChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/.#"

// MaxColumns is the most columns a ticket list may show (S8).
const MaxColumns = 10

// RecommendedColumns returns the columns that "reset to recommended defaults"
// gives (S8, P1): Subject, Requested by, Create date, Ticket owner, Last
// activity date, Status.
func RecommendedColumns() []Column {
	return []Column{
		{Property: PropSubject}, {Property: PropRequestedBy}, {Property: PropCreatedAt},
		{Property: PropOwner}, {Property: PropLastActivityAt}, {Property: PropStatus},
	}
}

// Display says how tickets are shown (S8).
type Display struct {
	// TicketName is the customer-facing name for tickets, e.g. "Orders"
	// [ticketName].
	TicketName string
	// Visibility hides every ticket that does not match it, everywhere in
	// the portal [visibility]. Over ticket properties; empty shows all.
	Visibility FilterGroups
	Columns    []Column  // [columns] at most MaxColumns, no repeats
	OwnerName  OwnerName // [ownerName]
	// ShowStages shows a ticket's stage name instead of Open/Closed
	// [showStages].
	ShowStages bool
	// NumberPrefix is shown before a ticket's number, as in "HD-1042"
	// (P10) [numberPrefix]; "" shows "#1042". At most 10 letters, digits
	// and - _ / . #, not ending with a digit. A customer's search for the
	// prefix and a number finds that ticket.
	NumberPrefix string
}

// TicketRef is how a customer names a ticket: its number after the
// portal's prefix ("HD-1042"), or after "#" ("#1042"); "" for a ticket
// without a number.
func (d Display) TicketRef(number int64) string {
	if number == 0 {
		return ""
	}
	prefix := d.NumberPrefix
	if prefix == "" {
		prefix = "#"
	}
	return prefix + strconv.FormatInt(number, 10)
}

// Conversations says which messages a contact sees (S9). Internal notes and
// comments are never shown, whatever is set here.
type Conversations struct {
	// InternalSenders are e-mail addresses ("ann@example.com") or domains
	// ("@example.com") whose messages are internal communication and hidden
	// from contacts [internalSenders].
	InternalSenders []string
}

// Actions are the ticket actions customers may take (S10).
type Actions struct {
	ReplyToClosed bool // [replyToClosed]
	CustomerClose bool // [customerClose]
	// CloseStages maps a pipeline to the closed stage that a portal close
	// moves its tickets to [closeStages[<pipeline id>]]. A pipeline with
	// exactly one closed stage needs no entry.
	CloseStages map[uuid.UUID]uuid.UUID
	// Reopen lets a contact reopen a closed ticket it may see (P13)
	// [reopen], within ReopenDays days of its closing [reopenDays] (0: at
	// any time, at most 3650).
	Reopen     bool
	ReopenDays int
	// ReopenStages maps a pipeline to the open stage that a reopen moves
	// its tickets to [reopenStages[<pipeline id>]]; a pipeline without an
	// entry reopens to its first open stage.
	ReopenStages map[uuid.UUID]uuid.UUID
	// ReplyReopens: a contact's reply to a closed ticket (which
	// ReplyToClosed allows) reopens it, to the stage a reopen would, at
	// any time after its closing (P13) [replyReopens].
	ReplyReopens bool
}

// MaxReopenDays bounds Actions.ReopenDays.
const MaxReopenDays = 3650

// Participants lets contacts add colleagues to tickets (P12).
type Participants struct {
	// Enabled lets a contact add other contacts of its own company to a
	// ticket it may see, by e-mail, and remove those it added [enabled].
	// Off by default.
	Enabled bool
	// Max is the most participants a ticket may have [max]; 0 is
	// DefaultMaxParticipants, and at most MaxParticipants.
	Max int
}

// max is the most participants a ticket may have.
func (p Participants) max() int {
	if p.Max == 0 {
		return DefaultMaxParticipants
	}
	return p.Max
}

// check adds the problems of the participants settings to ps.
func (p Participants) check(ps *problems) {
	if p.Max < 0 || p.Max > MaxParticipants {
		ps.add("participants.max", "must be 0 (the default, %d) to %d", DefaultMaxParticipants, MaxParticipants)
	}
}

// RatingScale is the scale of satisfaction ratings (P14).
type RatingScale string

// The rating scales.
const (
	// GoodBad rates RatingGood or RatingBad.
	GoodBad RatingScale = "goodBad"
	// OneToFive rates "1" (worst) to "5" (best).
	OneToFive RatingScale = "oneToFive"
)

// name is how errors name the scale.
func (s RatingScale) name() string {
	if s == OneToFive {
		return "1–5"
	}
	return "good–bad"
}

// Satisfaction is the satisfaction rating of closed tickets (P14).
type Satisfaction struct {
	// Enabled lets a contact rate a closed ticket it may see, once each
	// time the ticket closes [enabled]. Off by default.
	Enabled bool
	// Scale is the rating scale [scale]; "" is GoodBad.
	Scale RatingScale
	// Comment lets a rating carry an optional comment [comment].
	Comment bool
	// ChangeDays lets the contact who rated a ticket change its rating
	// within this many days of giving it [changeDays]; 0: a rating is
	// final. At most MaxRatingChangeDays.
	ChangeDays int
}

// check adds the problems of the satisfaction settings to ps.
func (s Satisfaction) check(ps *problems) {
	switch s.Scale {
	case "", GoodBad, OneToFive:
	default:
		ps.add("satisfaction.scale", "%q is not %s or %s", s.Scale, GoodBad, OneToFive)
	}
	if s.ChangeDays < 0 || s.ChangeDays > MaxRatingChangeDays {
		ps.add("satisfaction.changeDays", "must be 0 (final) to %d days", MaxRatingChangeDays)
	}
}

// AccessMode says who may log in (S11).
type AccessMode string

// The access modes.
const (
	AccessGroups     AccessMode = "groups"
	SelfRegistration AccessMode = "self_registration"
)

// AuthMethod says how customers authenticate (S11).
type AuthMethod string

// The authentication methods.
const (
	PasswordAuth AuthMethod = "password"
	SingleSignOn AuthMethod = "sso"
)

// Access is the access control of the portal (S11).
type Access struct {
	Mode AccessMode // [mode]
	// Lists are the contact lists whose members may log in under
	// AccessGroups [lists].
	Lists []uuid.UUID
	Auth  AuthMethod // [auth]
	// SignInLinks lets a contact ask for a single-use sign-in link by
	// e-mail instead of typing its password (A7: RequestSignInLink). Only
	// with PasswordAuth: under single sign-on the identity provider alone
	// lets a person in [signInLinks].
	SignInLinks bool
}

// SystemPages names the template of each system page (S12).
type SystemPages struct {
	Register      string // [register]
	Login         string // [login]
	Logout        string // [logout]
	AccessDenied  string // [accessDenied]
	ResetRequest  string // [resetRequest]
	PasswordReset string // [passwordReset]
}

// Consent is the statement a self-registering contact accepts (S13).
type Consent struct {
	Notice   string // [notice]
	Checkbox string // [checkbox]
}

// DefaultSettings returns the settings a new portal starts with: disabled,
// own tickets only, every ticket visible, the recommended columns, owners by
// first name, Open/Closed status, no customer replies to closed tickets and
// no customer close, no satisfaction ratings, no participants, access groups with password login, the default system
// page templates, an English consent text and a one-hour idle timeout.
func DefaultSettings() Settings {
	return Settings{
		Name:        "Customer portal",
		Domain:      "support.example.com",
		Slug:        "portal",
		Language:    "en",
		Permissions: Permissions{Scope: OwnTickets},
		Theme: Theme{
			PrimaryColor: "#0b5cad", BackgroundColor: "#ffffff", TextColor: "#1f2933",
			LinkColor: "#0b5cad", FontFamily: "system-ui, sans-serif", CornerRadius: 6,
		},
		SupportForm: SupportForm{MenuText: "Submit a support ticket", HeadingText: "Submit a support ticket"},
		Display: Display{
			TicketName: "Tickets",
			Columns:    RecommendedColumns(),
			OwnerName:  OwnerFirstName,
		},
		Satisfaction: Satisfaction{Scale: GoodBad},
		Access:       Access{Mode: AccessGroups, Auth: PasswordAuth},
		SystemPages: SystemPages{
			Register: "default-register", Login: "default-login", Logout: "default-logout",
			AccessDenied: "default-access-denied", ResetRequest: "default-reset-request",
			PasswordReset: "default-password-reset",
		},
		Consent: Consent{
			Notice:   "We process your personal data to answer your support requests.",
			Checkbox: "I agree to the processing of my personal data.",
		},
		IdleTimeout: time.Hour,
	}
}

// Clone returns a deep copy.
func (s Settings) Clone() Settings {
	s.Permissions.ContactFilter = s.Permissions.ContactFilter.Clone()
	s.Display.Visibility = s.Display.Visibility.Clone()
	s.Display.Columns = slices.Clone(s.Display.Columns)
	s.Conversations.InternalSenders = slices.Clone(s.Conversations.InternalSenders)
	s.Actions.CloseStages = maps.Clone(s.Actions.CloseStages)
	s.Actions.ReopenStages = maps.Clone(s.Actions.ReopenStages)
	s.Access.Lists = slices.Clone(s.Access.Lists)
	s.SupportForm.Requests = slices.Clone(s.SupportForm.Requests)
	for i, f := range s.SupportForm.Requests {
		s.SupportForm.Requests[i] = f.Clone()
	}
	return s
}

// normalized returns a copy with surrounding space trimmed from the texts
// the spec calls trimmed, and the domain in lower case.
func (s Settings) normalized() Settings {
	s = s.Clone()
	s.Name = strings.TrimSpace(s.Name)
	s.Domain = strings.ToLower(strings.TrimSpace(s.Domain))
	s.Slug = strings.TrimSpace(s.Slug)
	s.Language = strings.TrimSpace(s.Language)
	s.TimeZone = strings.TrimSpace(s.TimeZone)
	s.Display.TicketName = strings.TrimSpace(s.Display.TicketName)
	s.SupportForm.MenuText = strings.TrimSpace(s.SupportForm.MenuText)
	s.SupportForm.HeadingText = strings.TrimSpace(s.SupportForm.HeadingText)
	for i := range s.SupportForm.Requests {
		s.SupportForm.Requests[i].Name = strings.TrimSpace(s.SupportForm.Requests[i].Name)
		s.SupportForm.Requests[i].Description = strings.TrimSpace(s.SupportForm.Requests[i].Description)
	}
	return s
}

// Refs is what settings may refer to, as one portal holds it at the time of
// a save: its schema and the records whose IDs settings name. Portal builds
// it from the store; tests can build it by hand.
type Refs struct {
	Schema    Schema
	Channels  []Channel
	Pipelines []Pipeline
	Lists     []ContactList
	Forms     []Form
}

// Validate checks the settings as a whole against refs and reports every
// problem at once, each naming its field path, in a *ValidationError that
// wraps ErrInvalid (S16). It returns nil for valid settings.
func (s Settings) Validate(refs Refs) error {
	var ps problems
	s.check(&ps, refs)
	return ps.err()
}

var (
	slugPattern     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	hostLabel       = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	colourPattern   = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
	templatePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	fontPattern     = regexp.MustCompile(`^[A-Za-z0-9 ,'"_-]{1,200}$`)
)

func (s Settings) check(ps *problems, refs Refs) {
	checkText(ps, "name", s.Name, 1, 100)
	checkDomain(ps, "domain", s.Domain)
	if !slugPattern.MatchString(s.Slug) || len(s.Slug) > 64 {
		ps.add("slug", "must be 1–64 lowercase letters, digits and single hyphens")
	}
	if _, err := language.Parse(s.Language); err != nil || s.Language == "" {
		ps.add("language", "%q is not a BCP 47 language tag", s.Language)
	}
	checkTimeZone(ps, "timeZone", s.TimeZone)
	channels := index(refs.Channels, func(c Channel) uuid.UUID { return c.ID })
	switch _, ok := channels[s.DefaultChannel]; {
	case s.DefaultChannel == uuid.Nil && s.Enabled:
		ps.add("defaultChannel", "is required to enable the portal")
	case s.DefaultChannel != uuid.Nil && !ok:
		ps.add("defaultChannel", "no such channel")
	}
	s.Permissions.check(ps, refs.Schema)
	s.SupportForm.check(ps, refs, channels)
	s.SupportForm.checkRequests(ps, refs, channels)
	s.Theme.check(ps)
	s.Display.check(ps, refs.Schema)
	s.Conversations.check(ps)
	s.Actions.check(ps, refs.Pipelines)
	s.Satisfaction.check(ps)
	s.Participants.check(ps)
	s.Access.check(ps, refs.Lists)
	s.SystemPages.check(ps)
	if s.Access.Mode == SelfRegistration {
		checkText(ps, "consent.notice", s.Consent.Notice, 1, 5000)
		checkText(ps, "consent.checkbox", s.Consent.Checkbox, 1, 500)
	} else {
		checkText(ps, "consent.notice", s.Consent.Notice, 0, 5000)
		checkText(ps, "consent.checkbox", s.Consent.Checkbox, 0, 500)
	}
	if s.IdleTimeout < time.Minute || s.IdleTimeout > 30*24*time.Hour {
		ps.add("idleTimeout", "must be between 1 minute and 30 days")
	}
}

func (p Permissions) check(ps *problems, schema Schema) {
	switch p.Scope {
	case OwnTickets, CompanyTickets:
		if len(p.ContactFilter) > 0 {
			ps.add("permissions.contactFilter", "only used with scope %s", CompanyTicketsForGroup)
		}
		if p.CompanyRule != "" {
			ps.add("permissions.companyRule", "only used with scope %s", CompanyTicketsForGroup)
		}
	case CompanyTicketsForGroup:
		if len(p.ContactFilter) == 0 && p.CompanyRule == "" {
			ps.add("permissions.contactFilter", "a contact filter or a company rule is required with scope %s", CompanyTicketsForGroup)
		}
	default:
		ps.add("permissions.scope", "%q is not one of own, company, company_for_group", p.Scope)
	}
	p.ContactFilter.check(ps, schema, ContactObject, "permissions.contactFilter")
	if p.CompanyRule != "" {
		if _, err := compileRule(p.CompanyRule); err != nil {
			ps.add("permissions.companyRule", "%s", err.Error())
		}
	}
}

func (f SupportForm) check(ps *problems, refs Refs, channels map[uuid.UUID]Channel) {
	checkText(ps, "supportForm.menuText", f.MenuText, 0, 100)
	checkText(ps, "supportForm.headingText", f.HeadingText, 0, 200)
	if !f.Enabled {
		return
	}
	if f.MenuText == "" {
		ps.add("supportForm.menuText", "is required when the form is enabled")
	}
	if f.HeadingText == "" {
		ps.add("supportForm.headingText", "is required when the form is enabled")
	}
	i := slices.IndexFunc(refs.Forms, func(x Form) bool { return x.ID == f.FormID })
	if i < 0 {
		ps.add("supportForm.formId", "no such form")
		return
	}
	form := refs.Forms[i]
	if len(form.Fields) == 0 {
		ps.add("supportForm.formId", "the form has no ticket property")
	}
	if c, ok := channels[form.ChannelID]; !ok || !c.CreatesTickets {
		ps.add("supportForm.formId", "the form is not connected to a channel that creates tickets")
	}
}

// checkRequests adds the problems of the request forms (P15) to ps.
// While the support form is off (and its request forms with it) only
// their own fields are checked, not what they refer to, as the main
// form's are: a channel or form changed since cannot keep the settings
// from being saved, nor the form from being switched off.
func (f SupportForm) checkRequests(ps *problems, refs Refs, channels map[uuid.UUID]Channel) {
	if len(f.Requests) > MaxRequestForms {
		ps.add("supportForm.requests", "at most %d request forms", MaxRequestForms)
		return
	}
	seen := map[uuid.UUID]bool{}
	pipelines := index(refs.Pipelines, func(p Pipeline) uuid.UUID { return p.ID })
	for i, r := range f.Requests {
		path := fmt.Sprintf("supportForm.requests[%d].", i)
		switch {
		case r.ID == uuid.Nil:
			ps.add(path+"id", "is required")
		case seen[r.ID]:
			ps.add(path+"id", "is another request form's")
		}
		seen[r.ID] = true
		checkText(ps, path+"name", strings.TrimSpace(r.Name), 1, 100)
		checkText(ps, path+"description", r.Description, 0, 500)
		r.Audience.check(ps, refs.Schema, ContactObject, path+"audience")
		r.CompanyAudience.check(ps, refs.Schema, CompanyObject, path+"companyAudience")
		if !f.Enabled {
			continue
		}
		if j := slices.IndexFunc(refs.Forms, func(x Form) bool { return x.ID == r.FormID }); j < 0 {
			ps.add(path+"formId", "no such form")
		} else if len(refs.Forms[j].Fields) == 0 {
			ps.add(path+"formId", "the form has no ticket property")
		}
		pl, ok := pipelines[r.PipelineID]
		switch {
		case r.PipelineID == uuid.Nil && r.StageID != uuid.Nil:
			ps.add(path+"stageId", "needs its pipelineId")
		case r.PipelineID == uuid.Nil:
		case !ok:
			ps.add(path+"pipelineId", "no such pipeline")
		case r.StageID == uuid.Nil && len(pl.stagesIn(StageOpen)) == 0:
			ps.add(path+"pipelineId", "the pipeline has no open stage")
		case r.StageID != uuid.Nil:
			if st, ok := pl.Stage(r.StageID); !ok || st.State != StageOpen {
				ps.add(path+"stageId", "is not an open stage of the pipeline")
			}
		}
		if c, ok := channels[r.ChannelID]; r.ChannelID != uuid.Nil && (!ok || !c.CreatesTickets) {
			ps.add(path+"channelId", "is not a channel that creates tickets")
		}
	}
}

func (t Theme) check(ps *problems) {
	for _, c := range []struct{ field, v string }{
		{"theme.primaryColor", t.PrimaryColor}, {"theme.backgroundColor", t.BackgroundColor},
		{"theme.textColor", t.TextColor}, {"theme.linkColor", t.LinkColor},
	} {
		if !colourPattern.MatchString(c.v) {
			ps.add(c.field, "%q is not a colour (#rgb or #rrggbb)", c.v)
		}
	}
	if !fontPattern.MatchString(t.FontFamily) || strings.Count(t.FontFamily, `"`)%2 != 0 || strings.Count(t.FontFamily, "'")%2 != 0 {
		ps.add("theme.fontFamily", "must be 1–200 characters of a CSS font-family list, its quotes in pairs")
	}
	if t.LogoURL != "" && (!strings.HasPrefix(t.LogoURL, "https://") || len(t.LogoURL) > 2000 ||
		strings.ContainsAny(t.LogoURL, " \"'<>\\\t\r\n")) {
		ps.add("theme.logoUrl", "must be an https URL of at most 2000 characters")
	}
	if t.CornerRadius < 0 || t.CornerRadius > 32 {
		ps.add("theme.cornerRadius", "must be 0–32 pixels")
	}
}

func (d Display) check(ps *problems, schema Schema) {
	checkText(ps, "display.ticketName", d.TicketName, 1, 40)
	d.Visibility.check(ps, schema, TicketObject, "display.visibility")
	if len(d.Columns) == 0 {
		ps.add("display.columns", "at least one column")
	}
	seen := map[string]bool{}
	for i, c := range d.Columns {
		f := fmt.Sprintf("display.columns[%d]", i)
		if i >= MaxColumns {
			ps.add(f, "at most %d columns", MaxColumns)
			continue
		}
		if _, ok := schema.Lookup(TicketObject, c.Property); !ok {
			ps.add(f+".property", "unknown ticket property %q", c.Property)
		} else if seen[c.Property] {
			ps.add(f+".property", "%q is already a column", c.Property)
		}
		seen[c.Property] = true
		checkText(ps, f+".label", c.Label, 0, maxLabel)
	}
	// A prefix may start with #, as "#T-" does: a search tries the prefix
	// before "#".
	if p := d.NumberPrefix; p != "" && (len(p) > 10 || strings.Trim(p, numberPrefixChars) != "" || strings.ContainsAny(p[len(p)-1:], "0123456789")) {
		ps.add("display.numberPrefix", "must be at most 10 letters, digits and - _ / . #, not ending with a digit")
	}
	switch d.OwnerName {
	case OwnerFirstName, OwnerFullName, OwnerLastName, OwnerAlias:
	default:
		ps.add("display.ownerName", "%q is not one of first, full, last, alias", d.OwnerName)
	}
}

func (c Conversations) check(ps *problems) {
	if len(c.InternalSenders) > 500 {
		ps.add("conversations.internalSenders", "at most 500 entries")
		return
	}
	for i, s := range c.InternalSenders {
		f := fmt.Sprintf("conversations.internalSenders[%d]", i)
		local, domain, ok := strings.Cut(s, "@")
		if !ok || strings.ContainsAny(local, " \t\r\n<>") || len(s) > 254 {
			ps.add(f, "%q is not an e-mail address or @domain", s)
			continue
		}
		checkDomain(ps, f, strings.ToLower(domain))
	}
}

// checkStageChoice checks a choice of a stage per pipeline: each key a
// pipeline, each value one of its stages of the state.
func checkStageChoice(ps *problems, field string, choice map[uuid.UUID]uuid.UUID, pipelines map[uuid.UUID]Pipeline, state StageState) {
	for _, pid := range slices.SortedFunc(maps.Keys(choice), uuidCompare) {
		f := fmt.Sprintf("%s[%s]", field, pid)
		p, ok := pipelines[pid]
		if !ok {
			ps.add(f, "no such pipeline")
			continue
		}
		if st, ok := p.Stage(choice[pid]); !ok || st.State != state {
			ps.add(f, "not a stage of pipeline %q that is %s", p.Name, state)
		}
	}
}

func (a Actions) check(ps *problems, pipelines []Pipeline) {
	byID := index(pipelines, func(p Pipeline) uuid.UUID { return p.ID })
	checkStageChoice(ps, "actions.closeStages", a.CloseStages, byID, StageClosed)
	checkStageChoice(ps, "actions.reopenStages", a.ReopenStages, byID, StageOpen)
	if a.ReopenDays < 0 || a.ReopenDays > MaxReopenDays {
		ps.add("actions.reopenDays", "must be 0 (any time) to %d days", MaxReopenDays)
	}
	if !a.CustomerClose {
		return
	}
	for _, p := range pipelines {
		if _, chosen := a.CloseStages[p.ID]; !chosen && len(p.ClosedStages()) > 1 {
			ps.add(fmt.Sprintf("actions.closeStages[%s]", p.ID), "pipeline %q has several closed stages: choose one", p.Name)
		}
	}
}

func (a Access) check(ps *problems, lists []ContactList) {
	switch a.Mode {
	case AccessGroups:
		if len(a.Lists) == 0 {
			// An empty choice is allowed: nobody may log in yet.
			break
		}
	case SelfRegistration:
		if len(a.Lists) > 0 {
			ps.add("access.lists", "only used with mode %s", AccessGroups)
		}
	default:
		ps.add("access.mode", "%q is not one of groups, self_registration", a.Mode)
	}
	known := index(lists, func(l ContactList) uuid.UUID { return l.ID })
	seen := map[uuid.UUID]bool{}
	for i, id := range a.Lists {
		f := fmt.Sprintf("access.lists[%d]", i)
		if _, ok := known[id]; !ok {
			ps.add(f, "no such contact list")
		} else if seen[id] {
			ps.add(f, "listed twice")
		}
		seen[id] = true
	}
	if a.Auth != PasswordAuth && a.Auth != SingleSignOn {
		ps.add("access.auth", "%q is not one of password, sso", a.Auth)
	} else if a.SignInLinks && a.Auth != PasswordAuth {
		ps.add("access.signInLinks", "works only with password login: under single sign-on the identity provider lets people in")
	}
}

func (p SystemPages) check(ps *problems) {
	for _, t := range []struct{ field, v string }{
		{"systemPages.register", p.Register}, {"systemPages.login", p.Login},
		{"systemPages.logout", p.Logout}, {"systemPages.accessDenied", p.AccessDenied},
		{"systemPages.resetRequest", p.ResetRequest}, {"systemPages.passwordReset", p.PasswordReset},
	} {
		if !templatePattern.MatchString(t.v) {
			ps.add(t.field, "%q is not a template name", t.v)
		}
	}
}

// checkText checks that v is valid UTF-8 of min to max characters.
func checkText(ps *problems, field, v string, min, max int) {
	n := utf8.RuneCountInString(v)
	switch {
	case !utf8.ValidString(v):
		ps.add(field, "must be valid UTF-8")
	case min > 0 && n == 0:
		ps.add(field, "is required")
	case n < min || n > max:
		ps.add(field, "must be %d–%d characters", min, max)
	case strings.ContainsRune(v, 0):
		ps.add(field, "must not contain NUL")
	}
}

// checkDomain checks an RFC 1123 host name in lower case.
func checkDomain(ps *problems, field, host string) {
	labels := strings.Split(host, ".")
	ok := host != "" && len(host) <= 253 && len(labels) >= 2
	for _, l := range labels {
		ok = ok && hostLabel.MatchString(l)
	}
	if ok && strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		ok = false // the top-level label is never all digits
	}
	if !ok {
		ps.add(field, "%q is not a host name", host)
	}
}

func index[T any](xs []T, id func(T) uuid.UUID) map[uuid.UUID]T {
	m := make(map[uuid.UUID]T, len(xs))
	for _, x := range xs {
		m[id(x)] = x
	}
	return m
}

func uuidCompare(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }
