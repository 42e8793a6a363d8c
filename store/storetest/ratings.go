package storetest

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// ratingWorld is an action world where Acme's contacts see their
// company's tickets, customers may close and reopen them, and ratings are
// on: 1–5 with a comment, changeable for three days.
type ratingWorld struct {
	*actionWorld
}

func newRatingWorld(t *testing.T, s portal.Store) *ratingWorld {
	t.Helper()
	w := &ratingWorld{newActionWorld(t, s)}
	w.set(func(st *portal.Settings) {
		st.Permissions.Scope = portal.CompanyTickets
		st.Actions.CustomerClose, st.Actions.Reopen = true, true
		st.Actions.CloseStages = map[uuid.UUID]uuid.UUID{w.pipeline.ID: w.stage("Solved")}
		st.Satisfaction = portal.Satisfaction{Enabled: true, Scale: portal.OneToFive, Comment: true, ChangeDays: 3}
	})
	return w
}

// at returns a Portal of the world's store whose clock is d after listNow.
func (w *ratingWorld) at(d time.Duration) *portal.Portal {
	w.t.Helper()
	p, err := portal.New(w.s, portal.Options{Now: func() time.Time { return listNow.Add(d) }})
	require.NoError(w.t, err)
	return p
}

// rateVerdict returns what Explain says of rating the ticket, checking
// that the detail agrees.
func (w *ratingWorld) rateVerdict(p *portal.Portal, c portal.Contact, id uuid.UUID) portal.ActionVerdict {
	w.t.Helper()
	d, err := p.TicketDetail(ctx(w.t), w.viewer(c), id)
	require.NoError(w.t, err)
	e, err := p.Explain(ctx(w.t), w.pid, c.ID, id)
	require.NoError(w.t, err)
	i := slices.IndexFunc(e.Actions, func(a portal.ActionVerdict) bool { return a.Action == "rate" })
	require.GreaterOrEqual(w.t, i, 0, "Explain tells of rating")
	assert.Equal(w.t, d.CanRate, e.Actions[i].Allowed, "detail and Explain agree")
	return e.Actions[i]
}

// refused checks that rating as in is refused with err naming what (a
// rule or a field), and writes nothing.
func (w *ratingWorld) refused(p *portal.Portal, c portal.Contact, id uuid.UUID, in portal.RatingInput, err error, what string) {
	w.t.Helper()
	before, stored := len(w.events()), w.stored(id)
	_, got := p.Rate(ctx(w.t), w.viewer(c), id, in)
	require.ErrorIs(w.t, got, err)
	if err == portal.ErrInvalid {
		requireField(w.t, got, what)
	} else {
		assert.Contains(w.t, got.Error(), what)
		assert.Equal(w.t, what, w.rateVerdict(p, c, id).Rule)
	}
	assert.Len(w.t, w.events(), before, "a refusal writes no event")
	assert.Equal(w.t, stored, w.stored(id), "nor changes the ticket")
}

