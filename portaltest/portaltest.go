// Package portaltest generates a realistic helpdesk for tests, benchmarks
// and examples: one tenant with custom properties, channels, pipelines,
// contact lists, owners, companies, contacts, tickets with threads and
// messages, a support form and settings that refer to all of them.
//
// Generate is deterministic: the same Size and seed give the same content —
// names, e-mail addresses, subjects, texts, property values, associations,
// stages, counts and dates — on every run and every store. Record IDs are not
// part of that: the Portal assigns them. The creation and activity dates of
// tickets, threads and messages are spread over the two years before
// BaseTime, never after it; a Portal built with
// portal.Options{Now: portaltest.Now} sees them as recent. Contacts and
// companies get their CreatedAt from the Portal's clock.
//
// Every record is created through the Portal's host operations
// (RegisterProperty, Save*, AddMessage, SaveSettings), so whatever Generate
// makes has passed the Portal's validation.
//
// What the data looks like (with the default Size):
//
//   - Custom properties: ticket "orderNumber" (number), "product"
//     (enumeration, one option value is non-ASCII: "mælkeskummer"),
//     "warranty" (boolean) and "dueDate" (date); company "tier"
//     (enumeration gold/silver/bronze); contact "language" (text).
//   - Channels: an inbox ("Support-indbakke", does not create tickets) and a
//     help desk ("Helpdesk", CreatesTickets), in that order.
//   - Pipelines: "Support" (New, Waiting on contact, Waiting on us open;
//     Closed closed) and "Returns" (Received, Inspecting open; Refunded,
//     Rejected closed), in that order.
//   - Contact lists: "Portalbrugere" (the list whose members may log in),
//     "VIP-kunder" and "Nyhedsbrev", in that order.
//   - Owners: the first four are Mette Kristensen (alias "Mette fra
//     Support"), Søren Østergaard (no alias), Åse Bækgaard (alias "Åse B.")
//     and Jens (first name only, no e-mail); more are made up.
//   - Companies with Danish and other non-ASCII names ("Æblegården ApS",
//     "Østergaard & Søn", "Müller GmbH", "Åkerström AB", "Zoë's Café" …);
//     every fourth has no domain.
//   - Contacts: ContactsPerCompany per company, each with that company as
//     primary company and a member of "Portalbrugere" (some also of the other
//     lists); then LooseContacts without a company, of which those at odd
//     positions are in no list (so they may not log in) and the second has
//     no name, only an e-mail. E-mail addresses are unique and ASCII.
//   - Tickets: mostly associated with the requester and the requester's
//     company; some with several contacts of one company, some with a loose
//     contact and no company, some with a company contact but not its
//     company, some with a company and no contact (no requester). The first
//     five tickets have those shapes in that order, so every shape is present
//     whatever the seed. Some have no owner (always the fourth ticket), no
//     priority or no channel.
//     Subjects and contents are mostly Danish (æ, ø, å, Æ, Ø, Å); every
//     tenth ticket (positions 9, 19, …) has a subject with %, _, quotes,
//     backslashes, * or HTML-like text. Older tickets are more often closed.
//   - Threads: 1 to ThreadsPerTicket per ticket; the first is visible in the
//     portal, a later one is sometimes visible too, otherwise hidden.
//   - Messages: 1 to MessagesPerThread per thread, of every kind. The first
//     message of a ticket is the customer's and holds the ticket's content.
//     Agents write from @support.example; some agent messages, notes and
//     comments come from InternalDomain (@helpdesk.example), which the
//     settings list as an internal sender. Every kind, and an agent message
//     from an internal sender, occur in visible threads whatever the seed
//     (given MessagesPerThread ≥ 2). Some messages have attachments.
//   - Form: "Supportformular" with fields subject, content and product,
//     connected to the help desk.
//   - Settings: enabled, named "Kundeportal", default channel the help desk,
//     support form enabled with that form, access through "Portalbrugere",
//     InternalDomain as internal sender, customers may close tickets
//     (Returns tickets close as Rejected); everything else as
//     portal.DefaultSettings.
package portaltest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// BaseTime is the fixed "now" of the generated data: every date lies in the
// two years before it. Do not change it.
var BaseTime = time.Date(2026, time.June, 1, 0, 0, 0, 0, time.UTC)

