package portaltest

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// shape is how a ticket is associated with contacts and companies.
type shape int

const (
	shapeNormal      shape = iota // the requester and its company
	shapeColleagues               // several contacts of one company, and the company
	shapeLoose                    // a contact without a company
	shapeNotCompany               // a company contact, but not its company
	shapeCompanyOnly              // a company and no contact (no requester)
	numShapes
)

var shapeWeights = []int{65, 12, 12, 5, 6}

// msgSpec is a kind of message and whether an internal sender writes it.
type msgSpec struct {
	kind     portal.MessageKind
	internal bool
}

type msgPlan struct {
	kind        portal.MessageKind
	from        string
	text        string
	at          time.Time
	attachments []portal.Attachment
}

type threadPlan struct {
	visible bool
	at      time.Time
	msgs    []msgPlan
}

// ticketCtx is what the texts of one ticket are made from.
type ticketCtx struct {
	i        int
	owner    *portal.Owner
	contacts []portal.Contact
	company  *portal.Company
	product  string // as a customer writes it
	order    string // order number
	special  bool
}

var internalSenders = []string{
	"lager@" + InternalDomain, "faktura@" + InternalDomain, "it-drift@" + InternalDomain,
}

func (g *gen) tickets() error {
	cpc := g.size.ContactsPerCompany
	loose := g.d.Contacts[len(g.d.Companies)*cpc:]
	g.pending = []msgSpec{
		{portal.AgentMessage, false}, {portal.InternalNote, false},
		{portal.Comment, false}, {portal.AgentMessage, true},
	}
	support, returns := g.d.Pipelines[0], g.d.Pipelines[1]
	for i := range g.size.Tickets {
		if err := g.ctx.Err(); err != nil {
			return err
		}
		sh := shape(i)
		if i >= int(numShapes) {
			sh = shape(g.weighted(shapeWeights))
		}
		if sh == shapeColleagues && cpc < 2 {
			sh = shapeNormal
		}

		t := portal.Ticket{PortalID: g.pid}
		tc := ticketCtx{i: i}
		ci := g.r.IntN(len(g.d.Companies))
		if sh == shapeCompanyOnly {
			// A company with a domain, so that its mail has an address;
			// the first company always has one.
			for g.d.Companies[ci].Domain == "" {
				ci--
			}
		}
		staff := g.d.Contacts[ci*cpc : (ci+1)*cpc]
		switch sh {
		case shapeNormal, shapeNotCompany:
			tc.contacts = []portal.Contact{pick(g, staff)}
		case shapeColleagues:
			k := g.between(2, min(cpc, 4))
			for _, j := range g.r.Perm(cpc)[:k] {
				tc.contacts = append(tc.contacts, staff[j])
			}
		case shapeLoose:
			tc.contacts = []portal.Contact{pick(g, loose)}
		}
		if sh == shapeNormal || sh == shapeColleagues || sh == shapeCompanyOnly {
			tc.company = &g.d.Companies[ci]
			t.CompanyIDs = []uuid.UUID{tc.company.ID}
		}
		for _, c := range tc.contacts {
			t.ContactIDs = append(t.ContactIDs, c.ID)
		}
		if len(tc.contacts) > 0 {
			t.RequesterID = tc.contacts[0].ID
		}

		if i != 3 && !g.chance(0.15) {
			tc.owner = &g.d.Owners[g.r.IntN(len(g.d.Owners))]
			t.OwnerID = tc.owner.ID
		}
		t.Priority = []portal.Priority{"", portal.PriorityLow, portal.PriorityMedium,
			portal.PriorityHigh, portal.PriorityUrgent}[g.weighted([]int{20, 25, 30, 17, 8})]
		switch g.weighted([]int{55, 40, 5}) {
		case 0:
			t.ChannelID = g.d.Channels[1].ID
		case 1:
			t.ChannelID = g.d.Channels[0].ID
		}

		age := time.Hour + time.Duration(g.r.Int64N(int64(730*24*time.Hour-time.Hour)))
		t.CreatedAt = BaseTime.Add(-age).Truncate(time.Second)
		closedP := 0.25
		switch {
		case age > 60*24*time.Hour:
			closedP = 0.85
		case age > 14*24*time.Hour:
			closedP = 0.6
		}
		closed := g.chance(closedP)
		pl := support
		if g.chance(0.2) {
			pl = returns
		}
		t.PipelineID = pl.ID
		switch {
		case closed && pl.ID == returns.ID && g.chance(0.6):
			t.StageID = pl.Stages[2].ID // Refunded
		case closed && pl.ID == returns.ID:
			t.StageID = pl.Stages[3].ID // Rejected
		case closed:
			t.StageID = pl.Stages[3].ID // Closed
		default:
			open := 2
			if pl.ID == support.ID {
				open = 3
			}
			t.StageID = pl.Stages[g.r.IntN(open)].ID
		}

		t.Properties = portal.Properties{}
		isReturn := pl.ID == returns.ID
		// Customers mention an order number whether or not the agent has
		// filled in the property.
		order := g.between(100000, 999999)
		tc.order = strconv.Itoa(order)
		if isReturn || g.chance(0.6) {
			t.Properties[PropOrderNumber] = float64(order)
		}
		opt := pick(g, productOptions).Value
		if isReturn || g.chance(0.7) {
			t.Properties[PropProduct] = opt
		}
		tc.product = productNames[opt]
		if g.chance(0.5) {
			t.Properties[PropWarranty] = g.chance(0.5)
		}
		if g.chance(0.3) {
			t.Properties[PropDueDate] = t.CreatedAt.Truncate(24*time.Hour).AddDate(0, 0, g.between(3, 30))
		}
		if len(t.Properties) == 0 {
			t.Properties = nil
		}

		tc.special = i%10 == 9
		t.Subject = g.subject(&tc, isReturn)
		threads := g.plan(&tc, t.CreatedAt)
		t.Content = threads[0].msgs[0].text
		t.LastActivityAt = t.CreatedAt
		for _, th := range threads {
			for _, m := range th.msgs {
				if m.at.After(t.LastActivityAt) {
					t.LastActivityAt = m.at
				}
			}
		}

		saved, err := g.p.SaveTicket(g.ctx, t)
		if err != nil {
			return fmt.Errorf("ticket %d: %w", i, err)
		}
		g.d.Tickets = append(g.d.Tickets, saved)
		if err := g.saveThreads(saved, threads); err != nil {
			return fmt.Errorf("ticket %d: %w", i, err)
		}
	}
	return nil
}