// A contact rates a closed ticket of its scope once each time it closes,
// may change its own rating within the window, and each rating is an
// event; every refusal names its rule or field and writes nothing.
// covers: P14, X4
func testRate(t *testing.T, s portal.Store) {
	w := newRatingWorld(t, s)
	ann, bob := w.viewer(w.ann), w.viewer(w.bob)
	id := w.id("Ann and Acme")
	four := portal.RatingInput{Value: "4", Comment: "  Quick and kind  "}

	w.refused(w.p, w.ann, id, four, portal.ErrForbidden, "satisfaction.enabled") // open
	assert.Equal(t, "the ticket is open", w.rateVerdict(w.p, w.ann, id).Reason)
	_, err := w.p.Close(ctx(t), ann, id)
	require.NoError(t, err)
	closed := w.stored(id)
	d, err := w.p.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	assert.True(t, d.CanRate)
	assert.Nil(t, d.Rating)
	assert.Equal(t, []string{"1", "2", "3", "4", "5"}, values(d.RatingOptions))
	assert.True(t, d.RatingComment)

	// Bad input, on a ticket that may be rated.
	w.refused(w.p, w.ann, id, portal.RatingInput{Value: "6"}, portal.ErrInvalid, "value")
	w.refused(w.p, w.ann, id, portal.RatingInput{Value: portal.RatingGood}, portal.ErrInvalid, "value")
	w.refused(w.p, w.ann, id, portal.RatingInput{}, portal.ErrInvalid, "value")
	w.refused(w.p, w.ann, id, portal.RatingInput{Value: "4", Comment: strings.Repeat("x", 100<<10)}, portal.ErrInvalid, "comment")
	w.refused(w.p, w.ann, id, portal.RatingInput{Value: "4", Comment: "a\x00b"}, portal.ErrInvalid, "comment")
	_, err = w.p.Rate(ctx(t), w.viewer(w.carl), id, four)
	require.ErrorIs(t, err, portal.ErrNotFound, "out of scope is not found, as a missing ticket is")
	_, err = w.p.Rate(ctx(t), portal.Viewer{PortalID: w.pid, ContactID: w.ann.ID, Preview: true}, id, four)
	require.ErrorIs(t, err, portal.ErrForbidden, "a preview is read-only")

	res, err := w.p.Rate(ctx(t), ann, id, four)
	require.NoError(t, err)
	want := portal.Rating{Value: "4", Comment: "Quick and kind", ContactID: w.ann.ID, ClosedAt: closed.ClosedAt, RatedAt: listNow}
	assert.Equal(t, portal.RateResult{Rating: want}, res)
	tk := w.stored(id)
	assert.Equal(t, want, tk.Rating)
	closed.Rating = want
	assert.Equal(t, closed, tk, "nothing else changes, the last activity neither")
	evs := w.events()
	require.Len(t, evs, 2)
	e := evs[1]
	assert.Equal(t, portal.EventRating, e.Kind)
	assert.Equal(t, []any{id, tk.Number, w.ann.ID, "4", "Quick and kind", w.channel.ID},
		[]any{e.TicketID, e.TicketNumber, e.ContactID, e.Rating, e.RatingComment, e.ChannelID})

	again, err := w.p.Rate(ctx(t), ann, id, four)
	require.NoError(t, err)
	assert.Equal(t, portal.RateResult{Rating: want, Unchanged: true}, again, "the same rating sent twice")
	assert.Len(t, w.events(), 2)
	_, err = w.p.Rate(ctx(t), portal.Viewer{PortalID: w.pid, ContactID: w.ann.ID, Preview: true}, id, four)
	require.ErrorIs(t, err, portal.ErrForbidden, "a preview is read-only, even for what is there")

	// A host's save with a closing time of its own keeps the ticket's:
	// the rating still rates this closing.
	host := w.stored(id)
	host.ClosedAt = host.ClosedAt.Add(-90 * time.Second)
	_, err = w.p.SaveTicket(ctx(t), host)
	require.NoError(t, err)
	assert.Equal(t, closed.ClosedAt, w.stored(id).ClosedAt)
	w.refused(w.p, w.bob, id, portal.RatingInput{Value: "1"}, portal.ErrForbidden, "satisfaction.enabled")

	// Bob, Ann's colleague, sees her rating but may not give another.
	d, err = w.p.TicketDetail(ctx(t), bob, id)
	require.NoError(t, err)
	assert.Equal(t, &portal.RatingView{Value: "4", Label: "4", Comment: "Quick and kind", RatedAt: listNow}, d.Rating)
	w.refused(w.p, w.bob, id, portal.RatingInput{Value: "1"}, portal.ErrForbidden, "satisfaction.enabled")

	// Ann changes hers within three days, not after.
	later := w.at(48 * time.Hour)
	changed, err := later.Rate(ctx(t), ann, id, portal.RatingInput{Value: "5"})
	require.NoError(t, err)
	want.Value, want.Comment, want.ChangedAt = "5", "", listNow.Add(48*time.Hour)
	assert.Equal(t, want, changed.Rating, "a change keeps when it was first given")
	d, err = later.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	assert.True(t, d.Rating.Mine)
	assert.Equal(t, "5", d.Rating.Value)
	w.refused(w.at(4*24*time.Hour), w.ann, id, portal.RatingInput{Value: "3"}, portal.ErrForbidden, "satisfaction.changeDays")
	w.set(func(st *portal.Settings) { st.Satisfaction.ChangeDays = 0 })
	w.refused(w.p, w.ann, id, portal.RatingInput{Value: "3"}, portal.ErrForbidden, "satisfaction.changeDays")
	same, err := w.p.Rate(ctx(t), ann, id, portal.RatingInput{Value: "5"})
	require.NoError(t, err, "a final rating sent again is no change")
	assert.True(t, same.Unchanged)

	// Reopened, the ticket has no rating of its closing; closed again, it
	// may be rated again, by Bob too.
	_, err = later.Reopen(ctx(t), ann, id)
	require.NoError(t, err)
	d, err = later.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	assert.Nil(t, d.Rating)
	assert.Equal(t, "5", w.stored(id).Rating.Value, "the ticket keeps its latest rating")
	w.refused(later, w.ann, id, portal.RatingInput{Value: "5"}, portal.ErrForbidden, "satisfaction.enabled")
	_, err = later.Close(ctx(t), bob, id)
	require.NoError(t, err)
	res, err = later.Rate(ctx(t), bob, id, portal.RatingInput{Value: "2", Comment: "It came back"})
	require.NoError(t, err)
	assert.Equal(t, listNow.Add(48*time.Hour), res.Rating.ClosedAt)
	assert.Equal(t, w.bob.ID, w.stored(id).Rating.ContactID)

	// Comments off: a comment is bad input; ratings off: refused.
	w.set(func(st *portal.Settings) { st.Satisfaction.Comment = false })
	other := w.id("Bob and Acme")
	_, err = w.p.Close(ctx(t), bob, other)
	require.NoError(t, err)
	w.refused(w.p, w.bob, other, portal.RatingInput{Value: "3", Comment: "Fine"}, portal.ErrInvalid, "comment")
	w.set(func(st *portal.Settings) { st.Satisfaction.Enabled = false })
	w.refused(w.p, w.bob, other, portal.RatingInput{Value: "3"}, portal.ErrForbidden, "satisfaction.enabled")
	w.refused(w.p, w.bob, id, portal.RatingInput{Value: "2", Comment: "It came back"}, portal.ErrForbidden, "satisfaction.enabled")

	// A host's save of the ticket keeps the customer's rating.
	tk = w.stored(id)
	host = tk.Clone()
	host.Rating, host.Subject = portal.Rating{}, "Renamed by the helpdesk"
	saved, err := w.p.SaveTicket(ctx(t), host)
	require.NoError(t, err)
	assert.Equal(t, tk.Rating, saved.Rating)
	assert.Equal(t, tk.Rating, w.stored(id).Rating)
}

