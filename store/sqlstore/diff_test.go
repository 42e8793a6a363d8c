package sqlstore_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// The differential test: the same generated helpdesk in the memory store
// and in a SQL store, and random list queries — any scope, visibility and
// customer filters of every operator on every ticket property, searches,
// sorts on every property in both directions, page sizes and cursors —
// answered page by page by both. The pages must be identical: same
// tickets, same sort keys, same "more". covers: X1, S5, P2, P3, P4

// world is a generated helpdesk in the memory store.
type world struct {
	mem    *memstore.Store
	data   *portaltest.Dataset
	schema portal.Schema
	words  []string // words of subjects and contents, in varied case
}

// noteProp is a custom text property the differential test adds, so that
// text operators are tried on a custom property too.
const noteProp = "note"

func newWorld(t testing.TB, seed uint64, tickets int) *world {
	t.Helper()
	return buildWorld(t, seed, tickets, true)
}

// newUnratedWorld is newWorld without ratings and participants: the data
// of a database from before them (migrations ratings, participants).
func newUnratedWorld(t testing.TB, seed uint64, tickets int) *world {
	t.Helper()
	return buildWorld(t, seed, tickets, false)
}

// buildWorld makes a world; rated gives it ratings and participants.
func buildWorld(t testing.TB, seed uint64, tickets int, rated bool) *world {
	t.Helper()
	ctx := context.Background()
	mem := memstore.New()
	p, err := portal.New(mem, portal.Options{Now: portaltest.Now})
	require.NoError(t, err)
	d, err := portaltest.Generate(ctx, p, portaltest.Size{Companies: 4, ContactsPerCompany: 3, Tickets: tickets, ThreadsPerTicket: 1, MessagesPerThread: 1}, seed)
	require.NoError(t, err)
	pid := d.Tenant.ID
	require.NoError(t, p.RegisterProperty(ctx, pid, portal.TicketObject, portal.Property{Name: noteProp, Label: "Note", Type: portal.Text}))
	rng := rand.New(rand.NewPCG(seed, 7))
	w := &world{mem: mem, data: d}
	for i, tk := range d.Tickets {
		if rng.IntN(3) > 0 {
			if tk.Properties == nil {
				tk.Properties = portal.Properties{}
			}
			tk.Properties[noteProp] = []string{"Ring tilbage", "ÆRGERLIGT", "50% rabat_kode", `sti\til\fil`, "ok",
				longPrefix + "a", longPrefix + "b", strings.Repeat("<", 3000)}[rng.IntN(8)]
			extreme(rng, &tk)
			tk, err = p.SaveTicket(ctx, tk)
			require.NoError(t, err)
			if rng.IntN(8) == 0 { // a creation date SaveTicket keeps: straight into the store
				i := rng.IntN(len(extremeDates))
				tk.CreatedAt = extremeDates[i]
				tk.LastActivityAt = extremeDates[i+rng.IntN(len(extremeDates)-i)]
				require.NoError(t, mem.PutTicket(ctx, tk))
			}
			d.Tickets[i] = tk
		}
		for _, f := range strings.Fields(tk.Subject + " " + tk.Content) {
			w.words = append(w.words, f)
		}
	}
	// Numbered in the order of creation, as migration numbers numbers the
	// tickets of a database from before numbers (P10): through numbers
	// above them all first, so that no two tickets ever share one.
	order := make([]int, len(d.Tickets))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		x, y := d.Tickets[a], d.Tickets[b]
		return cmp.Or(x.CreatedAt.Compare(y.CreatedAt), bytes.Compare(x.ID[:], y.ID[:]))
	})
	for _, base := range []int64{int64(len(order)), 0} {
		for n, i := range order {
			d.Tickets[i].Number = base + int64(n) + 1
			require.NoError(t, mem.PutTicket(ctx, d.Tickets[i]))
		}
	}
	// Half the tickets are rated (P14), on either scale, so that the
	// satisfaction property sorts and filters values of both.
	values := []string{portal.RatingBad, portal.RatingGood, "1", "2", "3", "4", "5"}
	for i, tk := range d.Tickets {
		if rated && rng.IntN(2) == 0 {
			tk.Rating = portal.Rating{Value: values[rng.IntN(len(values))], ContactID: tk.RequesterID, ClosedAt: tk.ClosedAt,
				RatedAt: portaltest.Now()}
			rate(t, mem, tk)
			d.Tickets[i] = tk
		}
		// A fifth have participants (P12): contacts associated with them
		// beside their own, some of them their own as well.
		if rated && rng.IntN(5) == 0 {
			for range 1 + rng.IntN(2) {
				c := d.Contacts[rng.IntN(len(d.Contacts))]
				if !slices.ContainsFunc(tk.Participants, func(pa portal.Participant) bool { return pa.ContactID == c.ID }) {
					tk.Participants = append(tk.Participants, portal.Participant{ContactID: c.ID, AddedBy: tk.RequesterID, AddedAt: portaltest.Now()})
				}
			}
			participate(t, mem, tk)
			d.Tickets[i] = tk
		}
	}
	w.schema, err = p.Schema(ctx, pid)
	require.NoError(t, err)
	return w
}

