package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// The ticket list tests (P1–P4, S4, S5, S8, S9, S14, X5) drive the Portal's
// customer operations over the store under test, so that every store gives
// exactly the answers the Portal documents: each test builds a small tenant
// by hand through the host operations and asserts the exact tickets, in
// order. Tickets are named by their subjects, distinct within a test.

// listNow is the clock of every list test (Options.Now).
var listNow = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// listWorld is one tenant built through the Portal for the list tests: a
// help desk channel, a pipeline "Support" with stages New and Waiting (open)
// and Solved and Rejected (closed), and settings that enable the portal with
// own-tickets scope and the recommended columns.
type listWorld struct {
	t        *testing.T
	s        portal.Store
	p        *portal.Portal
	pid      uuid.UUID
	ids      *idSource
	channel  portal.Channel
	pipeline portal.Pipeline
	subject  map[uuid.UUID]string // ticket ID → subject
	ticketID map[string]uuid.UUID // subject → ticket ID
	tickets  map[uuid.UUID]portal.Ticket
}

// idSource hands out queued IDs first, then fresh UUIDv7s: a test queues an
// ID to give the next record it creates a chosen ID.
type idSource struct {
	mu   sync.Mutex
	next []uuid.UUID
}

func (s *idSource) newID() (uuid.UUID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.next) > 0 {
		id := s.next[0]
		s.next = s.next[1:]
		return id, nil
	}
	return uuid.NewV7()
}

func (s *idSource) queue(ids ...uuid.UUID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = append(s.next, ids...)
}

// newListWorld makes a Portal over s with the fixed clock listNow and a
// tenant in it. Several worlds over one store are several tenants.
func newListWorld(t *testing.T, s portal.Store) *listWorld {
	t.Helper()
	ids := &idSource{}
	p, err := portal.New(s, portal.Options{Now: func() time.Time { return listNow }, NewID: ids.newID})
	require.NoError(t, err)
	tenant, err := p.CreateTenant(ctx(t), "Helpdesk")
	require.NoError(t, err)
	w := &listWorld{t: t, s: s, p: p, pid: tenant.ID, ids: ids,
		subject: map[uuid.UUID]string{}, ticketID: map[string]uuid.UUID{}, tickets: map[uuid.UUID]portal.Ticket{}}
	w.channel, err = p.SaveChannel(ctx(t), portal.Channel{PortalID: w.pid, Name: "Helpdesk", Kind: portal.HelpDesk, CreatesTickets: true})
	require.NoError(t, err)
	w.pipeline, err = p.SavePipeline(ctx(t), portal.Pipeline{PortalID: w.pid, Name: "Support", Stages: []portal.Stage{
		{Name: "New", State: portal.StageOpen}, {Name: "Waiting", State: portal.StageOpen},
		{Name: "Solved", State: portal.StageClosed}, {Name: "Rejected", State: portal.StageClosed},
	}})
	require.NoError(t, err)
	w.set(func(st *portal.Settings) {
		st.Enabled = true
		st.DefaultChannel = w.channel.ID
		st.Permissions = portal.Permissions{Scope: portal.OwnTickets}
	})
	return w
}

// changeSettings changes the tenant's current settings through p and saves
// them, returning them as saved.
func changeSettings(t *testing.T, p *portal.Portal, pid uuid.UUID, change func(*portal.Settings)) portal.Settings {
	t.Helper()
	st, err := p.Settings(ctx(t), pid)
	require.NoError(t, err)
	change(&st)
	saved, err := p.SaveSettings(ctx(t), pid, st)
	require.NoError(t, err)
	return saved
}

// set changes the tenant's current settings and saves them.
func (w *listWorld) set(change func(*portal.Settings)) portal.Settings {
	w.t.Helper()
	return changeSettings(w.t, w.p, w.pid, change)
}

// scope sets the customer ticket permission (S4).
func (w *listWorld) scope(sc portal.Scope, filter portal.FilterGroups) {
	w.t.Helper()
	w.set(func(st *portal.Settings) { st.Permissions = portal.Permissions{Scope: sc, ContactFilter: filter} })
}

// columns sets the shown columns (S8).
func (w *listWorld) columns(props ...string) {
	w.t.Helper()
	w.set(func(st *portal.Settings) {
		st.Display.Columns = nil
		for _, p := range props {
			st.Display.Columns = append(st.Display.Columns, portal.Column{Property: p})
		}
	})
}

// visibility sets the ticket visibility filter (S8).
func (w *listWorld) visibility(g portal.FilterGroups) {
	w.t.Helper()
	w.set(func(st *portal.Settings) { st.Display.Visibility = g })
}

// property registers a custom ticket property.
func (w *listWorld) property(p portal.Property) {
	w.t.Helper()
	require.NoError(w.t, w.p.RegisterProperty(ctx(w.t), w.pid, portal.TicketObject, p))
}

