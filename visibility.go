package portal

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// DateLayout is how dates are shown in the ticket list, detail and export:
// UTC, to the minute.
const DateLayout = "2006-01-02 15:04"

// NoOwner is what the portal shows for a ticket without an owner.
const NoOwner = "Unassigned"

// Status labels shown when stages are not (S8).
const (
	OpenLabel   = "Open"
	ClosedLabel = "Closed"
)

// View is a choice of the view switcher (P3).
type View string

// The views.
const (
	// OrganizationTickets: the contact's own tickets and its company's.
	OrganizationTickets View = "organization"
	// OwnedByMe: the tickets associated with the contact itself.
	OwnedByMe View = "mine"
)

// ColumnView is one column as a customer sees it.
type ColumnView struct {
	Property string
	Label    string
	Type     PropertyType
}

// Cell is one rendered value: Text as the customer sees it, Value typed
// (string, float64, time.Time, bool, uuid.UUID for a reference, the option
// value for an enumeration, "open"/"closed" for status), or nil when the
// ticket has no value.
type Cell struct {
	Text  string
	Value any
}

// TicketRow is one ticket of a list: its cells in column order.
type TicketRow struct {
	ID     uuid.UUID
	Closed bool
	Cells  []Cell
}

// TicketView is one page of a customer's ticket list, ready to show (P1–P3,
// S8).
type TicketView struct {
	// TicketName is what tickets are called (S8), e.g. "Orders".
	TicketName string
	Columns    []ColumnView
	Rows       []TicketRow
	// View is the view shown; Views are the views the viewer may choose.
	View  View
	Views []View
	Sort  string
	Desc  bool
	// Next is the cursor of the next page, "" on the last page.
	Next string
}

// column is a shown column resolved against the schema.
type column struct {
	prop  Property
	label string
}

// columns resolves the configured columns (S8).
func columns(s *Settings, schema Schema) []column {
	out := make([]column, 0, len(s.Display.Columns))
	for _, c := range s.Display.Columns {
		p, ok := schema.Lookup(TicketObject, c.Property)
		if !ok {
			continue // Validate keeps this from happening
		}
		label := c.Label
		if label == "" {
			label = p.Label
		}
		out = append(out, column{prop: p, label: label})
	}
	return out
}

func columnViews(cols []column) []ColumnView {
	out := make([]ColumnView, len(cols))
	for i, c := range cols {
		out[i] = ColumnView{Property: c.prop.Name, Label: c.label, Type: c.prop.Type}
	}
	return out
}

// renderer turns tickets into cells, resolving names through the store once
// per record per page.
type renderer struct {
	ctx       context.Context
	store     Store
	portalID  uuid.UUID
	display   Display
	pipelines map[uuid.UUID]Pipeline
	stages    map[uuid.UUID]Stage
	channels  map[uuid.UUID]Channel
	owners    map[uuid.UUID]*Owner   // nil: missing
	contacts  map[uuid.UUID]*Contact // nil: missing
}

func (p *Portal) renderer(ctx context.Context, r *request) (*renderer, error) {
	pls, err := p.store.Pipelines(ctx, r.viewer.PortalID)
	if err != nil {
		return nil, classify(err)
	}
	chs, err := p.store.Channels(ctx, r.viewer.PortalID)
	if err != nil {
		return nil, classify(err)
	}
	rd := &renderer{ctx: ctx, store: p.store, portalID: r.viewer.PortalID, display: r.settings.Display,
		pipelines: index(pls, func(x Pipeline) uuid.UUID { return x.ID }),
		channels:  index(chs, func(x Channel) uuid.UUID { return x.ID }),
		stages:    map[uuid.UUID]Stage{}, owners: map[uuid.UUID]*Owner{}, contacts: map[uuid.UUID]*Contact{}}
	for _, pl := range pls {
		for _, st := range pl.Stages {
			rd.stages[st.ID] = st
		}
	}
	return rd, nil
}