// Now returns BaseTime; use it as portal.Options.Now so that the generated
// dates are as recent to the Portal as they were meant to be.
func Now() time.Time { return BaseTime }

// Domains of the generated e-mail addresses.
const (
	// AgentDomain is the domain of the owners' (agents') addresses.
	AgentDomain = "support.example"
	// InternalDomain is the domain of internal staff whose messages are
	// internal communication; the generated settings list "@"+InternalDomain
	// in Conversations.InternalSenders (S9).
	InternalDomain = "helpdesk.example"
)

// Size says how much to generate. Zero fields take the defaults below;
// negative ones are an error.
type Size struct {
	Companies          int // default 5
	ContactsPerCompany int // default 4
	LooseContacts      int // contacts without a company; default 3
	Owners             int // default 4
	Tickets            int // default 60
	ThreadsPerTicket   int // the most threads of one ticket; default 3
	MessagesPerThread  int // the most messages of one thread; default 4
}

// The default Size.
const (
	DefaultCompanies          = 5
	DefaultContactsPerCompany = 4
	DefaultLooseContacts      = 3
	DefaultOwners             = 4
	DefaultTickets            = 60
	DefaultThreadsPerTicket   = 3
	DefaultMessagesPerThread  = 4
)

// WithDefaults returns s with every zero field set to its default.
func (s Size) WithDefaults() Size {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&s.Companies, DefaultCompanies)
	def(&s.ContactsPerCompany, DefaultContactsPerCompany)
	def(&s.LooseContacts, DefaultLooseContacts)
	def(&s.Owners, DefaultOwners)
	def(&s.Tickets, DefaultTickets)
	def(&s.ThreadsPerTicket, DefaultThreadsPerTicket)
	def(&s.MessagesPerThread, DefaultMessagesPerThread)
	return s
}

func (s Size) check() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"Companies", s.Companies}, {"ContactsPerCompany", s.ContactsPerCompany},
		{"LooseContacts", s.LooseContacts}, {"Owners", s.Owners}, {"Tickets", s.Tickets},
		{"ThreadsPerTicket", s.ThreadsPerTicket}, {"MessagesPerThread", s.MessagesPerThread},
	} {
		if f.v < 0 {
			return fmt.Errorf("portaltest: Size.%s is negative (%d)", f.name, f.v)
		}
	}
	return nil
}

// Dataset is what Generate made: the tenant and every record as stored, in
// creation order, so tests can find them. Messages of a thread follow each
// other; Threads and Messages carry their TicketID.
type Dataset struct {
	Tenant portal.Tenant
	// Channels are the inbox, then the help desk.
	Channels []portal.Channel
	// Pipelines are "Support", then "Returns".
	Pipelines []portal.Pipeline
	// Lists are "Portalbrugere", "VIP-kunder", "Nyhedsbrev".
	Lists  []portal.ContactList
	Owners []portal.Owner
	// Companies come first in Contacts' order: the contacts of company i are
	// Contacts[i*ContactsPerCompany : (i+1)*ContactsPerCompany], then the
	// loose contacts follow.
	Companies []portal.Company
	Contacts  []portal.Contact
	Tickets   []portal.Ticket
	Threads   []portal.Thread
	Messages  []portal.Message
	// Form is the support form, connected to the help desk.
	Form portal.Form
	// Settings are the settings as saved.
	Settings portal.Settings
}

// Inbox returns the inbox channel.
func (d *Dataset) Inbox() portal.Channel { return d.Channels[0] }

// HelpDesk returns the help desk channel (the default channel).
func (d *Dataset) HelpDesk() portal.Channel { return d.Channels[1] }

// Support returns the "Support" pipeline.
func (d *Dataset) Support() portal.Pipeline { return d.Pipelines[0] }