// stage returns the ID of the pipeline's stage of that name.
func (w *listWorld) stage(name string) uuid.UUID {
	w.t.Helper()
	for _, st := range w.pipeline.Stages {
		if st.Name == name {
			return st.ID
		}
	}
	require.Failf(w.t, "no such stage", "%q", name)
	return uuid.Nil
}

// savePipeline replaces the pipeline after change.
func (w *listWorld) savePipeline(change func(*portal.Pipeline)) {
	w.t.Helper()
	pl := w.pipeline.Clone()
	change(&pl)
	saved, err := w.p.SavePipeline(ctx(w.t), pl)
	require.NoError(w.t, err)
	w.pipeline = saved
}

func (w *listWorld) company(name string) portal.Company {
	w.t.Helper()
	c, err := w.p.SaveCompany(ctx(w.t), portal.Company{PortalID: w.pid, Name: name})
	require.NoError(w.t, err)
	return c
}

func (w *listWorld) contact(first, last, email string, companyID uuid.UUID) portal.Contact {
	w.t.Helper()
	c, err := w.p.SaveContact(ctx(w.t), portal.Contact{PortalID: w.pid, FirstName: first, LastName: last,
		Email: email, CompanyID: companyID})
	require.NoError(w.t, err)
	return c
}

// saveContact updates a contact.
func (w *listWorld) saveContact(c portal.Contact) portal.Contact {
	w.t.Helper()
	c, err := w.p.SaveContact(ctx(w.t), c)
	require.NoError(w.t, err)
	return c
}

func (w *listWorld) owner(first, last, alias string) portal.Owner {
	w.t.Helper()
	o, err := w.p.SaveOwner(ctx(w.t), portal.Owner{PortalID: w.pid, FirstName: first, LastName: last, Alias: alias})
	require.NoError(w.t, err)
	return o
}

// ticket creates (or, with an ID, updates) a ticket in the pipeline,
// by default in stage New.
func (w *listWorld) ticket(tk portal.Ticket) portal.Ticket {
	w.t.Helper()
	if id, ok := w.ticketID[tk.Subject]; ok {
		require.Equal(w.t, id, tk.ID, "subject %q names another ticket of this test", tk.Subject)
	}
	tk.PortalID = w.pid
	if tk.PipelineID == uuid.Nil {
		tk.PipelineID = w.pipeline.ID
	}
	if tk.StageID == uuid.Nil {
		tk.StageID = w.stage("New")
	}
	saved, err := w.p.SaveTicket(ctx(w.t), tk)
	require.NoError(w.t, err)
	if old, ok := w.subject[saved.ID]; ok {
		delete(w.ticketID, old)
	}
	w.subject[saved.ID] = saved.Subject
	w.ticketID[saved.Subject] = saved.ID
	w.tickets[saved.ID] = saved
	return saved
}

// ticketWithID creates a ticket that gets the given ID.
func (w *listWorld) ticketWithID(id uuid.UUID, tk portal.Ticket) portal.Ticket {
	w.t.Helper()
	w.ids.queue(id)
	saved := w.ticket(tk)
	require.Equal(w.t, id, saved.ID)
	return saved
}

// update changes the ticket named subject and saves it.
func (w *listWorld) update(subject string, change func(*portal.Ticket)) portal.Ticket {
	w.t.Helper()
	id, ok := w.ticketID[subject]
	require.True(w.t, ok, "no ticket %q", subject)
	tk := w.tickets[id].Clone()
	change(&tk)
	return w.ticket(tk)
}

// id returns the ID of the ticket named subject.
func (w *listWorld) id(subject string) uuid.UUID {
	w.t.Helper()
	id, ok := w.ticketID[subject]
	require.True(w.t, ok, "no ticket %q", subject)
	return id
}

// viewer returns the viewer of contact c, as the host gets it.
func (w *listWorld) viewer(c portal.Contact) portal.Viewer {
	w.t.Helper()
	v, err := w.p.Viewer(ctx(w.t), w.pid, c.ID)
	require.NoError(w.t, err)
	return v
}

// names returns the subjects of rows; a row that is no ticket of this world
// shows as its ID.
func (w *listWorld) names(rows []portal.TicketRow) []string {
	out := []string{}
	for _, r := range rows {
		name, ok := w.subject[r.ID]
		if !ok {
			name = "unknown ticket " + r.ID.String()
		}
		out = append(out, name)
	}
	return out
}