// values returns the options' values.
func values(os []portal.Option) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.Value
	}
	return out
}

// The ticket's latest rating is the built-in "satisfaction" property: a
// column, a filter, a sort and an export field.
// covers: P14, S5, S8, P7
func testRatingProperty(t *testing.T, s portal.Store) {
	w := newRatingWorld(t, s)
	w.set(func(st *portal.Settings) { st.Satisfaction.Scale = portal.GoodBad })
	w.columns(portal.PropSubject, portal.PropSatisfaction)
	ann := w.viewer(w.ann)
	for subject, value := range map[string]string{"Ann alone": portal.RatingGood, "Ann and Acme": portal.RatingBad, "Bob and Acme": ""} {
		id := w.id(subject)
		_, err := w.p.Close(ctx(t), ann, id)
		require.NoError(t, err)
		if value != "" {
			_, err = w.p.Rate(ctx(t), ann, id, portal.RatingInput{Value: value})
			require.NoError(t, err)
		}
	}
	q := portal.ListQuery{View: portal.OrganizationTickets, Sort: portal.PropSatisfaction}
	got := w.list(ann, q)
	require.Len(t, got, 6)
	assert.Equal(t, []string{"Ann and Acme", "Ann alone"}, got[:2], "bad before good")
	assert.ElementsMatch(t, []string{"Acme without contact", "Ann and Carl", "Ann at Beta", "Bob and Acme"}, got[2:], "the unrated last")
	tv := w.view(ann, q)
	require.Len(t, tv.Rows, 6)
	assert.Equal(t, "Bad", tv.Rows[0].Cells[1].Text)
	assert.Equal(t, "Good", tv.Rows[1].Cells[1].Text)
	assert.Equal(t, "", tv.Rows[2].Cells[1].Text)
	for _, tc := range []struct {
		f    portal.Filter
		want []string
	}{
		{flt(portal.PropSatisfaction, portal.IsAnyOf, portal.RatingGood), []string{"Ann alone"}},
		{flt(portal.PropSatisfaction, portal.IsNoneOf, portal.RatingGood), []string{"Ann and Acme"}},
		{flt(portal.PropSatisfaction, portal.IsKnown), []string{"Ann alone", "Ann and Acme"}},
		{flt(portal.PropSatisfaction, portal.IsUnknown), []string{"Acme without contact", "Ann and Carl", "Ann at Beta", "Bob and Acme"}},
	} {
		got := w.list(ann, portal.ListQuery{View: portal.OrganizationTickets, Sort: portal.PropSubject, Filters: []portal.Filter{tc.f}})
		assert.Equal(t, tc.want, got, "%v", tc.f)
	}
	var buf bytes.Buffer
	_, err := w.p.ExportCSV(ctx(t), ann, portal.ListQuery{View: portal.OrganizationTickets, Sort: portal.PropSatisfaction},
		&buf, portal.CSVOptions{NoBOM: true})
	require.NoError(t, err)
	lines := strings.Split(buf.String(), "\r\n")
	require.Len(t, lines, 8)
	assert.Equal(t, []string{"Subject,Satisfaction", "Ann and Acme,Bad", "Ann alone,Good", "Acme without contact,"},
		[]string{lines[0], lines[1], lines[2], lines[3]})
}