// Returns returns the "Returns" pipeline.
func (d *Dataset) Returns() portal.Pipeline { return d.Pipelines[1] }

// PortalUsers returns the contact list whose members may log in.
func (d *Dataset) PortalUsers() portal.ContactList { return d.Lists[0] }

// Custom property names.
const (
	PropOrderNumber = "orderNumber" // ticket, number
	PropProduct     = "product"     // ticket, enumeration
	PropWarranty    = "warranty"    // ticket, boolean
	PropDueDate     = "dueDate"     // ticket, date
	PropTier        = "tier"        // company, enumeration gold/silver/bronze
	PropLanguage    = "language"    // contact, text
)

// Generate creates a new tenant in p and fills it as the package comment
// describes. It stops at the first error, which names the record it was
// making; the tenant then holds what was made before.
func Generate(ctx context.Context, p *portal.Portal, size Size, seed uint64) (*Dataset, error) {
	if p == nil {
		return nil, errors.New("portaltest: nil Portal")
	}
	if err := size.check(); err != nil {
		return nil, err
	}
	g := &gen{
		ctx:    ctx,
		p:      p,
		size:   size.WithDefaults(),
		r:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		emails: map[string]bool{},
		d:      &Dataset{},
	}
	steps := []struct {
		what string
		fn   func() error
	}{
		{"tenant", func() error { return g.tenant(seed) }},
		{"properties", g.properties},
		{"channels", g.channels},
		{"pipelines", g.pipelines},
		{"contact lists", g.lists},
		{"owners", g.owners},
		{"companies", g.companies},
		{"contacts", g.contacts},
		{"tickets", g.tickets},
		{"form", g.form},
		{"settings", g.settings},
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("portaltest: %s: %w", s.what, err)
		}
	}
	return g.d, nil
}

type gen struct {
	ctx    context.Context
	p      *portal.Portal
	size   Size
	r      *rand.Rand
	emails map[string]bool
	d      *Dataset

	pid uuid.UUID
	// pending are message features still to be placed so that every one
	// occurs whatever the seed.
	pending []msgSpec
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// between returns a random int in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func (g *gen) tenant(seed uint64) error {
	t, err := g.p.CreateTenant(g.ctx, fmt.Sprintf("Kaffe & Kværn Support (seed %d)", seed))
	if err != nil {
		return err
	}
	g.d.Tenant, g.pid = t, t.ID
	return nil
}

var productOptions = []portal.Option{
	{Value: "espresso", Label: "Espressomaskine Æ-200"},
	{Value: "grinder", Label: "Kaffekværn Ø-50"},
	{Value: "mælkeskummer", Label: "Mælkeskummer"},
	{Value: "kettle", Label: "Elkedel Å-1"},
	{Value: "spare-part", Label: "Reservedel"},
}

// productNames are the products as customers write them, by option.
var productNames = map[string]string{
	"espresso": "espressomaskine", "grinder": "kaffekværn", "mælkeskummer": "mælkeskummer",
	"kettle": "elkedel", "spare-part": "reservedel",
}

var tiers = []string{"gold", "silver", "bronze"}

func (g *gen) properties() error {
	defs := []struct {
		obj  portal.Object
		prop portal.Property
	}{
		{portal.TicketObject, portal.Property{Name: PropOrderNumber, Label: "Ordrenummer", Type: portal.Number}},
		{portal.TicketObject, portal.Property{Name: PropProduct, Label: "Produkt", Type: portal.Enumeration, Options: productOptions}},
		{portal.TicketObject, portal.Property{Name: PropWarranty, Label: "Garanti", Type: portal.Boolean}},
		{portal.TicketObject, portal.Property{Name: PropDueDate, Label: "Forfaldsdato", Type: portal.Date}},
		{portal.CompanyObject, portal.Property{Name: PropTier, Label: "Kundeniveau", Type: portal.Enumeration, Options: []portal.Option{
			{Value: "gold", Label: "Guld"}, {Value: "silver", Label: "Sølv"}, {Value: "bronze", Label: "Bronze"}}}},
		{portal.ContactObject, portal.Property{Name: PropLanguage, Label: "Sprog", Type: portal.Text}},
	}
	for _, d := range defs {
		if err := g.p.RegisterProperty(g.ctx, g.pid, d.obj, d.prop); err != nil {
			return fmt.Errorf("%s.%s: %w", d.obj, d.prop.Name, err)
		}
	}
	return nil
}