// pages returns the subjects of every page of q, following Next; q.Limit 0
// asks for pages of MaxPageSize. Every page but the last is full and the
// last is not empty, unless it is the only one.
func (w *listWorld) pages(v portal.Viewer, q portal.ListQuery) [][]string {
	w.t.Helper()
	if q.Limit == 0 {
		q.Limit = portal.MaxPageSize
	}
	var out [][]string
	for i := 0; ; i++ {
		require.Less(w.t, i, 500, "paging does not end")
		tv, err := w.p.ListTickets(ctx(w.t), v, q)
		require.NoError(w.t, err, "query %+v", q)
		out = append(out, w.names(tv.Rows))
		if tv.Next == "" {
			if i > 0 {
				require.NotEmpty(w.t, tv.Rows, "a page after the first is never empty")
			}
			return out
		}
		require.Len(w.t, tv.Rows, q.Limit, "a page with a next page is full")
		q.Cursor = tv.Next
	}
}

// list returns the subjects of the whole list of q, every page.
func (w *listWorld) list(v portal.Viewer, q portal.ListQuery) []string {
	w.t.Helper()
	return slices.Concat(w.pages(v, q)...)
}

// view returns the first page of q.
func (w *listWorld) view(v portal.Viewer, q portal.ListQuery) portal.TicketView {
	w.t.Helper()
	if q.Limit == 0 {
		q.Limit = portal.MaxPageSize
	}
	tv, err := w.p.ListTickets(ctx(w.t), v, q)
	require.NoError(w.t, err, "query %+v", q)
	return tv
}

// listErr returns the error of the first page of q.
func (w *listWorld) listErr(v portal.Viewer, q portal.ListQuery) error {
	w.t.Helper()
	_, err := w.p.ListTickets(ctx(w.t), v, q)
	return err
}

// bySubject is the query of a whole list ordered by subject.
var bySubject = portal.ListQuery{Sort: portal.PropSubject}

// assertNames checks a list of subjects; nil and empty are alike.
func assertNames(t *testing.T, want, got []string, msgAndArgs ...any) bool {
	t.Helper()
	if len(want) == 0 && len(got) == 0 {
		return true
	}
	return assert.Equal(t, want, got, msgAndArgs...)
}

// reversed returns a reversed copy.
func reversed[T any](xs []T) []T {
	out := slices.Clone(xs)
	slices.Reverse(out)
	return out
}

// ascendingIDs returns n (at most 8) distinct IDs in ascending byte order
// that differ only in their last byte, among them 0x7f and 0x80: a store
// that compares signed bytes puts them in another order.
func ascendingIDs(t *testing.T, n int) []uuid.UUID {
	t.Helper()
	last := []byte{0x00, 0x01, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff}
	require.LessOrEqual(t, n, len(last))
	base := newID(t)
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = base
		ids[i][15] = last[(len(last)-n)/2+i]
	}
	return ids
}

// requireField checks that err is ErrInvalid naming field.
func requireField(t *testing.T, err error, field string, msgAndArgs ...any) {
	t.Helper()
	require.ErrorIs(t, err, portal.ErrInvalid, msgAndArgs...)
	var ve *portal.ValidationError
	require.True(t, errors.As(err, &ve), "want a *ValidationError, got %T: %v", err, err)
	assert.True(t, ve.Has(field), "want a problem at %q, got %v", field, err)
}

// requireConflict checks that err is ErrConflict, a *ConflictError naming
// field.
func requireConflict(t *testing.T, err error, field string, msgAndArgs ...any) {
	t.Helper()
	require.ErrorIs(t, err, portal.ErrConflict, msgAndArgs...)
	var ce *portal.ConflictError
	require.ErrorAs(t, err, &ce, "want a *ConflictError, got %T: %v", err, err)
	require.Equal(t, field, ce.Field, "want a conflict at %q, got %v", field, err)
}

// filterCase is one filter and the tickets it matches, by subject order.
type filterCase struct {
	f    portal.Filter
	want []string
}

func flt(prop string, op portal.Operator, values ...string) portal.Filter {
	return portal.Filter{Property: prop, Operator: op, Values: values}
}

// checkFilters asks each case twice: as the customer's filter on a shown
// column (P2) and as the administrator's visibility filter (S8). Both mean
// the same (S5), so both give the same tickets. The visibility filter is
// cleared afterwards.
func (w *listWorld) checkFilters(v portal.Viewer, cases []filterCase) {
	w.t.Helper()
	for _, c := range cases {
		q := bySubject
		q.Filters = []portal.Filter{c.f}
		assertNames(w.t, c.want, w.list(v, q), "customer filter %v", c.f)
	}
	for _, c := range cases {
		w.visibility(portal.FilterGroups{{c.f}})
		assertNames(w.t, c.want, w.list(v, bySubject), "visibility filter %v", c.f)
	}
	w.visibility(nil)
}

// lastNumber is the highest number of the world's tickets (P10): the
// store's next is one above.
func (w *listWorld) lastNumber() int64 {
	var n int64
	for _, tk := range w.tickets {
		n = max(n, tk.Number)
	}
	return n
}