// longPrefix is longer than portal.KeyTextLen and than MariaDB's
// max_sort_length (1,024 bytes): texts that share it sort by ID (X8).
var longPrefix = strings.Repeat("lang tekst ", 112)

// extremeDates are the dates where keys were not exact (X8), in order: the
// first microsecond but one the portal keeps, microseconds apart after
// 2255, where a double no longer holds them, and the last.
var extremeDates = []time.Time{
	time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC),
	time.Date(2400, 1, 1, 0, 0, 0, 1000, time.UTC), time.Date(2400, 1, 1, 0, 0, 0, 2000, time.UTC),
	time.Date(2400, 1, 1, 0, 0, 0, 3000, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
}

// extreme gives some tickets the values the stores once disagreed on
// (X8): long shared prefixes in the content, far dates as the last
// activity and the due date, -0.
func extreme(rng *rand.Rand, tk *portal.Ticket) {
	switch rng.IntN(6) {
	case 0:
		tk.Content = longPrefix + tk.Content
	case 1:
		tk.LastActivityAt = extremeDates[1+rng.IntN(len(extremeDates)-1)] // not before the creation date
	case 2:
		tk.Properties[portaltest.PropDueDate] = extremeDates[rng.IntN(len(extremeDates))]
	case 3:
		tk.Properties[portaltest.PropOrderNumber] = math.Copysign(0, -1)
	}
}

// copyTo writes every record of the world into s through the Store
// interface, IDs and all.
func (w *world) copyTo(t testing.TB, s portal.Store) {
	t.Helper()
	copyDataset(t, w.mem, w.data, s)
}

// copyDataset writes the records of d into s through the Store interface,
// IDs and all, with the tenant's settings and properties as from holds
// them.
func copyDataset(t testing.TB, from portal.Store, d *portaltest.Dataset, s portal.Store) {
	t.Helper()
	ctx := context.Background()
	pid := d.Tenant.ID
	set, err := from.Settings(ctx, pid)
	require.NoError(t, err)
	require.NoError(t, s.CreateTenant(ctx, d.Tenant, set))
	defs, err := from.Properties(ctx, pid)
	require.NoError(t, err)
	for _, def := range defs {
		require.NoError(t, s.PutProperty(ctx, pid, def))
	}
	for _, c := range d.Channels {
		require.NoError(t, s.PutChannel(ctx, c))
	}
	for _, pl := range d.Pipelines {
		require.NoError(t, s.PutPipeline(ctx, pl))
	}
	for _, o := range d.Owners {
		require.NoError(t, s.PutOwner(ctx, o))
	}
	for _, c := range d.Contacts {
		require.NoError(t, s.PutContact(ctx, portal.ContactChange{Contact: c}))
	}
	for _, tk := range d.Tickets {
		require.NoError(t, s.PutTicket(ctx, tk))
		if !tk.Rating.IsZero() {
			rate(t, s, tk)
		}
		if len(tk.Participants) > 0 {
			participate(t, s, tk)
		}
	}
}