func (g *gen) channels() error {
	for _, c := range []portal.Channel{
		{Name: "Support-indbakke", Kind: portal.Inbox},
		{Name: "Helpdesk", Kind: portal.HelpDesk, CreatesTickets: true},
	} {
		c.PortalID = g.pid
		if err := add(g, &g.d.Channels, g.p.SaveChannel, c); err != nil {
			return fmt.Errorf("%q: %w", c.Name, err)
		}
	}
	return nil
}

func (g *gen) pipelines() error {
	open, closed := portal.StageOpen, portal.StageClosed
	for _, pl := range []portal.Pipeline{
		{Name: "Support", Stages: []portal.Stage{
			{Name: "New", State: open}, {Name: "Waiting on contact", State: open},
			{Name: "Waiting on us", State: open}, {Name: "Closed", State: closed}}},
		{Name: "Returns", Stages: []portal.Stage{
			{Name: "Received", State: open}, {Name: "Inspecting", State: open},
			{Name: "Refunded", State: closed}, {Name: "Rejected", State: closed}}},
	} {
		pl.PortalID = g.pid
		if err := add(g, &g.d.Pipelines, g.p.SavePipeline, pl); err != nil {
			return fmt.Errorf("%q: %w", pl.Name, err)
		}
	}
	return nil
}

func (g *gen) lists() error {
	for _, name := range []string{"Portalbrugere", "VIP-kunder", "Nyhedsbrev"} {
		if err := add(g, &g.d.Lists, g.p.SaveContactList, portal.ContactList{PortalID: g.pid, Name: name}); err != nil {
			return fmt.Errorf("%q: %w", name, err)
		}
	}
	return nil
}

var firstNames = []string{
	"Anne", "Søren", "Mette", "Jørgen", "Åse", "Birgitte", "Lærke", "Mads", "Rasmus", "Ida",
	"Frederik", "Signe", "Nikolaj", "Sofie", "Ægir", "Øjvind", "Zoë", "Jürgen", "Björn", "Chloé",
	"Malte", "Karen", "Bo", "Asta", "Henrik", "Tove", "Esben", "Gry", "Niels", "Ulla",
}

var lastNames = []string{
	"Jensen", "Nielsen", "Hansen", "Pedersen", "Østergaard", "Sørensen", "Kjær", "Mølgaard",
	"Ødegaard", "Bækgaard", "Müller", "Åberg", "Lindström", "Dubois", "O'Brien", "Holm",
	"Thomsen", "Lund", "Dahl", "Skovgård", "Frølich", "Brøndum",
}

func (g *gen) owners() error {
	fixed := []portal.Owner{
		{FirstName: "Mette", LastName: "Kristensen", Alias: "Mette fra Support", Email: "mette.kristensen@" + AgentDomain},
		{FirstName: "Søren", LastName: "Østergaard", Email: "soeren.oestergaard@" + AgentDomain},
		{FirstName: "Åse", LastName: "Bækgaard", Alias: "Åse B.", Email: "aase.baekgaard@" + AgentDomain},
		{FirstName: "Jens"},
	}
	for i := range g.size.Owners {
		var o portal.Owner
		if i < len(fixed) {
			o = fixed[i]
		} else {
			o.FirstName, o.LastName = pick(g, firstNames), pick(g, lastNames)
			if i%3 == 0 {
				o.Alias = o.FirstName + " " + string([]rune(o.LastName)[:1]) + "."
			}
			o.Email = g.email(o.FirstName, o.LastName, AgentDomain)
		}
		if o.Email != "" {
			g.emails[o.Email] = true
		}
		o.PortalID = g.pid
		if err := add(g, &g.d.Owners, g.p.SaveOwner, o); err != nil {
			return fmt.Errorf("owner %d: %w", i, err)
		}
	}
	return nil
}