// env is the filter environment of the tenant's current pipelines.
func (rd *renderer) env(now time.Time) *Env {
	closed := map[uuid.UUID]bool{}
	for id, st := range rd.stages {
		if st.State == StageClosed {
			closed[id] = true
		}
	}
	return &Env{Now: now, Closed: closed}
}

func (rd *renderer) closed(t *Ticket) bool { return rd.stages[t.StageID].State == StageClosed }

func (rd *renderer) owner(id uuid.UUID) (*Owner, error) {
	if o, ok := rd.owners[id]; ok {
		return o, nil
	}
	o, err := rd.store.Owner(rd.ctx, rd.portalID, id)
	if err != nil && !isNotFound(err) {
		return nil, classify(err)
	}
	if err == nil {
		rd.owners[id] = &o
	} else {
		rd.owners[id] = nil
	}
	return rd.owners[id], nil
}

func (rd *renderer) contact(id uuid.UUID) (*Contact, error) {
	if c, ok := rd.contacts[id]; ok {
		return c, nil
	}
	c, err := rd.store.Contact(rd.ctx, rd.portalID, id)
	if err != nil && !isNotFound(err) {
		return nil, classify(err)
	}
	if err == nil {
		rd.contacts[id] = &c
	} else {
		rd.contacts[id] = nil
	}
	return rd.contacts[id], nil
}

func (rd *renderer) row(t *Ticket, cols []column) (TicketRow, error) {
	row := TicketRow{ID: t.ID, Closed: rd.closed(t), Cells: make([]Cell, len(cols))}
	for i, c := range cols {
		v, err := rd.render(t, c.prop)
		if err != nil {
			return TicketRow{}, err
		}
		row.Cells[i] = v.cell()
	}
	return row, nil
}

// text renders one property of a ticket as the customer reads it.
func (rd *renderer) text(t *Ticket, p Property) (string, error) {
	v, err := rd.render(t, p)
	return v.text, err
}

// forget drops the names looked up so far, so that a long export keeps a
// bounded memory.
func (rd *renderer) forget() {
	if len(rd.owners)+len(rd.contacts) > 10000 {
		clear(rd.owners)
		clear(rd.contacts)
	}
}

// value is one rendered property: its text and its typed value, without
// boxing it in an interface until a Cell needs it.
type value struct {
	text string
	kind valueKind
	str  string
	num  float64
	date time.Time
	id   uuid.UUID
}

type valueKind uint8

const (
	kindNone valueKind = iota
	kindStr
	kindNum
	kindDate
	kindID
	kindBool // num is 1 or 0
)

func (v value) cell() Cell {
	c := Cell{Text: v.text}
	switch v.kind {
	case kindStr:
		c.Value = v.str
	case kindNum:
		c.Value = v.num
	case kindDate:
		c.Value = v.date
	case kindID:
		c.Value = v.id
	case kindBool:
		c.Value = v.num == 1
	}
	return c
}

// render renders one property of a ticket (S8).
func (rd *renderer) render(t *Ticket, p Property) (value, error) {
	if !p.Builtin {
		return customValue(p, t.Properties[p.Name]), nil
	}
	switch p.Name {
	case PropSubject:
		return textValue(t.Subject), nil
	case PropContent:
		return textValue(t.Content), nil
	case PropCreatedAt:
		return dateValue(t.CreatedAt), nil
	case PropLastActivityAt:
		return dateValue(t.LastActivityAt), nil
	case PropPriority:
		return optionValue(p, string(t.Priority)), nil
	case PropStatus:
		st := rd.stages[t.StageID]
		v := value{text: OpenLabel, kind: kindStr, str: StatusOpen}
		if st.State == StageClosed {
			v.text, v.str = ClosedLabel, StatusClosed
		}
		if rd.display.ShowStages && st.Name != "" {
			v.text = st.Name
		}
		return v, nil
	case PropStage:
		return refValue(t.StageID, rd.stages[t.StageID].Name), nil
	case PropPipeline:
		return refValue(t.PipelineID, rd.pipelines[t.PipelineID].Name), nil
	case PropChannel:
		return refValue(t.ChannelID, rd.channels[t.ChannelID].Name), nil
	case PropOwner:
		if t.OwnerID == uuid.Nil {
			return value{text: NoOwner}, nil
		}
		o, err := rd.owner(t.OwnerID)
		if err != nil || o == nil {
			return value{text: NoOwner}, err
		}
		return value{text: o.DisplayName(rd.display.OwnerName), kind: kindID, id: o.ID}, nil
	case PropRequestedBy:
		if t.RequesterID == uuid.Nil {
			return value{}, nil
		}
		c, err := rd.contact(t.RequesterID)
		if err != nil || c == nil {
			return value{}, err
		}
		return value{text: c.Name(), kind: kindID, id: c.ID}, nil
	}
	return value{}, nil
}