// Two colleagues rate one closing at once: one rating is kept, one event
// written, and the other is refused as rated (P14).
// covers: P14, X7
func testRateRace(t *testing.T, s portal.Store) {
	r := &storeRacer{Store: s}
	w := newRatingWorld(t, r)
	id := w.id("Ann and Acme")
	_, err := w.p.Close(ctx(t), w.viewer(w.ann), id)
	require.NoError(t, err)
	r.beforeRate = func() {
		_, err := w.p.Rate(ctx(t), w.viewer(w.bob), id, portal.RatingInput{Value: "1"})
		assert.NoError(t, err, "Bob's rating lands between Ann's decision and her write")
	}
	_, err = w.p.Rate(ctx(t), w.viewer(w.ann), id, portal.RatingInput{Value: "5"})
	require.ErrorIs(t, err, portal.ErrForbidden, "decided again, Ann finds the closing rated")
	assert.Equal(t, w.bob.ID, w.stored(id).Rating.ContactID)

	// Truly at once, on the next closing.
	_, err = w.p.Reopen(ctx(t), w.viewer(w.ann), id)
	require.NoError(t, err)
	_, err = w.at(time.Hour).Close(ctx(t), w.viewer(w.ann), id)
	require.NoError(t, err)
	before := len(w.events())
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			c := []portal.Contact{w.ann, w.bob}[i%2]
			_, errs[i] = w.at(time.Hour).Rate(ctx(t), w.viewer(c), id, portal.RatingInput{Value: []string{"2", "3"}[i%2]})
		})
	}
	wg.Wait()
	rated, _ := countOutcomes(t, errs, portal.ErrForbidden)
	assert.NotEmpty(t, rated)
	evs := w.events()[before:]
	require.Len(t, evs, 1, "one rating of the closing")
	assert.Equal(t, evs[0].Rating, w.stored(id).Rating.Value)
	assert.Equal(t, evs[0].ContactID, w.stored(id).Rating.ContactID)
}

// RateTicket writes the rating only while the ticket is in the stage, the
// closing and the rating it was decided on; a put never changes a rating.
// covers: P14
func testRateTicketContract(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	id := w.id("Ann alone")
	closedAt := listNow.Add(-time.Hour)
	require.NoError(t, s.MoveTicket(ctx(t), portal.MoveChange{PortalID: w.pid, TicketID: id, From: w.stage("New"),
		To: w.stage("Solved"), ClosedAt: closedAt, At: closedAt, Event: w.event(portal.EventClose, id)}))
	tk := w.stored(id)
	rating := portal.Rating{Value: "good", Comment: "ok", ContactID: w.ann.ID, ClosedAt: closedAt, RatedAt: listNow}
	change := func(mod func(*portal.RateChange)) portal.RateChange {
		c := portal.RateChange{PortalID: w.pid, TicketID: id, IfStage: w.stage("Solved"), Rating: rating,
			Event: w.event(portal.EventRating, id)}
		mod(&c)
		return c
	}
	for name, c := range map[string]portal.RateChange{
		"stage":   change(func(c *portal.RateChange) { c.IfStage = w.stage("Rejected") }),
		"closing": change(func(c *portal.RateChange) { c.Rating.ClosedAt = listNow }),
		"rating":  change(func(c *portal.RateChange) { c.Was = rating }),
	} {
		require.ErrorIs(t, s.RateTicket(ctx(t), c), portal.ErrConflict, name)
	}
	require.ErrorIs(t, s.RateTicket(ctx(t), change(func(c *portal.RateChange) { c.TicketID = newID(t) })), portal.ErrNotFound)
	assert.Equal(t, tk, w.stored(id), "nothing changed")
	assert.Len(t, w.events(), 1, "no event")

	require.NoError(t, s.RateTicket(ctx(t), change(func(*portal.RateChange) {})))
	tk.Rating = rating
	assert.Equal(t, tk, w.stored(id))
	changed := rating
	changed.Value, changed.ChangedAt = "bad", listNow.Add(time.Minute)
	require.NoError(t, s.RateTicket(ctx(t), change(func(c *portal.RateChange) { c.Was, c.Rating = rating, changed })))
	tk.Rating = changed
	assert.Equal(t, tk, w.stored(id))

	// A put keeps the stored rating, whatever it holds; a new ticket has
	// none.
	put := tk.Clone()
	put.Rating, put.Subject = portal.Rating{Value: "5"}, "Put again"
	require.NoError(t, s.PutTicket(ctx(t), put))
	assert.Equal(t, changed, w.stored(id).Rating)
	assert.Equal(t, "Put again", w.stored(id).Subject)
	fresh := put.Clone()
	fresh.ID, fresh.Number = newID(t), 0
	require.NoError(t, s.PutTicket(ctx(t), fresh))
	got, err := s.Ticket(ctx(t), w.pid, fresh.ID)
	require.NoError(t, err)
	assert.True(t, got.Rating.IsZero())
	assert.Len(t, w.events(), 3)
}