var companyNames = []string{
	"Æblegården ApS", "Østergaard & Søn", "Müller GmbH", "Åkerström AB", "Zoë's Café",
	"Nordlys A/S", "Bølgen Surf ApS", "Café Ærø", "Fjord & Fyr I/S", "Smørrebrød Kompagniet",
	"Kähler Design", "Dansk Ål & Sild", "Haugesund Båt AS", "Grøn Energi A/S",
	"L'Atelier Français SARL", "Łódź Trading Sp. z o.o.", "Kaffebønnen", "Brødrene Ørsted",
}

var (
	namePrefixes = []string{"Nord", "Syd", "Øst", "Vest", "Grøn", "Blå", "Hav", "Skov", "Fjord", "Bølge", "Ege", "Lærke", "Strand", "Mølle"}
	nameMiddles  = []string{"gården", "huset", "værket", "lund", "havn", "bageriet", "kilden", "ristet"}
	nameSuffixes = []string{"ApS", "A/S", "I/S", "AB", "GmbH", "AS", "& Co."}
)

func (g *gen) companies() error {
	used := map[string]bool{}
	domains := map[string]bool{}
	for i := range g.size.Companies {
		name := ""
		if i < len(companyNames) {
			name = companyNames[i]
		} else {
			name = pick(g, namePrefixes) + pick(g, nameMiddles) + " " + pick(g, nameSuffixes)
		}
		for n, base := 2, name; used[name]; n++ {
			name = fmt.Sprintf("%s %d", base, n)
		}
		used[name] = true
		c := portal.Company{PortalID: g.pid, Name: name}
		if i%4 != 3 {
			base := slug(stripLegal(name), "-")
			d := base + ".example"
			for n := 2; domains[d]; n++ {
				d = fmt.Sprintf("%s%d.example", base, n)
			}
			domains[d] = true
			c.Domain = d
		}
		if g.chance(0.8) {
			c.Properties = portal.Properties{PropTier: pick(g, tiers)}
		}
		if err := add(g, &g.d.Companies, g.p.SaveCompany, c); err != nil {
			return fmt.Errorf("%q: %w", name, err)
		}
	}
	return nil
}

var languages = []string{"da", "da", "da", "sv", "de", "en", "nb"}

var freeMail = []string{"post.example", "webmail.example", "mail.example"}

func (g *gen) contacts() error {
	portalUsers, vip, newsletter := g.d.Lists[0].ID, g.d.Lists[1].ID, g.d.Lists[2].ID
	for ci, co := range g.d.Companies {
		gold := co.Properties[PropTier] == "gold"
		for j := range g.size.ContactsPerCompany {
			c := portal.Contact{PortalID: g.pid, CompanyID: co.ID, Lists: []uuid.UUID{portalUsers}}
			c.FirstName = pick(g, firstNames)
			if !g.chance(0.05) {
				c.LastName = pick(g, lastNames)
			}
			domain := co.Domain
			if domain == "" {
				domain = pick(g, freeMail)
			}
			c.Email = g.email(c.FirstName, c.LastName, domain)
			if gold && (j == 0 || g.chance(0.5)) {
				c.Lists = append(c.Lists, vip)
			}
			if g.chance(0.3) {
				c.Lists = append(c.Lists, newsletter)
			}
			if g.chance(0.6) {
				c.Properties = portal.Properties{PropLanguage: pick(g, languages)}
			}
			if err := add(g, &g.d.Contacts, g.p.SaveContact, c); err != nil {
				return fmt.Errorf("contact %d of company %d: %w", j, ci, err)
			}
		}
	}
	for j := range g.size.LooseContacts {
		c := portal.Contact{PortalID: g.pid}
		if j != 1 {
			c.FirstName, c.LastName = pick(g, firstNames), pick(g, lastNames)
		}
		if j%2 == 0 {
			c.Lists = []uuid.UUID{portalUsers}
			if g.chance(0.4) {
				c.Lists = append(c.Lists, newsletter)
			}
		}
		if c.FirstName == "" {
			c.Email = g.email(fmt.Sprintf("kunde%d", j+1), "", pick(g, freeMail))
		} else {
			c.Email = g.email(c.FirstName, c.LastName, pick(g, freeMail))
		}
		if g.chance(0.5) {
			c.Properties = portal.Properties{PropLanguage: pick(g, languages)}
		}
		if err := add(g, &g.d.Contacts, g.p.SaveContact, c); err != nil {
			return fmt.Errorf("loose contact %d: %w", j, err)
		}
	}
	return nil
}

