// The helpdesk's records other than tickets (tenants, contacts, companies,
// contact lists, owners, channels, pipelines, forms) and the host
// operations that feed them to the portal; tickets.go holds tickets.

package portal

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// NewID returns a new time-ordered identifier (UUIDv7). Every record the
// package creates gets its ID from here unless Options.NewID replaces it.
func NewID() (uuid.UUID, error) { return uuid.NewV7() }

// Tenant is one helpdesk account's portal (X5). Every other record carries
// the ID of its tenant in PortalID, and nothing ever crosses from one tenant
// to another.
type Tenant struct {
	ID        uuid.UUID
	Name      string // the helpdesk account's name, for the host's own use
	CreatedAt time.Time
}

// Contact is a customer person.
type Contact struct {
	ID        uuid.UUID
	PortalID  uuid.UUID
	FirstName string
	LastName  string
	Email     string
	// CompanyID is the contact's primary company, or uuid.Nil for none.
	CompanyID uuid.UUID
	// Lists are the contact lists the contact is a member of (S11 access
	// groups are made of them).
	Lists      []uuid.UUID
	Properties Properties
	// Language and TimeZone are the contact's own choices (P16, X3): one
	// of Languages, and an IANA time zone; "" is the portal's (Settings).
	Language  string
	TimeZone  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Name is the contact's full name, or its e-mail when it has no name.
func (c Contact) Name() string { return fullName(c.FirstName, c.LastName, c.Email) }

// Clone returns a deep copy.
func (c Contact) Clone() Contact {
	c.Lists = slices.Clone(c.Lists)
	c.Properties = c.Properties.Clone()
	return c
}

// Company is a customer organisation.
type Company struct {
	ID         uuid.UUID
	PortalID   uuid.UUID
	Name       string
	Domain     string
	Properties Properties
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Clone returns a deep copy.
func (c Company) Clone() Company {
	c.Properties = c.Properties.Clone()
	return c
}

// ContactList is a named list of contacts; access groups (S11) choose lists.
type ContactList struct {
	ID       uuid.UUID
	PortalID uuid.UUID
	Name     string
}

// Owner is a helpdesk agent who owns tickets.
type Owner struct {
	ID        uuid.UUID
	PortalID  uuid.UUID
	FirstName string
	LastName  string
	// Alias is the name shown to customers when the portal displays owners
	// by alias (S8).
	Alias string
	Email string
}

// ChannelKind says what kind of channel receives tickets.
type ChannelKind string

// The channel kinds.
const (
	Inbox    ChannelKind = "inbox"
	HelpDesk ChannelKind = "helpdesk"
)

// Channel is an inbox or help desk that receives tickets (S3).
type Channel struct {
	ID       uuid.UUID
	PortalID uuid.UUID
	Name     string
	Kind     ChannelKind
	// CreatesTickets is on when the channel creates tickets automatically
	// from what it receives; a support form (S6) needs such a channel.
	CreatesTickets bool
}

// StageState says whether a stage is open or closed.
type StageState string

// The stage states.
const (
	StageOpen   StageState = "open"
	StageClosed StageState = "closed"
)

// Stage is one step of a pipeline.
type Stage struct {
	ID    uuid.UUID
	Name  string
	State StageState
}

// Pipeline is an ordered list of stages.
type Pipeline struct {
	ID       uuid.UUID
	PortalID uuid.UUID
	Name     string
	Stages   []Stage
}

// Stage returns the pipeline's stage with the given ID.
func (p Pipeline) Stage(id uuid.UUID) (Stage, bool) {
	for _, s := range p.Stages {
		if s.ID == id {
			return s, true
		}
	}
	return Stage{}, false
}

// ClosedStages returns the pipeline's closed stages in order.
func (p Pipeline) ClosedStages() []Stage { return p.stagesIn(StageClosed) }

// stagesIn returns the pipeline's stages of a state, in order.
func (p Pipeline) stagesIn(state StageState) []Stage {
	var out []Stage
	for _, s := range p.Stages {
		if s.State == state {
			out = append(out, s)
		}
	}
	return out
}

// Clone returns a deep copy.
func (p Pipeline) Clone() Pipeline {
	p.Stages = slices.Clone(p.Stages)
	return p
}

func fullName(first, last, fallback string) string {
	switch {
	case first != "" && last != "":
		return first + " " + last
	case first != "":
		return first
	case last != "":
		return last
	}
	return fallback
}

// Form is a ticket form a host defines; the support form (S6) uses one.
// Each field asks for one ticket property; a submission creates a ticket in
// the channel the form is connected to.
type Form struct {
	ID        uuid.UUID
	PortalID  uuid.UUID
	Name      string
	Fields    []FormField
	ChannelID uuid.UUID // uuid.Nil: not connected to a channel
}

// FormField asks for one ticket property.
type FormField struct {
	Property string
	Label    string // "" uses the property's label
	Required bool
}

// Clone returns a deep copy.
func (f Form) Clone() Form {
	f.Fields = slices.Clone(f.Fields)
	return f
}

// DisplayName is the owner's name as the portal shows it in the given style
// (S8). A missing part falls back to the other parts, so an owner always has
// a name when it has any.
func (o Owner) DisplayName(style OwnerName) string {
	switch style {
	case OwnerFullName:
		return fullName(o.FirstName, o.LastName, o.Alias)
	case OwnerLastName:
		return fullName("", o.LastName, fullName(o.FirstName, "", o.Alias))
	case OwnerAlias:
		if o.Alias != "" {
			return o.Alias
		}
	}
	return fullName(o.FirstName, "", fullName("", o.LastName, o.Alias))
}

// Host operations that feed the portal its records. Each SaveX creates the
// record when its ID is zero (assigning a new ID) and otherwise replaces the
// existing record of that ID, failing with ErrNotFound when there is none in
// the record's tenant. Each validates the record and its references in the
// same tenant first and reports every problem at once (ErrInvalid); a failed
// save stores nothing. Each returns the record as stored.

// getter reads one record by tenant and ID.
type getter[T any] func(ctx context.Context, portalID, id uuid.UUID) (T, error)

// prepare is the first step of every SaveX: a zero *id gets a new ID
// (create); otherwise the stored record is returned (update).
func prepare[T any](ctx context.Context, p *Portal, portalID uuid.UUID, id *uuid.UUID, get getter[T]) (old T, created bool, err error) {
	if portalID == uuid.Nil {
		return old, false, invalid("portalId", "is required")
	}
	if *id == uuid.Nil {
		*id, err = p.id()
		return old, true, err
	}
	old, err = get(ctx, portalID, *id)
	return old, false, classify(err)
}

// inList turns a store's list method into a getter.
func inList[T any](list func(context.Context, uuid.UUID) ([]T, error), idOf func(T) uuid.UUID) getter[T] {
	return func(ctx context.Context, portalID, id uuid.UUID) (T, error) {
		var zero T
		xs, err := list(ctx, portalID)
		if err != nil {
			return zero, err
		}
		for _, x := range xs {
			if idOf(x) == id {
				return x, nil
			}
		}
		return zero, fmt.Errorf("%w: no record %s", ErrNotFound, id)
	}
}

// ref checks that a referenced record exists in the tenant; a store error
// other than ErrNotFound is returned for the caller to give up on.
func ref[T any](ctx context.Context, ps *problems, field, what string, portalID, id uuid.UUID, get getter[T]) (T, error) {
	x, err := get(ctx, portalID, id)
	if err != nil {
		if isNotFound(err) {
			ps.add(field, "no such %s", what)
			return x, nil
		}
		return x, classify(err)
	}
	return x, nil
}

// SaveContact creates or updates a contact. E-mail is required; a primary
// company and lists must exist in the same tenant. A contact's login
// follows its e-mail (A4): once the normalised e-mail changes, the contact
// logs in with the new one, reset mails go to it, and the links mailed to
// the old one (invitation, registration, reset) no longer work. An e-mail
// that another contact logs in with (e-mails name one login per portal,
// S11) is refused with a *ConflictError (ErrConflict) naming "email", and
// nothing is saved; contacts without a login may share an e-mail. A
// contact moved to another company is taken off the tickets colleagues
// added it to (P12).
func (p *Portal) SaveContact(ctx context.Context, c Contact) (Contact, error) {
	c = c.Clone()
	old, created, err := prepare(ctx, p, c.PortalID, &c.ID, p.contact)
	if err != nil {
		return Contact{}, err
	}
	c.Email = strings.TrimSpace(c.Email)
	c.Language, c.TimeZone = strings.TrimSpace(c.Language), strings.TrimSpace(c.TimeZone)
	if c.Language == "" { // the contact's own choices (P16), unless the host sets them
		c.Language = old.Language
	}
	if c.TimeZone == "" {
		c.TimeZone = old.TimeZone
	}
	c.CreatedAt, c.UpdatedAt = p.stamps(created, c.CreatedAt, old.CreatedAt)
	if !created {
		c.UpdatedAt = after(c.UpdatedAt, old.UpdatedAt)
	}
	var ps problems
	checkTime(&ps, "createdAt", c.CreatedAt)
	checkText(&ps, "firstName", c.FirstName, 0, 100)
	checkText(&ps, "lastName", c.LastName, 0, 100)
	checkEmail(&ps, "email", c.Email, true)
	checkLanguage(&ps, "language", c.Language)
	checkTimeZone(&ps, "timeZone", c.TimeZone)
	if c.CompanyID != uuid.Nil {
		if _, err := ref(ctx, &ps, "companyId", "company", c.PortalID, c.CompanyID, p.store.Company); err != nil {
			return Contact{}, err
		}
	}
	if len(c.Lists) > 0 {
		lists, err := p.store.ContactLists(ctx, c.PortalID)
		if err != nil {
			return Contact{}, classify(err)
		}
		checkIDs(&ps, "lists", "contact list", c.Lists, index(lists, func(l ContactList) uuid.UUID { return l.ID }))
	}
	if err := p.checkProperties(ctx, &ps, c.PortalID, ContactObject, c.Properties); err != nil {
		return Contact{}, err
	}
	if err := ps.err(); err != nil {
		return Contact{}, err
	}
	var stored *Contact
	if !created {
		stored = &old
	}
	if err := p.putContact(ctx, c, stored); err != nil {
		return Contact{}, err
	}
	if stored != nil && stored.CompanyID != c.CompanyID {
		if err := p.dropParticipations(ctx, c); err != nil {
			return Contact{}, err
		}
	}
	return c.Clone(), nil
}

// putContact writes a contact with what follows from its e-mail (A4).
// stored is the contact as the caller read it (nil: there is none). When
// the contact or its login changed before the store's write, which checks
// them, the contact is read again and the change decided again.
func (p *Portal) putContact(ctx context.Context, c Contact, stored *Contact) error {
	for attempt := 1; ; attempt++ {
		if stored != nil { // over the record read, with a newer stamp
			c.UpdatedAt = after(p.clock(), stored.UpdatedAt)
		}
		ch, err := p.contactChange(ctx, c, stored)
		if err != nil {
			return err
		}
		if stored != nil {
			ch.If.UpdatedAt = stored.UpdatedAt
		}
		err = p.store.PutContact(ctx, ch)
		if !lostRace(err) || attempt == maxAttempts {
			return classify(err)
		}
		switch now, err := p.contact(ctx, c.PortalID, c.ID); {
		case err == nil:
			stored = &now
		case isNotFound(err):
			stored = nil
		default:
			return classify(err)
		}
	}
}

// contactChange decides what follows from c's e-mail, normalised, once it
// is not the stored contact's or its login's: the links mailed to the old
// one (tokens) end, and the contact's login, if it has one, takes the new
// one, unless another contact's login has it (S11). Over a store without
// an AuthStore there are neither.
func (p *Portal) contactChange(ctx context.Context, c Contact, stored *Contact) (ContactChange, error) {
	email := NormalizeEmail(c.Email)
	ch := ContactChange{Contact: c, If: &ContactState{}}
	if stored != nil {
		ch.If.Email = NormalizeEmail(stored.Email)
	}
	if p.as == nil { // a store without logins or tokens (AuthStore)
		return ch, nil
	}
	ch.EndTokens = stored != nil && ch.If.Email != email
	l, err := p.as.Login(ctx, c.PortalID, c.ID)
	switch {
	case isNotFound(err):
		return ch, nil
	case err != nil:
		return ContactChange{}, classify(err)
	}
	ch.If.Login = l.Email
	if email == "" || email == l.Email {
		return ch, nil
	}
	switch other, err := p.as.LoginByEmail(ctx, c.PortalID, email); {
	case err == nil && other.ContactID != c.ID:
		return ContactChange{}, errEmailTaken()
	case err != nil && !isNotFound(err):
		return ContactChange{}, classify(err)
	}
	ch.LoginEmail = email
	ch.EndTokens = true // mailed to the login's old address
	return ch, nil
}

// Contact returns a contact.
func (p *Portal) Contact(ctx context.Context, portalID, id uuid.UUID) (Contact, error) {
	c, err := p.contact(ctx, portalID, id)
	return c, classify(err)
}

// contact reads a contact from the store (readContact).
func (p *Portal) contact(ctx context.Context, portalID, id uuid.UUID) (Contact, error) {
	return readContact(ctx, p.store, portalID, id)
}

// owner reads an owner from the store (readOwner).
func (p *Portal) owner(ctx context.Context, portalID, id uuid.UUID) (Owner, error) {
	return readOwner(ctx, p.store, portalID, id)
}

// readContact reads a contact. The store contract reads contacts and
// owners by IDs only (Contacts, Owners), so that a store implements one
// read of each; a read of one is a read of one ID.
func readContact(ctx context.Context, s DirectoryStore, portalID, id uuid.UUID) (Contact, error) {
	return one(ctx, "contact", portalID, id, s.Contacts, func(c *Contact) uuid.UUID { return c.ID })
}

// readOwner reads an owner (see readContact).
func readOwner(ctx context.Context, s HelpdeskStore, portalID, id uuid.UUID) (Owner, error) {
	return one(ctx, "owner", portalID, id, s.Owners, func(o *Owner) uuid.UUID { return o.ID })
}

// one reads the record of what with id through a read by IDs: an error
// wrapping ErrNotFound when the tenant has none.
func one[T any](ctx context.Context, what string, portalID, id uuid.UUID, among func(context.Context, uuid.UUID, []uuid.UUID) ([]T, error), idOf func(*T) uuid.UUID) (T, error) {
	var none T
	found, err := among(ctx, portalID, []uuid.UUID{id})
	if err != nil {
		return none, err
	}
	for i := range found {
		if idOf(&found[i]) == id {
			return found[i], nil
		}
	}
	return none, fmt.Errorf("%s %s: %w", what, id, ErrNotFound)
}

// SaveCompany creates or updates a company.
func (p *Portal) SaveCompany(ctx context.Context, c Company) (Company, error) {
	c = c.Clone()
	old, created, err := prepare(ctx, p, c.PortalID, &c.ID, p.store.Company)
	if err != nil {
		return Company{}, err
	}
	c.Name = strings.TrimSpace(c.Name)
	c.Domain = strings.ToLower(strings.TrimSpace(c.Domain))
	c.CreatedAt, c.UpdatedAt = p.stamps(created, c.CreatedAt, old.CreatedAt)
	if !created {
		c.UpdatedAt = after(c.UpdatedAt, old.UpdatedAt)
	}
	var ps problems
	checkTime(&ps, "createdAt", c.CreatedAt)
	checkText(&ps, "name", c.Name, 1, 200)
	if c.Domain != "" {
		checkDomain(&ps, "domain", c.Domain)
	}
	if err := p.checkProperties(ctx, &ps, c.PortalID, CompanyObject, c.Properties); err != nil {
		return Company{}, err
	}
	if err := ps.err(); err != nil {
		return Company{}, err
	}
	return c.Clone(), classify(p.store.PutCompany(ctx, c))
}

// Company returns a company.
func (p *Portal) Company(ctx context.Context, portalID, id uuid.UUID) (Company, error) {
	c, err := p.store.Company(ctx, portalID, id)
	return c, classify(err)
}

// SaveContactList creates or renames a contact list.
func (p *Portal) SaveContactList(ctx context.Context, l ContactList) (ContactList, error) {
	_, _, err := prepare(ctx, p, l.PortalID, &l.ID, inList(p.store.ContactLists, func(x ContactList) uuid.UUID { return x.ID }))
	if err != nil {
		return ContactList{}, err
	}
	l.Name = strings.TrimSpace(l.Name)
	var ps problems
	checkText(&ps, "name", l.Name, 1, 100)
	if err := ps.err(); err != nil {
		return ContactList{}, err
	}
	return l, classify(p.store.PutContactList(ctx, l))
}

// ContactLists returns the tenant's contact lists.
func (p *Portal) ContactLists(ctx context.Context, portalID uuid.UUID) ([]ContactList, error) {
	ls, err := p.store.ContactLists(ctx, portalID)
	return ls, classify(err)
}

// SaveOwner creates or updates a ticket owner (a helpdesk agent). It needs a
// first name, a last name or an alias.
func (p *Portal) SaveOwner(ctx context.Context, o Owner) (Owner, error) {
	_, _, err := prepare(ctx, p, o.PortalID, &o.ID, p.owner)
	if err != nil {
		return Owner{}, err
	}
	o.Email = strings.TrimSpace(o.Email)
	var ps problems
	checkText(&ps, "firstName", o.FirstName, 0, 100)
	checkText(&ps, "lastName", o.LastName, 0, 100)
	checkText(&ps, "alias", o.Alias, 0, 100)
	if strings.TrimSpace(o.FirstName+o.LastName+o.Alias) == "" {
		ps.add("firstName", "an owner needs a first name, last name or alias")
	}
	checkEmail(&ps, "email", o.Email, false)
	if err := ps.err(); err != nil {
		return Owner{}, err
	}
	return o, classify(p.store.PutOwner(ctx, o))
}

// Owner returns a ticket owner.
func (p *Portal) Owner(ctx context.Context, portalID, id uuid.UUID) (Owner, error) {
	o, err := p.owner(ctx, portalID, id)
	return o, classify(err)
}

// SaveChannel creates or updates a channel.
func (p *Portal) SaveChannel(ctx context.Context, c Channel) (Channel, error) {
	_, _, err := prepare(ctx, p, c.PortalID, &c.ID, inList(p.store.Channels, func(x Channel) uuid.UUID { return x.ID }))
	if err != nil {
		return Channel{}, err
	}
	c.Name = strings.TrimSpace(c.Name)
	var ps problems
	checkText(&ps, "name", c.Name, 1, 100)
	if c.Kind != Inbox && c.Kind != HelpDesk {
		ps.add("kind", "%q is not one of inbox, helpdesk", c.Kind)
	}
	if err := ps.err(); err != nil {
		return Channel{}, err
	}
	return c, classify(p.store.PutChannel(ctx, c))
}

// Channels returns the tenant's channels.
func (p *Portal) Channels(ctx context.Context, portalID uuid.UUID) ([]Channel, error) {
	cs, err := p.store.Channels(ctx, portalID)
	return cs, classify(err)
}

// MaxStages bounds the stages of one pipeline.
const MaxStages = 100

// SavePipeline creates or updates a pipeline. Stages with a zero ID get one;
// a stage's ID is in one pipeline of the tenant only. A pipeline needs at
// least one open stage (new portal tickets start in the first one). A
// stage that tickets are in cannot be left out: that is a *ConflictError
// naming "stages", and nothing is saved.
func (p *Portal) SavePipeline(ctx context.Context, pl Pipeline) (Pipeline, error) {
	pl = pl.Clone()
	_, _, err := prepare(ctx, p, pl.PortalID, &pl.ID, inList(p.store.Pipelines, func(x Pipeline) uuid.UUID { return x.ID }))
	if err != nil {
		return Pipeline{}, err
	}
	others, err := p.store.Pipelines(ctx, pl.PortalID)
	if err != nil {
		return Pipeline{}, classify(err)
	}
	// A stage is in one pipeline: a ticket's stage then says whether it is
	// closed, whatever pipeline is changed later.
	elsewhere := map[uuid.UUID]string{}
	for _, o := range others {
		if o.ID != pl.ID {
			for _, st := range o.Stages {
				elsewhere[st.ID] = o.Name
			}
		}
	}
	pl.Name = strings.TrimSpace(pl.Name)
	var ps problems
	checkText(&ps, "name", pl.Name, 1, 100)
	switch {
	case len(pl.Stages) == 0:
		ps.add("stages", "a pipeline needs at least one stage")
	case len(pl.Stages) > MaxStages:
		ps.add("stages", "at most %d stages", MaxStages)
	case len(pl.ClosedStages()) == len(pl.Stages):
		ps.add("stages", "a pipeline needs at least one open stage")
	}
	seen := map[uuid.UUID]bool{}
	for i := range pl.Stages {
		st := &pl.Stages[i]
		f := fmt.Sprintf("stages[%d]", i)
		if st.ID == uuid.Nil {
			if st.ID, err = p.id(); err != nil {
				return Pipeline{}, err
			}
		} else if seen[st.ID] {
			ps.add(f+".id", "duplicate stage ID")
		} else if name, ok := elsewhere[st.ID]; ok {
			ps.add(f+".id", "a stage of pipeline %q", name)
		}
		seen[st.ID] = true
		st.Name = strings.TrimSpace(st.Name)
		checkText(&ps, f+".name", st.Name, 1, 100)
		if st.State != StageOpen && st.State != StageClosed {
			ps.add(f+".state", "%q is not one of open, closed", st.State)
		}
	}
	if err := ps.err(); err != nil {
		return Pipeline{}, err
	}
	if err := p.store.PutPipeline(ctx, pl); lostRace(err) {
		return Pipeline{}, conflict("stages", "a stage left out still has tickets: move them to another stage first")
	} else if err != nil {
		return Pipeline{}, classify(err)
	}
	return pl.Clone(), nil
}

// Pipelines returns the tenant's pipelines.
func (p *Portal) Pipelines(ctx context.Context, portalID uuid.UUID) ([]Pipeline, error) {
	ps, err := p.store.Pipelines(ctx, portalID)
	return ps, classify(err)
}

// SaveForm creates or updates a ticket form. Its fields name ticket
// properties; its channel, when set, must exist.
func (p *Portal) SaveForm(ctx context.Context, f Form) (Form, error) {
	f = f.Clone()
	_, _, err := prepare(ctx, p, f.PortalID, &f.ID, inList(p.store.Forms, func(x Form) uuid.UUID { return x.ID }))
	if err != nil {
		return Form{}, err
	}
	schema, err := p.Schema(ctx, f.PortalID)
	if err != nil {
		return Form{}, err
	}
	f.Name = strings.TrimSpace(f.Name)
	var ps problems
	checkText(&ps, "name", f.Name, 1, 100)
	if len(f.Fields) > 50 {
		ps.add("fields", "at most 50 fields")
	}
	seen := map[string]bool{}
	for i, fl := range f.Fields {
		field := fmt.Sprintf("fields[%d]", i)
		prop, ok := schema.Lookup(TicketObject, fl.Property)
		switch {
		case !ok:
			ps.add(field+".property", "unknown ticket property %q", fl.Property)
		case seen[fl.Property]:
			ps.add(field+".property", "%q is already a field", fl.Property)
		case prop.Builtin && fl.Property != PropSubject && fl.Property != PropContent && fl.Property != PropPriority:
			ps.add(field+".property", "%q is set by the helpdesk, not by a form", fl.Property)
		}
		seen[fl.Property] = true
		checkText(&ps, field+".label", fl.Label, 0, maxLabel)
	}
	if f.ChannelID != uuid.Nil {
		get := inList(p.store.Channels, func(x Channel) uuid.UUID { return x.ID })
		if _, err := ref(ctx, &ps, "channelId", "channel", f.PortalID, f.ChannelID, get); err != nil {
			return Form{}, err
		}
	}
	if err := ps.err(); err != nil {
		return Form{}, err
	}
	return f.Clone(), classify(p.store.PutForm(ctx, f))
}

// Forms returns the tenant's forms.
func (p *Portal) Forms(ctx context.Context, portalID uuid.UUID) ([]Form, error) {
	fs, err := p.store.Forms(ctx, portalID)
	return fs, classify(err)
}

// stamps returns the creation and update times of a record being saved: a
// new record keeps a creation time it was given (a host importing history)
// or gets now; an update keeps the stored one.
func (p *Portal) stamps(created bool, given, stored time.Time) (createdAt, updatedAt time.Time) {
	now := p.clock()
	switch {
	case !created:
		return stored, now
	case given.IsZero():
		return now, now
	}
	return given.UTC().Truncate(time.Microsecond), now
}

// after returns now, or a microsecond after prev when now is not later
// (a clock that stands still or went back): a contact's UpdatedAt rises
// with each write, so that a change decided on one version of the record
// is never written over another (ContactState.UpdatedAt, P16).
func after(now, prev time.Time) time.Time {
	if now.After(prev) {
		return now
	}
	return prev.Add(time.Microsecond)
}

// minTime and maxTime bound every date the portal keeps, years 1 to 9999:
// what every store holds exactly (Unix microseconds in 64 bits, and the
// RFC 3339 text of the records' documents).
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// badTime is the problem of a date outside minTime–maxTime.
var badTime = msg("must be a date in the years 1–9999")

// checkTime adds a problem when d is neither the zero time nor between
// minTime and maxTime.
func checkTime(ps *problems, field string, d time.Time) {
	if !d.IsZero() && !timeOK(d) {
		ps.addText(field, badTime)
	}
}

// timeOK reports whether d is between minTime and maxTime.
func timeOK(d time.Time) bool { return !d.Before(minTime) && !d.After(maxTime) }

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

func (p *Portal) checkProperties(ctx context.Context, ps *problems, portalID uuid.UUID, obj Object, props Properties) error {
	if len(props) == 0 {
		return nil
	}
	schema, err := p.Schema(ctx, portalID)
	if err != nil {
		return err
	}
	schema.checkValues(ps, obj, "properties", props)
	normValues(props)
	return nil
}

// checkIDs checks that ids are distinct and all in known.
func checkIDs[T any](ps *problems, field, what string, ids []uuid.UUID, known map[uuid.UUID]T) {
	if len(ids) > 100 {
		ps.add(field, "at most 100 entries")
		return
	}
	for i, id := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		if _, ok := known[id]; !ok {
			ps.add(f, "no such %s", what)
		} else if slices.Index(ids, id) < i {
			ps.add(f, "listed twice")
		}
	}
}

// emailInput is the address a customer typed as "email", normalized, or
// ErrInvalid naming "email" when it is none.
func emailInput(email string) (string, error) {
	email = NormalizeEmail(email)
	var ps problems
	checkEmail(&ps, "email", email, true)
	return email, ps.err()
}

// checkEmail adds a problem of field when v is not one e-mail address
// alone (no name), or is empty though required.
func checkEmail(ps *problems, field, v string, required bool) {
	if v == "" {
		if required {
			ps.add(field, "is required")
		}
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" || len(v) > 254 {
		ps.add(field, "%q is not an e-mail address", v)
	}
}