// participate gives the ticket its Participants in s, which a put does not
// write.
func participate(t testing.TB, s portal.Store, tk portal.Ticket) {
	t.Helper()
	e := portal.Event{ID: uuid.New(), PortalID: tk.PortalID, Kind: portal.EventParticipantAdded, TicketID: tk.ID, At: portaltest.Now()}
	require.NoError(t, s.SetParticipants(context.Background(), portal.ParticipantChange{PortalID: tk.PortalID, TicketID: tk.ID,
		Participants: tk.Participants, Event: e}))
}

// rate gives the ticket its Rating in s, which a put does not write.
func rate(t testing.TB, s portal.Store, tk portal.Ticket) {
	t.Helper()
	e := portal.Event{ID: uuid.New(), PortalID: tk.PortalID, Kind: portal.EventRating, TicketID: tk.ID, At: portaltest.Now()}
	require.NoError(t, s.RateTicket(context.Background(), portal.RateChange{PortalID: tk.PortalID, TicketID: tk.ID,
		IfStage: tk.StageID, Rating: tk.Rating, Event: e}))
}

// query makes a random list query over the world.
func (w *world) query(rng *rand.Rand) portal.TicketQuery {
	d := w.data
	c := d.Contacts[rng.IntN(len(d.Contacts))]
	q := portal.TicketQuery{
		PortalID:  d.Tenant.ID,
		ContactID: c.ID,
		Limit:     1 + rng.IntN(30),
		Now:       portaltest.Now().Add(-time.Duration(rng.IntN(1000)) * time.Hour),
	}
	if rng.IntN(3) > 0 {
		q.CompanyID = c.CompanyID
	}
	if rng.IntN(8) == 0 { // sometimes a company that is not the contact's
		q.CompanyID = d.Companies[rng.IntN(len(d.Companies))].ID
	}
	props := w.schema.Properties(portal.TicketObject)
	q.Sort = portal.Sort{
		Property:  props[rng.IntN(len(props))],
		Desc:      rng.IntN(2) == 0,
		OwnerName: portal.OwnerNames()[rng.IntN(len(portal.OwnerNames()))],
	}
	q.Visibility = w.filter(rng, rng.IntN(2))
	q.Filter = w.filter(rng, rng.IntN(3))
	for range rng.IntN(3) {
		if rng.IntN(4) == 0 {
			q.Search = append(q.Search, portal.Fold([]string{"%", "_", `\`, "'", "ø", "Æ", "--"}[rng.IntN(7)]))
			continue
		}
		word := w.words[rng.IntN(len(w.words))]
		if len(word) > 3 {
			start := rng.IntN(len(word) / 2)
			word = word[start:]
		}
		if f := strings.Fields(portal.Fold(strings.ToValidUTF8(word, ""))); len(f) > 0 {
			q.Search = append(q.Search, f[0])
		}
	}
	if rng.IntN(8) == 0 { // a ticket number: alone ("#12"), or besides the terms ("12"), P10
		q.Number = d.Tickets[rng.IntN(len(d.Tickets))].Number
		if rng.IntN(2) == 0 {
			q.Search = nil
		}
	}
	return q
}

// filter makes random filter groups of up to n groups.
func (w *world) filter(rng *rand.Rand, n int) portal.TicketFilter {
	var g portal.FilterGroups
	props := w.schema.Properties(portal.TicketObject)
	for range n {
		var group []portal.Filter
		for range 1 + rng.IntN(2) {
			p := props[rng.IntN(len(props))]
			ops := portal.Operators(p.Type)
			op := ops[rng.IntN(len(ops))]
			group = append(group, portal.Filter{Property: p.Name, Operator: op, Values: w.values(rng, p, op)})
		}
		g = append(g, group)
	}
	f, err := portal.CompileTicketFilter(g, w.schema)
	if err != nil {
		panic(fmt.Sprintf("generated filter %v: %v", g, err))
	}
	return f
}

// values makes valid values for a filter, drawn from the data so that
// filters match some tickets.
func (w *world) values(rng *rand.Rand, p portal.Property, op portal.Operator) []string {
	count := 1
	switch op {
	case portal.IsKnown, portal.IsUnknown:
		return nil
	case portal.Between:
		count = 2
	case portal.EqualsAny, portal.NotEqualsAny, portal.ContainsAny, portal.NotContainsAny, portal.IsAnyOf, portal.IsNoneOf:
		count = 1 + rng.IntN(3)
	case portal.BeforeDaysAgo, portal.AfterDaysAgo:
		return []string{strconv.Itoa(rng.IntN(800))}
	}
	var vs []string
	for range count {
		vs = append(vs, w.value(rng, p, op))
	}
	if op == portal.Between {
		if p.Type == portal.Number {
			a, _ := strconv.ParseFloat(vs[0], 64)
			b, _ := strconv.ParseFloat(vs[1], 64)
			if a > b {
				vs[0], vs[1] = vs[1], vs[0]
			}
		} else if vs[0] > vs[1] { // dates: both YYYY-MM-DD
			vs[0], vs[1] = vs[1], vs[0]
		}
	}
	return vs
}

func (w *world) value(rng *rand.Rand, p portal.Property, op portal.Operator) string {
	d := w.data
	tk := d.Tickets[rng.IntN(len(d.Tickets))]
	switch p.Type {
	case portal.Text:
		s := tk.Subject
		switch {
		case p.Name == portal.PropContent:
			s = tk.Content
		case !p.Builtin:
			s, _ = tk.Properties[p.Name].(string)
		}
		s = strings.ToValidUTF8(s, "")
		if s == "" || rng.IntN(6) == 0 {
			return []string{"x", "%", "_", `\`, "ø", "ÆBLE", "'; DROP TABLE tickets; --"}[rng.IntN(7)]
		}
		r := []rune(s)
		i, j := rng.IntN(len(r)), rng.IntN(len(r))
		if op == portal.StartsWith {
			i = 0
		}
		if op == portal.EndsWith || op == portal.EqualsAny || op == portal.NotEqualsAny {
			j = len(r) - 1
		}
		if op == portal.EqualsAny || op == portal.NotEqualsAny {
			i = 0
		}
		if i > j {
			i, j = j, i
		}
		if j-i >= 300 { // a filter value is at most 1,000 bytes
			if op == portal.EndsWith {
				i = j - 299
			} else {
				j = i + 299
			}
		}
		v := string(r[i : j+1])
		if rng.IntN(2) == 0 {
			v = strings.ToUpper(v)
		}
		if strings.TrimSpace(v) == "" {
			v = "a"
		}
		return v
	case portal.Number:
		n, ok := tk.Properties[p.Name].(float64)
		if !ok || rng.IntN(4) == 0 {
			n = float64(rng.IntN(100000))
		}
		return strconv.FormatFloat(n, 'g', -1, 64)
	case portal.Date:
		var at time.Time
		switch {
		case p.Name == portal.PropCreatedAt:
			at = tk.CreatedAt
		case p.Name == portal.PropLastActivityAt:
			at = tk.LastActivityAt
		case !p.Builtin:
			at, _ = tk.Properties[p.Name].(time.Time)
		}
		if at.IsZero() {
			at = portaltest.Now().Add(-time.Duration(rng.IntN(700*24)) * time.Hour)
		}
		if rng.IntN(3) == 0 && op != portal.Between {
			return at.Format(time.RFC3339Nano) // the instant itself
		}
		return at.Format(time.DateOnly)
	case portal.Boolean:
		return strconv.FormatBool(rng.IntN(2) == 0)
	}
	// enumerations
	if len(p.Options) > 0 {
		return p.Options[rng.IntN(len(p.Options))].Value
	}
	var ids []uuid.UUID
	switch p.Ref {
	case portal.RefContact:
		ids = append(ids, tk.RequesterID, d.Contacts[rng.IntN(len(d.Contacts))].ID)
	case portal.RefOwner:
		ids = append(ids, tk.OwnerID, d.Owners[rng.IntN(len(d.Owners))].ID)
	case portal.RefStage:
		ids = append(ids, tk.StageID, d.Pipelines[0].Stages[0].ID)
	case portal.RefPipeline:
		ids = append(ids, tk.PipelineID)
	case portal.RefChannel:
		ids = append(ids, tk.ChannelID)
	}
	ids = append(ids, uuid.New()) // a record that does not exist
	return ids[rng.IntN(len(ids))].String()
}

// compare pages through q on both stores and fails at the first
// difference. It returns how many tickets the query listed.
func compare(t testing.TB, round int, mem, s portal.Store, q portal.TicketQuery) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	for pageNo := 0; ; pageNo++ {
		var want, got portal.TicketPage
		require.NoError(t, mem.QueryTickets(ctx, q, &want))
		require.NoError(t, s.QueryTickets(ctx, q, &got), "round %d page %d", round, pageNo)
		require.Equal(t, ids(want), ids(got), "round %d page %d: %s", round, pageNo, describe(q))
		require.Equal(t, want.Keys, got.Keys, "round %d page %d: sort keys", round, pageNo)
		require.Equal(t, want.More, got.More, "round %d page %d: more", round, pageNo)
		for i := range want.Tickets {
			require.Equal(t, norm(want.Tickets[i]), norm(got.Tickets[i]), "round %d page %d: ticket %d", round, pageNo, i)
		}
		checkRelated(t, mem, want, got)
		n += len(want.Tickets)
		if !want.More {
			return n
		}
		last := len(want.Tickets) - 1
		q.After, q.AfterID = &want.Keys[last], want.Tickets[last].ID
	}
}

// compareScan scans q's whole result on s (portal.TicketScanner) and
// checks it against the memory store's pages: the same tickets and keys in
// the same order, every page but the last full and marked More.
func compareScan(t testing.TB, round int, mem, s portal.Store, q portal.TicketQuery) {
	t.Helper()
	ctx := context.Background()
	var want []portal.Ticket
	var wantKeys []portal.SortKey
	for {
		var page portal.TicketPage
		require.NoError(t, mem.QueryTickets(ctx, q, &page))
		want, wantKeys = append(want, page.Tickets...), append(wantKeys, page.Keys...)
		if !page.More {
			break
		}
		last := len(page.Tickets) - 1
		q.After, q.AfterID = &page.Keys[last], page.Tickets[last].ID
	}
	q.After, q.AfterID = nil, uuid.Nil
	var got []portal.Ticket
	var gotKeys []portal.SortKey
	pages, ended := 0, false
	err := s.(portal.TicketScanner).ScanTickets(ctx, q, func(page *portal.TicketPage) error {
		require.False(t, ended, "round %d: a page after the last", round)
		pages++
		if page.More {
			require.Len(t, page.Tickets, q.Limit, "round %d page %d: a page before the last is full", round, pages)
		}
		ended = !page.More
		got, gotKeys = append(got, page.Tickets...), append(gotKeys, page.Keys...)
		checkRelated(t, mem, *page, *page)
		return nil
	})
	require.NoError(t, err)
	require.True(t, ended, "round %d: the last page says so", round)
	require.Equal(t, ids(portal.TicketPage{Tickets: want}), ids(portal.TicketPage{Tickets: got}), "round %d: scan: %s", round, describe(q))
	require.Equal(t, wantKeys, gotKeys, "round %d: scan keys", round)
}

// checkRelated checks the requesters and owners a store read with a page:
// each is the stored record of a requester or owner of the page, once.
func checkRelated(t testing.TB, mem portal.Store, want, got portal.TicketPage) {
	t.Helper()
	ctx := context.Background()
	requesters, owners := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	for _, tk := range want.Tickets {
		requesters[tk.RequesterID], owners[tk.OwnerID] = true, true
	}
	seen := map[uuid.UUID]bool{}
	for _, c := range got.Requesters {
		require.True(t, requesters[c.ID] && !seen[c.ID], "requester %s is of the page, once", c.ID)
		seen[c.ID] = true
		stored, err := mem.Contacts(ctx, c.PortalID, []uuid.UUID{c.ID})
		require.NoError(t, err)
		require.Len(t, stored, 1)
		require.Equal(t, stored[0].Name(), c.Name())
	}
	for _, o := range got.Owners {
		require.True(t, owners[o.ID] && !seen[o.ID], "owner %s is of the page, once", o.ID)
		seen[o.ID] = true
		stored, err := mem.Owners(ctx, o.PortalID, []uuid.UUID{o.ID})
		require.NoError(t, err)
		require.Equal(t, []portal.Owner{o}, stored)
	}
}

func ids(p portal.TicketPage) []uuid.UUID {
	out := make([]uuid.UUID, len(p.Tickets))
	for i, t := range p.Tickets {
		out[i] = t.ID
	}
	return out
}

// norm makes empty collections nil, which the store contract lets a store
// give back either way.
func norm(t portal.Ticket) portal.Ticket {
	if len(t.ContactIDs) == 0 {
		t.ContactIDs = nil
	}
	if len(t.CompanyIDs) == 0 {
		t.CompanyIDs = nil
	}
	if len(t.Properties) == 0 {
		t.Properties = nil
	}
	return t
}

func describe(q portal.TicketQuery) string {
	return fmt.Sprintf("company=%v sort=%s desc=%v owner=%s vis=%v filter=%v search=%q number=%d limit=%d",
		q.CompanyID != uuid.Nil, q.Sort.Property.Name, q.Sort.Desc, q.Sort.OwnerName,
		q.Visibility.Groups(), q.Filter.Groups(), q.Search, q.Number, q.Limit)
}

// runDifferential answers rounds random queries from seed on every dialect,
// each twice: with plan bounds that send every search with a term the
// index serves to the search plan (none is in more than the 500 tickets of
// a rare term; PostgreSQL's sample of one ticket never holds a page), and
// with a rare term in at most 3, which sends most to the walk or the scope
// plan.
func runDifferential(t *testing.T, seed uint64, rounds int) {
	w := newWorld(t, seed, 150)
	for _, d := range dialects(t) {
		for _, bounds := range [][2]int{{0, 1}, {3, 0}} {
			t.Run(fmt.Sprintf("%s/rare=%d,sample=%d", d.name, bounds[0], bounds[1]), func(t *testing.T) {
				t.Parallel()
				s := d.open(t)
				sqlstore.SetPlanBounds(s, bounds[0], bounds[1])
				w.copyTo(t, s)
				rng := rand.New(rand.NewPCG(seed, 11))
				listed, nonEmpty := 0, 0
				for round := range rounds {
					q := w.query(rng)
					n := compare(t, round, w.mem, s, q)
					if round%4 == 0 {
						if round%8 == 0 { // pages as long as an export's
							q.Limit = 120
						}
						compareScan(t, round, w.mem, s, q)
					}
					listed += n
					if n > 0 {
						nonEmpty++
					}
				}
				scope, walk, search := sqlstore.PagesByPlan(s)
				t.Logf("%d queries, %d with tickets, %d tickets listed; pages: %d scope, %d walk, %d search",
					rounds, nonEmpty, listed, scope, walk, search)
				if rounds >= 100 {
					require.Positive(t, scope, "pages of the scope plan")
					require.Positive(t, walk, "pages of the walk plan")
					if d.name != sqlstore.MySQL { // MySQL has no search index
						require.Positive(t, search, "pages of the search plan")
					}
				}
				// The generator must exercise the stores, not only agree on
				// empty answers.
				require.GreaterOrEqual(t, nonEmpty, rounds/4, "a quarter of the queries at least list a ticket")
			})
		}
	}
}

// TestDifferential compares the memory store and each SQL store on 1000
// random queries with a fixed seed.
func TestDifferential(t *testing.T) {
	runDifferential(t, 1, 1000)
}

// FuzzDifferential searches more seeds: go test -fuzz FuzzDifferential
// ./store/sqlstore (SQLite, and the servers whose DSN is set).
func FuzzDifferential(f *testing.F) {
	f.Add(uint64(2))
	f.Add(uint64(99))
	f.Fuzz(func(t *testing.T, seed uint64) {
		runDifferential(t, seed, 20)
	})
}