// add saves x through save, the portal's method for its kind, and appends
// what was saved to the dataset's records of that kind, *to.
func add[T any](g *gen, to *[]T, save func(context.Context, T) (T, error), x T) error {
	saved, err := save(g.ctx, x)
	if err != nil {
		return err
	}
	*to = append(*to, saved)
	return nil
}

// email returns a unique ASCII address first.last@domain.
func (g *gen) email(first, last, domain string) string {
	local := slug(first, ".")
	if l := slug(last, "."); l != "" {
		local += "." + l
	}
	if local == "" {
		local = "kunde"
	}
	e := local + "@" + domain
	for n := 2; g.emails[e]; n++ {
		e = fmt.Sprintf("%s%d@%s", local, n, domain)
	}
	g.emails[e] = true
	return e
}

var fold = strings.NewReplacer(
	"æ", "ae", "ø", "oe", "å", "aa", "ä", "ae", "ö", "oe", "ü", "ue", "é", "e", "è", "e",
	"ë", "e", "ç", "c", "ł", "l", "ó", "o", "ź", "z", "ß", "ss", "'", "",
)

// slug folds s to lowercase ASCII letters and digits, words joined by sep.
func slug(s, sep string) string {
	s = fold.Replace(strings.ToLower(s))
	var words []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		words = append(words, w)
	}
	return strings.Join(words, sep)
}

var legalForms = []string{" ApS", " A/S", " I/S", " AB", " GmbH", " AS", " SARL", " Sp. z o.o.", " & Co."}

func stripLegal(name string) string {
	for _, l := range legalForms {
		if s, ok := strings.CutSuffix(name, l); ok {
			return s
		}
	}
	return name
}

func (g *gen) form() error {
	f, err := g.p.SaveForm(g.ctx, portal.Form{
		PortalID: g.pid,
		Name:     "Supportformular",
		Fields: []portal.FormField{
			{Property: portal.PropSubject, Label: "Emne", Required: true},
			{Property: portal.PropContent, Label: "Beskriv dit problem", Required: true},
			{Property: PropProduct},
		},
		ChannelID: g.d.Channels[1].ID,
	})
	if err != nil {
		return err
	}
	g.d.Form = f
	return nil
}

func (g *gen) settings() error {
	s, err := g.p.Settings(g.ctx, g.pid)
	if err != nil {
		return err
	}
	returns := g.d.Pipelines[1]
	s.Enabled = true
	s.Name = "Kundeportal"
	s.DefaultChannel = g.d.Channels[1].ID
	s.SupportForm.Enabled = true
	s.SupportForm.FormID = g.d.Form.ID
	s.Access.Lists = []uuid.UUID{g.d.Lists[0].ID}
	s.Conversations.InternalSenders = []string{"@" + InternalDomain}
	s.Actions.CustomerClose = true
	s.Actions.CloseStages = map[uuid.UUID]uuid.UUID{returns.ID: returns.Stages[3].ID}
	saved, err := g.p.SaveSettings(g.ctx, g.pid, s)
	if err != nil {
		return err
	}
	g.d.Settings = saved
	return nil
}
