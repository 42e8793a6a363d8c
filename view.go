// The ticket view: a page of tickets rendered as the list shows it (S8):
// the columns and their labels, owner and contact names, Open/Closed or
// the stage, dates; the export (export.go) renders its cells alike.

package portal

import (
	"bytes"
	"context"
	"encoding/binary"
	"golang.org/x/text/language"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// DateLayout is how dates are shown in the ticket list, detail and export:
// to the minute, in the contact's time zone (X3: TicketView.TimeZone).
const DateLayout = "2006-01-02 15:04"

// NoOwner is what the portal shows for a ticket without an owner, in
// English (X3: in the viewer's language, from the catalogs).
const NoOwner = "Unassigned"

// Status labels shown when stages are not (S8), in English (X3: in the
// viewer's language, from the catalogs).
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
	ID uuid.UUID
	// Number is the ticket's number and Ref how a customer names it
	// ("#1042", "HD-1042"), whatever the columns (P10).
	Number int64
	Ref    string
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
	// TimeZone names the zone the dates are shown in, and days of date
	// filters mean (X3): the contact's, else the portal's; "UTC".
	TimeZone string
	// Total is how many tickets the view holds with the filters and search
	// in force (P11), exactly up to TotalBound, when the query asked for it
	// (ListQuery.Total; else 0); TotalMore says it holds more than
	// TotalBound ("1,000+").
	Total     int
	TotalMore bool
}

// TotalBound bounds TicketView.Total: counting stops there, so that the
// total of a company of a million tickets costs what one of a few
// thousand does (X6).
const TotalBound = 1000

// column is a shown column resolved against the schema.
type column struct {
	prop    Property
	label   string
	builtin builtin
}

// builtin numbers the built-in ticket properties, so that rendering a cell
// switches on an integer rather than comparing names.
type builtin uint8

const (
	notBuiltin builtin = iota
	bSubject
	bContent
	bCreatedAt
	bLastActivityAt
	bPriority
	bStatus
	bStage
	bPipeline
	bChannel
	bOwner
	bRequestedBy
	bNumber
	bSatisfaction
)

var builtinOf = map[string]builtin{
	PropSubject: bSubject, PropContent: bContent, PropCreatedAt: bCreatedAt,
	PropLastActivityAt: bLastActivityAt, PropPriority: bPriority, PropStatus: bStatus,
	PropStage: bStage, PropPipeline: bPipeline, PropChannel: bChannel, PropOwner: bOwner,
	PropRequestedBy: bRequestedBy, PropNumber: bNumber, PropSatisfaction: bSatisfaction,
}

func newColumn(p Property, label string) column {
	c := column{prop: p, label: label}
	if p.Builtin {
		c.builtin = builtinOf[p.Name]
	}
	return c
}