func textValue(s string) value {
	if s == "" {
		return value{}
	}
	return value{text: s, kind: kindStr, str: s}
}

func dateValue(d time.Time) value {
	if d.IsZero() {
		return value{}
	}
	return value{text: formatDate(d), kind: kindDate, date: d}
}

func refValue(id uuid.UUID, name string) value {
	if id == uuid.Nil || name == "" {
		return value{}
	}
	return value{text: name, kind: kindID, id: id}
}

func optionValue(p Property, v string) value {
	for _, o := range p.Options {
		if o.Value == v {
			return value{text: o.Label, kind: kindStr, str: v}
		}
	}
	return value{}
}

func customValue(p Property, v any) value {
	switch x := v.(type) {
	case string:
		if p.Type == Enumeration {
			return optionValue(p, x)
		}
		return textValue(x)
	case float64:
		return value{text: strconv.FormatFloat(x, 'f', -1, 64), kind: kindNum, num: x}
	case time.Time:
		return dateValue(x)
	case bool:
		if x {
			return value{text: "Yes", kind: kindBool, num: 1}
		}
		return value{text: "No", kind: kindBool}
	}
	return value{}
}

// formatDate formats d in UTC as DateLayout, without time.Format's
// generality: it is on the hot path of every list and export.
func formatDate(d time.Time) string {
	d = d.UTC()
	year, month, day := d.Date()
	hour, minute, _ := d.Clock()
	if year < 0 || year > 9999 {
		return d.Format(DateLayout)
	}
	var b [16]byte
	put := func(i, v, width int) {
		for j := i + width - 1; j >= i; j-- {
			b[j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, year, 4)
	b[4] = '-'
	put(5, int(month), 2)
	b[7] = '-'
	put(8, day, 2)
	b[10] = ' '
	put(11, hour, 2)
	b[13] = ':'
	put(14, minute, 2)
	return string(b[:])
}

// inScope reports whether a ticket is in a contact's scope (S4): associated
// with the contact, or with the company whose tickets it sees.
func inScope(t *Ticket, d Decision) bool {
	for _, id := range t.ContactIDs {
		if id == d.ContactID {
			return true
		}
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

// portalThread returns the thread a contact sees (S9): the oldest of those
// marked visible in the portal. threads are oldest first.
func portalThread(threads []Thread) (Thread, bool) {
	for _, th := range threads {
		if th.VisibleInPortal {
			return th, true
		}
	}
	return Thread{}, false
}

// shownToContact reports whether a message of the portal thread is shown to
// a contact (S9): never an internal note or comment, never a message from an
// internal sender (an address, or an @domain, compared without case).
func shownToContact(m *Message, internalSenders []string) bool {
	if m.Kind.Internal() {
		return false
	}
	from := strings.ToLower(m.From)
	for _, s := range internalSenders {
		s = strings.ToLower(s)
		if strings.HasPrefix(s, "@") && strings.HasSuffix(from, s) || from == s {
			return false
		}
	}
	return true
}