// weighted returns an index into weights, chosen with those weights.
func (g *gen) weighted(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := g.r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func (g *gen) saveThreads(t portal.Ticket, threads []threadPlan) error {
	for k, tp := range threads {
		th, err := g.p.SaveThread(g.ctx, portal.Thread{
			PortalID: g.pid, TicketID: t.ID, VisibleInPortal: tp.visible, CreatedAt: tp.at,
		})
		if err != nil {
			return fmt.Errorf("thread %d: %w", k, err)
		}
		g.d.Threads = append(g.d.Threads, th)
		for j, mp := range tp.msgs {
			m, err := g.p.AddMessage(g.ctx, portal.Message{
				PortalID: g.pid, ThreadID: th.ID, Kind: mp.kind, From: mp.from,
				Body: toHTML(mp.text), Text: mp.text, Attachments: mp.attachments, CreatedAt: mp.at,
			})
			if err != nil {
				return fmt.Errorf("thread %d, message %d: %w", k, j, err)
			}
			g.d.Messages = append(g.d.Messages, m)
		}
	}
	return nil
}

// plan lays out a ticket's threads and messages, from created on and never
// after BaseTime.
func (g *gen) plan(tc *ticketCtx, created time.Time) []threadPlan {
	threads := make([]threadPlan, g.between(1, g.size.ThreadsPerTicket))
	total := 0
	for k := range threads {
		threads[k].msgs = make([]msgPlan, g.between(1, g.size.MessagesPerThread))
		total += len(threads[k].msgs)
	}
	maxGap := min(3*24*time.Hour, BaseTime.Sub(created)/time.Duration(total+len(threads)))
	gap := func() time.Duration {
		if maxGap <= time.Minute {
			return maxGap.Truncate(time.Second)
		}
		return (time.Minute + time.Duration(g.r.Int64N(int64(maxGap-time.Minute)))).Truncate(time.Second)
	}
	at := created
	for k := range threads {
		th := &threads[k]
		th.visible = k == 0 || g.chance(0.25)
		if k > 0 {
			at = at.Add(gap())
		}
		th.at = at
		for j := range th.msgs {
			if j > 0 {
				at = at.Add(gap())
			}
			var spec msgSpec
			switch {
			case k == 0 && j == 0:
				spec = msgSpec{kind: portal.CustomerMessage}
			case j == 0:
				spec = msgSpec{kind: []portal.MessageKind{portal.CustomerMessage, portal.AgentMessage}[g.r.IntN(2)]}
			case th.visible && len(g.pending) > 0:
				spec, g.pending = g.pending[0], g.pending[1:]
			default:
				spec.kind = []portal.MessageKind{portal.CustomerMessage, portal.AgentMessage,
					portal.InternalNote, portal.Comment}[g.weighted([]int{30, 35, 20, 15})]
				switch spec.kind {
				case portal.AgentMessage:
					spec.internal = g.chance(0.15)
				case portal.InternalNote, portal.Comment:
					spec.internal = g.chance(0.3)
				}
			}
			th.msgs[j] = g.message(tc, spec, k == 0 && j == 0, at)
		}
	}
	return threads
}

func (g *gen) message(tc *ticketCtx, spec msgSpec, first bool, at time.Time) msgPlan {
	m := msgPlan{kind: spec.kind, at: at}
	var who string // the customer who writes or is written to
	var customer portal.Contact
	if len(tc.contacts) > 0 {
		customer = tc.contacts[0]
		if !first {
			customer = pick(g, tc.contacts)
		}
		who = customer.FirstName
	}
	agent, agentName := "support@"+AgentDomain, "Kundeservice"
	if tc.owner != nil {
		agentName = tc.owner.FirstName
		if tc.owner.Email != "" {
			agent = tc.owner.Email
		}
	}
	internal := pick(g, internalSenders)
	switch spec.kind {
	case portal.CustomerMessage:
		if customer.Email != "" {
			m.from = customer.Email
		} else {
			m.from = "info@" + tc.company.Domain
		}
		if first {
			m.text = g.firstText(tc, who)
		} else {
			m.text = fill(pick(g, customerReplies), tc, who, agentName)
		}
	case portal.AgentMessage:
		m.from = agent
		if spec.internal {
			m.from = internal
			agentName = strings.Split(internal, "@")[0]
		}
		m.text = fill(pick(g, agentReplies), tc, who, agentName)
	case portal.InternalNote, portal.Comment:
		m.from = agent
		if spec.internal {
			m.from = internal
		}
		texts := notes
		if spec.kind == portal.Comment {
			texts = comments
		}
		m.text = fill(pick(g, texts), tc, who, pick(g, g.d.Owners).FirstName)
	}
	if (spec.kind == portal.CustomerMessage || spec.kind == portal.AgentMessage) && g.chance(0.08) {
		for range g.between(1, 2) {
			a := pick(g, attachmentKinds)
			a.Size = int64(g.between(1<<10, 5<<20))
			a.BlobKey = fmt.Sprintf("portaltest/%08x", g.r.Uint32())
			m.attachments = append(m.attachments, a)
		}
	}
	return m
}

var attachmentKinds = []portal.Attachment{
	{Name: "kvittering.pdf", ContentType: "application/pdf"},
	{Name: "billede af fejl.jpg", ContentType: "image/jpeg"},
	{Name: "faktura-ø-2026.pdf", ContentType: "application/pdf"},
	{Name: "log.txt", ContentType: "text/plain"},
	{Name: "garantibevis.png", ContentType: "image/png"},
}

// Subject templates: {p} is the product, {o} the order number.
var (
	subjects = []string{
		"Min {p} virker ikke",
		"Spørgsmål til faktura for ordre {o}",
		"Levering af ordre {o} er forsinket",
		"Ændring af leveringsadresse",
		"Kan I hjælpe med opsætning af {p}?",
		"Garantisag: {p} larmer",
		"Åbningstider i påsken?",
		"Fejl på hjemmesiden ved betaling",
		"Ønske om ny {p}",
		"Tak for hurtig hjælp!",
		"Øv, {p} lækker vand",
		"Reservedele til {p}",
		"Cannot log in to my account",
		"Invoice {o} charged twice",
	}
	returnSubjects = []string{
		"Returnering af {p} – ordre {o}",
		"Reklamation: {p} gik i stykker efter to uger",
		"Ønsker pengene tilbage for ordre {o}",
		"Forkert vare modtaget (ordre {o})",
	}
	specialSubjects = []string{
		`Rabat på 50% virker ikke ved køb af 2 stk.`,
		`Feltet "kunde_nr" bliver ikke gemt`,
		`Sti C:\Users\søren\ordre.pdf kan ikke åbnes`,
		`O'Brien's ordre: 100% ikke tilfreds`,
		`Søgning på *_% giver alle resultater`,
		`Tekst med <b>fed</b> & "citater" vises forkert`,
		`Backslash \ og procent % og understreg _ i ét emne`,
		`Kunden skrev 'hjælp!!' – ÆØÅ æøå`,
	}
	firstTexts = []string{
		"Hej,\n\nJeg har købt en {p}, og den virker ikke længere. Den tænder, men så sker der ingenting. Kan I hjælpe?\n\nVenlig hilsen\n{c}",
		"Hej med jer\n\nVi har stadig problemer med ordre {o}. Hvornår kan vi forvente svar?\n\nMed venlig hilsen\n{c}",
		"Goddag\n\nJeg vil gerne høre, om min {p} er dækket af garantien. Den er købt for et år siden.\n\nHilsen {c}",
		"Hej\n\nDer står en forkert pris på min faktura (ordre {o}). Kan I rette den?\n\nTak på forhånd\n{c}",
		"Hello,\n\nMy {p} stopped working after the last update. Please advise.\n\nBest regards,\n{c}",
		"Hej!\n\nMin {p} lækker vand fra bunden. Skal jeg sende den retur?\n\nMvh. {c}",
	}
	specialTexts = []string{
		"Hej,\n\nRabatkoden giver 50% på én vare, men 0% på to. Feltet rabat_kode er udfyldt med \"SOMMER_50%\".\n\nHilsen {c}",
		"Hej,\n\nFilen ligger i C:\\Temp\\ordre_{o}.pdf og kan ikke åbnes. Fejlen siger: 'adgang nægtet'.\n\n{c}",
		"Hej,\n\nSøgning på \"100%\" eller \"a_b\" eller 'æ\\ø' finder alt for meget. <script>alert(1)</script> står også i feltet.\n\n{c}",
	}
	customerReplies = []string{
		"Tak for svaret. Det virker desværre stadig ikke.\n\n{c}",
		"Hej {a}\n\nJeg har prøvet det, I foreslog, men fejlen er der stadig. Skal jeg sende et billede?\n\n{c}",
		"Super, nu virker det! Tusind tak for hjælpen.\n\n{c}",
		"Hvornår kan jeg forvente at høre fra jer? Det er nu en uge siden.\n\n{c}",
		"Jeg har vedhæftet kvitteringen for ordre {o}.\n\n{c}",
	}
	agentReplies = []string{
		"Hej {c}\n\nTak for din henvendelse. Vil du prøve at slukke din {p} og tænde den igen efter 30 sekunder?\n\nMed venlig hilsen\n{a}",
		"Hej {c}\n\nVi har bestilt en ny reservedel til dig. Den bliver sendt i løbet af et par dage.\n\nVenlig hilsen\n{a}",
		"Hej {c}\n\nDin sag om ordre {o} er nu løst. Du hører fra os, hvis der er mere.\n\nHilsen {a}",
		"Hi {c},\n\nThanks for reaching out. We have forwarded your case to our technicians.\n\nKind regards,\n{a}",
		"Hej {c}\n\nVi har brug for et billede af typeskiltet på din {p}, før vi kan gå videre.\n\nMvh. {a}",
	}
	notes = []string{
		"Intern note: kunden har ringet to gange om ordre {o}. Tjek i ERP før vi svarer.",
		"Intern note: garantien er udløbet, men vi giver en rabat på 20% som kulance.",
		"Intern note: {a} har talt med lageret – ny {p} afsendes fredag.",
		"Intern note: må ikke deles med kunden. Leverandøren har kendt fejl på {p}.",
	}
	comments = []string{
		"@{a} kan du kigge på denne? Det er en vigtig kunde.",
		"Sendt videre til 2. niveau.",
		"Samme fejl som sidste uge – se den anden sag om {p}.",
		"@{a} jeg tager den, når jeg er tilbage fra frokost.",
	}
)

func (g *gen) subject(tc *ticketCtx, isReturn bool) string {
	if tc.special {
		return specialSubjects[(tc.i/10)%len(specialSubjects)]
	}
	list := subjects
	if isReturn && g.chance(0.7) {
		list = returnSubjects
	}
	return fill(pick(g, list), tc, "", "")
}

func (g *gen) firstText(tc *ticketCtx, who string) string {
	if tc.special {
		return fill(pick(g, specialTexts), tc, who, "")
	}
	return fill(pick(g, firstTexts), tc, who, "")
}

// fill replaces {p} (product), {o} (order number), {c} (the customer's
// first name) and {a} (the agent's name) in a template.
func fill(tmpl string, tc *ticketCtx, customer, agent string) string {
	if customer == "" {
		customer = "kunde"
		if tc.company != nil {
			customer = tc.company.Name
		}
	}
	if agent == "" {
		agent = "Kundeservice"
	}
	return strings.NewReplacer("{p}", tc.product, "{o}", tc.order, "{c}", customer, "{a}", agent).Replace(tmpl)
}

// toHTML turns plain text into the sanitised HTML of a message body:
// paragraphs, line breaks, everything escaped.
func toHTML(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(text, "\n\n") {
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>")
			}
			b.WriteString(html.EscapeString(line))
		}
		b.WriteString("</p>")
	}
	return b.String()
}