// columns resolves the configured columns (S8): a built-in property's
// label and options in the language of tag (X3), unless the settings
// label its column.
func columns(s *Settings, schema Schema, tag language.Tag) []column {
	out := make([]column, 0, len(s.Display.Columns))
	for _, c := range s.Display.Columns {
		p, ok := schema.Lookup(TicketObject, c.Property)
		if !ok {
			continue // Validate keeps this from happening
		}
		if p.Builtin {
			p = p.Clone()
			p.Label = word(p.Label, tag)
			for i := range p.Options {
				p.Options[i].Label = word(p.Options[i].Label, tag)
			}
		}
		label := c.Label
		if label == "" {
			label = p.Label
		}
		out = append(out, newColumn(p, label))
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
	owners    names // display names by the settings' style
	contacts  names
	// csv is set for an export: names are then kept as safeCell makes
	// them, once per name rather than once per cell.
	csv bool
	// zone is the time zone dates are shown in, words the fixed values
	// in the viewer's language (X3).
	zone  *time.Location
	words words
}

// name is a looked-up name; a missing record has ok false. In an export
// renderer text is spreadsheet-safe (safeCell).
type name struct {
	text string
	ok   bool
}

// named makes the name of a looked-up record.
func (rd *renderer) named(text string, ok bool) name {
	if rd.csv {
		text = safeCell(text)
	}
	return name{text: text, ok: ok}
}

func (p *Portal) renderer(ctx context.Context, r *request) (*renderer, error) {
	pls, chs := r.pipelines, r.channels
	if pls == nil || chs == nil {
		var err error
		if pls, err = p.store.Pipelines(ctx, r.viewer.PortalID); err != nil {
			return nil, classify(err)
		}
		if chs, err = p.store.Channels(ctx, r.viewer.PortalID); err != nil {
			return nil, classify(err)
		}
	}
	rd := &renderer{ctx: ctx, store: p.store, portalID: r.viewer.PortalID, display: r.settings.Display, zone: r.zone, words: wordsIn(r.lang),
		pipelines: index(pls, func(x Pipeline) uuid.UUID { return x.ID }),
		channels:  index(chs, func(x Channel) uuid.UUID { return x.ID }),
		stages:    map[uuid.UUID]Stage{}}
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

// owner returns the display name of an owner (S8), looked up once.
func (rd *renderer) owner(id uuid.UUID) (name, error) {
	if n, ok := rd.owners.get(id); ok {
		return n, nil
	}
	o, err := readOwner(rd.ctx, rd.store, rd.portalID, id)
	if err != nil && !isNotFound(err) {
		return name{}, classify(err)
	}
	n := rd.named(o.DisplayName(rd.display.OwnerName), err == nil)
	rd.owners.put(id, n)
	return n, nil
}

// contact returns the name of a contact, looked up once.
func (rd *renderer) contact(id uuid.UUID) (name, error) {
	if n, ok := rd.contacts.get(id); ok {
		return n, nil
	}
	c, err := readContact(rd.ctx, rd.store, rd.portalID, id)
	if err != nil && !isNotFound(err) {
		return name{}, classify(err)
	}
	n := rd.named(c.Name(), err == nil)
	rd.contacts.put(id, n)
	return n, nil
}

// prefetch takes the owners and requesters the store read with the page,
// and looks up, in one call to the store for each kind, those that the
// columns show and that are still missing, so that rendering a page costs
// at most two store calls, not one per name.
func (rd *renderer) prefetch(page *TicketPage, cols []column) error {
	owners := nameSource[Owner]{known: &rd.owners, read: rd.store.Owners,
		name: func(o *Owner) (uuid.UUID, string) { return o.ID, o.DisplayName(rd.display.OwnerName) }}
	requesters := nameSource[Contact]{known: &rd.contacts, read: rd.store.Contacts,
		name: func(c *Contact) (uuid.UUID, string) { return c.ID, c.Name() }}
	owners.keep(rd, page.Owners)
	requesters.keep(rd, page.Requesters)
	// The store read every owner and requester there is (Related), or
	// the columns tell which are shown.
	showOwner, showRequester := page.Related, page.Related
	for _, c := range cols {
		showOwner = showOwner || c.prop.Name == PropOwner
		showRequester = showRequester || c.prop.Name == PropRequestedBy
	}
	var ownerIDs, requesterIDs []uuid.UUID
	for i := range page.Tickets {
		t := &page.Tickets[i]
		if showOwner {
			ownerIDs = owners.missing(ownerIDs, t.OwnerID)
		}
		if showRequester {
			requesterIDs = requesters.missing(requesterIDs, t.RequesterID)
		}
	}
	if page.Related { // the rest have no record
		owners.none(ownerIDs)
		requesters.none(requesterIDs)
		return nil
	}
	if err := owners.fetch(rd, ownerIDs); err != nil {
		return err
	}
	return requesters.fetch(rd, requesterIDs)
}

// nameSource is one kind of record whose names a list shows (owners,
// requesters): where a renderer keeps the names, the store's read of the
// records by ID, and a record's ID and name.
type nameSource[T any] struct {
	known *names
	read  func(ctx context.Context, portalID uuid.UUID, ids []uuid.UUID) ([]T, error)
	name  func(*T) (uuid.UUID, string)
}

// keep keeps the names of records read.
func (s nameSource[T]) keep(rd *renderer, found []T) {
	for i := range found {
		id, text := s.name(&found[i])
		s.known.put(id, rd.named(text, true))
	}
}

// missing appends id to ids unless it is nil or its name is known.
func (s nameSource[T]) missing(ids []uuid.UUID, id uuid.UUID) []uuid.UUID {
	if id == uuid.Nil {
		return ids
	}
	if _, ok := s.known.get(id); ok {
		return ids
	}
	return append(ids, id)
}

// none keeps ids as IDs without a record.
func (s nameSource[T]) none(ids []uuid.UUID) {
	for _, id := range ids {
		s.known.put(id, name{})
	}
}

// fetch reads the records of ids in one call to the store and keeps their
// names; an ID of no record is kept as one.
func (s nameSource[T]) fetch(rd *renderer, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	found, err := s.read(rd.ctx, rd.portalID, unique(ids))
	if err != nil && !isNotFound(err) {
		return classify(err)
	}
	s.none(ids)
	s.keep(rd, found)
	return nil
}

// unique returns ids sorted, each once.
func unique(ids []uuid.UUID) []uuid.UUID {
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(ids)
}

func (rd *renderer) row(t *Ticket, cols []column) (TicketRow, error) {
	row := TicketRow{ID: t.ID, Number: t.Number, Ref: rd.display.TicketRef(t.Number), Closed: rd.closed(t), Cells: make([]Cell, len(cols))}
	var v value
	for i := range cols {
		if err := rd.render(t, &cols[i], &v); err != nil {
			return TicketRow{}, err
		}
		row.Cells[i] = v.cell(rd.zone)
	}
	return row, nil
}

// forget drops the names looked up so far, so that a long export keeps a
// bounded memory.
func (rd *renderer) forget() {
	if len(rd.owners.m)+len(rd.contacts.m) > 10000 {
		rd.owners.clear()
		rd.contacts.clear()
	}
}

// names keeps the names looked up by ID: a map, and in front of it a small
// direct-mapped cache, since the rows of a list or an export repeat a few
// names and a slot is quicker to look in than a map. A slot is chosen by
// the ID's last byte, which is random in UUIDs of versions 4 and 7. The
// zero value is ready to use.
type names struct {
	m     map[uuid.UUID]name
	slots [64]struct {
		id uuid.UUID
		n  name
	}
}

func (ns *names) get(id uuid.UUID) (name, bool) {
	s := &ns.slots[id[15]%uint8(len(ns.slots))]
	if s.id == id && id != uuid.Nil {
		return s.n, true
	}
	n, ok := ns.m[id]
	if ok {
		s.id, s.n = id, n
	}
	return n, ok
}

func (ns *names) put(id uuid.UUID, n name) {
	if ns.m == nil {
		ns.m = map[uuid.UUID]name{}
	}
	ns.m[id] = n
	s := &ns.slots[id[15]%uint8(len(ns.slots))]
	s.id, s.n = id, n
}

func (ns *names) clear() { *ns = names{} }

// value is one rendered property: its text and its typed value, without
// boxing it in an interface until a Cell needs it. A date (kindDate) has no
// text: it is formatted as DateLayout where it is shown (cell, or an
// export's buffer), so that rendering one allocates nothing.
type value struct {
	text string
	// safe is set when the text is safe to open in a spreadsheet as it is:
	// the portal made it itself (a date, a number, a fixed label) rather
	// than taking it from what someone typed, or it is a name of an export
	// renderer, made safe when looked up.
	safe bool
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

func (v value) cell(loc *time.Location) Cell {
	c := Cell{Text: v.text}
	if v.kind == kindDate {
		c.Text = formatDate(v.date, loc)
	}
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

// render renders one column of a ticket (S8) into v. It fills a value
// rather than returning one: a value is too large for registers, and an
// export renders every cell of every row.
func (rd *renderer) render(t *Ticket, c *column, v *value) error {
	switch c.builtin {
	case notBuiltin:
		*v = customValue(c.prop, t.Properties[c.prop.Name], &rd.words)
	case bSubject:
		*v = textValue(t.Subject)
	case bContent:
		*v = textValue(t.Content)
	case bCreatedAt:
		*v = dateValue(t.CreatedAt)
	case bLastActivityAt:
		*v = dateValue(t.LastActivityAt)
	case bNumber:
		*v = value{}
		if t.Number != 0 {
			*v = value{text: rd.display.TicketRef(t.Number), safe: rd.display.NumberPrefix == "", kind: kindNum, num: float64(t.Number)}
		}
	case bPriority:
		*v = optionValue(c.prop, string(t.Priority))
	case bSatisfaction:
		*v = optionValue(c.prop, t.Rating.Value)
	case bStatus:
		st := rd.stages[t.StageID]
		*v = value{text: rd.words.open, safe: true, kind: kindStr, str: StatusOpen}
		if st.State == StageClosed {
			v.text, v.str = rd.words.closed, StatusClosed
		}
		if rd.display.ShowStages && st.Name != "" {
			v.text, v.safe = st.Name, false
		}
	case bStage:
		*v = refValue(t.StageID, rd.stages[t.StageID].Name)
	case bPipeline:
		*v = refValue(t.PipelineID, rd.pipelines[t.PipelineID].Name)
	case bChannel:
		*v = refValue(t.ChannelID, rd.channels[t.ChannelID].Name)
	case bOwner:
		*v = value{text: rd.words.unassigned, safe: true}
		if t.OwnerID == uuid.Nil {
			return nil
		}
		n, err := rd.owner(t.OwnerID)
		if err != nil || !n.ok {
			return err
		}
		*v = value{text: n.text, safe: rd.csv, kind: kindID, id: t.OwnerID}
	case bRequestedBy:
		*v = value{}
		if t.RequesterID == uuid.Nil {
			return nil
		}
		n, err := rd.contact(t.RequesterID)
		if err != nil || !n.ok {
			return err
		}
		*v = value{text: n.text, safe: rd.csv, kind: kindID, id: t.RequesterID}
	default:
		*v = value{}
	}
	return nil
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
	return value{safe: true, kind: kindDate, date: d}
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

func customValue(p Property, v any, w *words) value {
	switch x := v.(type) {
	case string:
		if p.Type == Enumeration {
			return optionValue(p, x)
		}
		return textValue(x)
	case float64:
		return value{text: strconv.FormatFloat(x, 'f', -1, 64), safe: true, kind: kindNum, num: x}
	case time.Time:
		return dateValue(x)
	case bool:
		if x {
			return value{text: w.yes, safe: true, kind: kindBool, num: 1}
		}
		return value{text: w.no, safe: true, kind: kindBool}
	}
	return value{}
}

// formatDate formats d in loc as DateLayout.
func formatDate(d time.Time, loc *time.Location) string {
	var b [len(DateLayout)]byte
	days := dayText{loc: loc}
	return string(days.appendDate(b[:0], d))
}

// dayText remembers the text of the last day it formatted: the rows of an
// export are mostly sorted by a date, so that consecutive dates tend to
// fall on one day. The zero value is ready to use.
type dayText struct {
	day uint64 // days from year 1 of the text, when set
	set bool
	// The text is kept as the little-endian words appendDate writes: the
	// first 8 bytes of DateLayout ("2006-01-"), and the day of the month
	// in the low 2 bytes of the next 8 ("02 15:04").
	yearMonth, dayOfMonth uint64
	// loc is the time zone of the text (nil: UTC). Its offset from UTC,
	// off seconds, holds from zoneFrom to zoneTo (Unix seconds): the
	// period of the last date formatted, so that a date in it is shifted
	// without a look-up.
	loc                   *time.Location
	off, zoneFrom, zoneTo int64
}

// zone sets off, zoneFrom and zoneTo to the offset and period of the
// text's zone at d.
func (dt *dayText) zone(d time.Time) {
	dt.off, dt.zoneFrom, dt.zoneTo = 0, math.MinInt64, math.MaxInt64
	if dt.loc == nil || dt.loc == time.UTC {
		return
	}
	t := d.In(dt.loc)
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	dt.off = int64(off)
	if !start.IsZero() {
		dt.zoneFrom = start.Unix()
	}
	if !end.IsZero() {
		dt.zoneTo = end.Unix()
	}
}

// appendDate appends d in the text's zone as DateLayout to b, without
// time.Format's generality: it is on the hot path of every list and
// export. It counts the civil date from Unix days (H. Hinnant's
// days-to-civil algorithm) when the day is not the one formatted last,
// looks the time of day up (clockText), and writes the 16 bytes as two
// words.
func (dt *dayText) appendDate(b []byte, d time.Time) []byte {
	u := d.Unix()
	if u < dt.zoneFrom || u >= dt.zoneTo { // UTC's period is all time
		dt.zone(d)
	}
	u += dt.off
	const minUnix, maxUnix = -62135596800, 253402300799 // years 1 to 9999
	if u < minUnix || u > maxUnix {
		loc := dt.loc
		if loc == nil {
			loc = time.UTC
		}
		return d.In(loc).AppendFormat(b, DateLayout)
	}
	// Counted from year 1 the seconds are not negative: unsigned division
	// is cheaper, and rounds down.
	since1 := uint64(u - minUnix)
	days := since1 / 86400
	if !dt.set || dt.day != days {
		dt.day, dt.set = days, true
		dt.format(int64(days) + minUnix/86400)
	}
	minute := uint32(since1-days*86400) / 60
	n := len(b)
	if cap(b)-n < 16 {
		b = slices.Grow(b, 16)
	}
	b = b[:n+16]
	binary.LittleEndian.PutUint64(b[n:], dt.yearMonth)
	binary.LittleEndian.PutUint64(b[n+8:], dt.dayOfMonth|clockText[minute])
	return b
}

// clockText holds the last 6 bytes of DateLayout (" 15:04") of each minute
// of a day, in bytes 2 to 7 of a little-endian word, as appendDate writes
// them: a look-up instead of four divisions a date.
var clockText = func() (t [24 * 60]uint64) {
	for m := range uint32(len(t)) {
		t[m] = ' '<<16 | twoDigits(m/60)<<24 | ':'<<40 | twoDigits(m%60)<<48
	}
	return t
}()

// twoDigits returns v (below 100) as two decimal digits in the low two
// bytes of a little-endian word.
func twoDigits(v uint32) uint64 {
	return uint64('0'+v/10) | uint64('0'+v%10)<<8
}

// format sets the text to the civil date of a count of Unix days.
func (dt *dayText) format(days int64) {
	z := days + 719468
	era := z / 146097 // z > 0 from year 1
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := doy - (153*mp+2)/5 + 1
	month, year := mp+3, yoe+era*400
	if mp >= 10 {
		month, year = mp-9, year+1
	}
	dt.yearMonth = twoDigits(uint32(year/100)) | twoDigits(uint32(year%100))<<16 | '-'<<32 |
		twoDigits(uint32(month))<<40 | '-'<<56
	dt.dayOfMonth = twoDigits(uint32(day))
}
