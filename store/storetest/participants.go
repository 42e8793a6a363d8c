package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// participantWorld is an action world with participants on (at most two
// a ticket) and two more of Acme's contacts, Eve and Finn.
type participantWorld struct {
	*actionWorld
	eve, finn portal.Contact
}

func newParticipantWorld(t *testing.T, s portal.Store) *participantWorld {
	t.Helper()
	w := &participantWorld{actionWorld: newActionWorld(t, s)}
	w.eve = w.contact("Eve", "Eriksen", "eve@acme.dk", w.acme.ID)
	w.finn = w.contact("Finn", "Fisker", "finn@acme.dk", w.acme.ID)
	w.set(func(st *portal.Settings) { st.Participants = portal.Participants{Enabled: true, Max: 2} })
	return w
}

// mine lists the contact's own tickets (OwnedByMe), by subject.
func (w *participantWorld) mine(c portal.Contact) []string {
	w.t.Helper()
	return w.list(w.viewer(c), portal.ListQuery{View: portal.OwnedByMe, Sort: portal.PropSubject})
}

// refusedAdd checks that c adding email is refused with err naming what
// (a field, or a rule), and writes nothing.
func (w *participantWorld) refusedAdd(c portal.Contact, id uuid.UUID, email string, err error, what string) error {
	w.t.Helper()
	before, stored := len(w.events()), w.stored(id)
	_, got := w.p.AddParticipant(ctx(w.t), w.viewer(c), id, email)
	require.ErrorIs(w.t, got, err)
	if err == portal.ErrInvalid {
		requireField(w.t, got, what)
	} else {
		assert.Contains(w.t, got.Error(), what)
	}
	assert.Len(w.t, w.events(), before, "a refusal writes no event")
	assert.Equal(w.t, stored, w.stored(id), "nor changes the ticket")
	return got
}

// A contact adds colleagues of its own company to a ticket by e-mail; they
// see it among their own tickets and act on it; only the one who added a
// participant, or the participant itself, takes it off. Every change is an
// event; every refusal names its field or rule and writes nothing, and an
// address that is no colleague's gets one answer whoever it is.
// covers: P12, S4, X4
func testParticipants(t *testing.T, s portal.Store) {
	w := newParticipantWorld(t, s)
	ann, bob := w.viewer(w.ann), w.viewer(w.bob)
	id := w.id("Ann alone")
	require.NotContains(t, w.mine(w.bob), "Ann alone")
	_, err := w.p.TicketDetail(ctx(t), bob, id)
	require.ErrorIs(t, err, portal.ErrNotFound, "not Bob's before he is added")

	// Refusals.
	w.set(func(st *portal.Settings) { st.Participants.Enabled = false })
	w.refusedAdd(w.ann, id, "bob@acme.com", portal.ErrForbidden, "participants.enabled")
	d, err := w.p.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	assert.False(t, d.CanAddParticipants)
	w.set(func(st *portal.Settings) { st.Participants.Enabled = true })
	other := w.refusedAdd(w.ann, id, "carl@beta.dk", portal.ErrInvalid, "email")
	unknown := w.refusedAdd(w.ann, id, "nobody@acme.dk", portal.ErrInvalid, "email")
	onIt := w.refusedAdd(w.ann, w.id("Ann and Carl"), "carl@beta.dk", portal.ErrInvalid, "email") // Carl is a contact of it
	for _, err := range []error{other, onIt} {
		assert.Equal(t, strings.ReplaceAll(unknown.Error(), "nobody@acme.dk", "x"), strings.ReplaceAll(err.Error(), "carl@beta.dk", "x"),
			"another company's contact, on the ticket or not, and an unknown address get one answer")
	}
	w.refusedAdd(w.ann, id, "ANN@acme.dk", portal.ErrInvalid, "email") // oneself
	w.refusedAdd(w.ann, id, "not an address", portal.ErrInvalid, "email")
	w.refusedAdd(w.ann, id, "", portal.ErrInvalid, "email")
	w.refusedAdd(w.dora, w.id("Dora alone"), "ann@acme.dk", portal.ErrForbidden, "contact.companyId") // no company
	_, err = w.p.AddParticipant(ctx(t), w.viewer(w.carl), id, "bob@acme.com")
	require.ErrorIs(t, err, portal.ErrNotFound, "out of scope is not found, as a missing ticket is")
	_, err = w.p.AddParticipant(ctx(t), portal.Viewer{PortalID: w.pid, ContactID: w.ann.ID, Preview: true}, id, "bob@acme.com")
	require.ErrorIs(t, err, portal.ErrForbidden, "a preview is read-only")
	plain, err := portal.New(struct{ portal.Store }{s}, portal.Options{Now: func() time.Time { return listNow }})
	require.NoError(t, err)
	_, err = plain.AddParticipant(ctx(t), ann, id, "bob@acme.com")
	require.ErrorIs(t, err, portal.ErrForbidden, "a store without a contact index cannot find colleagues")
	d, err = plain.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	assert.False(t, d.CanAddParticipants, "and the detail says so")
	assert.Empty(t, w.events(), "no refusal wrote an event")

	// Ann adds Bob: he sees the ticket as his own, and replies.
	d, err = w.p.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	assert.True(t, d.CanAddParticipants)
	added, err := w.p.AddParticipant(ctx(t), ann, id, " Bob@Acme.com ")
	require.NoError(t, err)
	assert.Equal(t, portal.Participant{ContactID: w.bob.ID, CompanyID: w.acme.ID, AddedBy: w.ann.ID, AddedAt: listNow}, added)
	tk := w.stored(id)
	assert.Equal(t, []portal.Participant{added}, tk.Participants)
	assert.Equal(t, []uuid.UUID{w.ann.ID}, tk.ContactIDs, "the helpdesk's contacts stay as they are")
	assert.Contains(t, w.mine(w.bob), "Ann alone")
	_, err = w.p.Reply(ctx(t), bob, id, portal.ReplyInput{Text: "I'm on it too"})
	require.NoError(t, err, "a participant acts on the ticket as on its own")
	evs := w.events()
	require.Len(t, evs, 2)
	assert.Equal(t, portal.EventParticipantAdded, evs[0].Kind)
	assert.Equal(t, []any{id, tk.Number, w.ann.ID, w.bob.ID}, []any{evs[0].TicketID, evs[0].TicketNumber, evs[0].ContactID, evs[0].ParticipantID})
	d, err = w.p.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	require.Len(t, d.Participants, 1)
	assert.Equal(t, portal.ParticipantView{ContactID: w.bob.ID, Name: "Bob Berg", Email: "bob@acme.com", AddedByViewer: true,
		CanRemove: true, AddedAt: listNow}, d.Participants[0])

	d, err = w.p.TicketDetail(ctx(t), bob, id)
	require.NoError(t, err)
	assert.Equal(t, []portal.ParticipantView{{ContactID: w.bob.ID, Name: "Bob Berg", Email: "bob@acme.com", CanRemove: true,
		AddedAt: listNow}}, d.Participants, "the participant may leave")
	d, err = w.p.TicketDetail(ctx(t), w.viewer(w.carl), w.id("Ann and Carl"))
	require.NoError(t, err)
	assert.Empty(t, d.Participants)

	w.refusedAdd(w.ann, id, "bob@acme.com", portal.ErrInvalid, "email") // a duplicate
	w.contact("Eve", "at Beta", "eve@acme.dk", w.beta.ID)               // another company's contact shares Eve's address
	_, err = w.p.AddParticipant(ctx(t), bob, id, "eve@acme.dk")
	require.NoError(t, err, "a participant adds colleagues too, by an address another company's contact shares")
	w.refusedAdd(w.ann, id, "finn@acme.dk", portal.ErrInvalid, "participants") // the limit of two
	d, err = w.p.TicketDetail(ctx(t), ann, id)
	require.NoError(t, err)
	assert.False(t, d.CanAddParticipants, "full")
	e, err := w.p.Explain(ctx(t), w.pid, w.ann.ID, id)
	require.NoError(t, err)
	assert.Equal(t, "participants.max", e.Actions[len(e.Actions)-1].Rule)

	// Removing: Ann may not take off the one Bob added; Bob may, and Bob
	// may leave; a contact that is no participant is not found.
	before := len(w.events())
	err = w.p.RemoveParticipant(ctx(t), ann, id, w.eve.ID)
	require.ErrorIs(t, err, portal.ErrForbidden)
	err = w.p.RemoveParticipant(ctx(t), ann, id, w.finn.ID)
	require.ErrorIs(t, err, portal.ErrNotFound)
	err = w.p.RemoveParticipant(ctx(t), ann, id, w.ann.ID)
	require.ErrorIs(t, err, portal.ErrNotFound, "a contact of the ticket is no participant")
	assert.Len(t, w.events(), before)

	// Participants turned off: none is added, and those there may still
	// be taken off.
	w.set(func(st *portal.Settings) { st.Participants.Enabled = false })
	w.refusedAdd(w.bob, id, "finn@acme.dk", portal.ErrForbidden, "participants.enabled")
	require.NoError(t, w.p.RemoveParticipant(ctx(t), bob, id, w.eve.ID))
	_, err = w.p.TicketDetail(ctx(t), w.viewer(w.eve), id)
	require.ErrorIs(t, err, portal.ErrNotFound, "taken off, Eve no longer sees it")
	assert.NotContains(t, w.mine(w.eve), "Ann alone")
	w.set(func(st *portal.Settings) { st.Participants.Enabled = true })

	// A host's save keeps the participants; one the helpdesk makes a
	// contact of the ticket stays associated when taken off.
	host := w.stored(id)
	host.Participants, host.Subject = nil, "Ann alone"
	host.ContactIDs = []uuid.UUID{w.ann.ID, w.bob.ID}
	_, err = w.p.SaveTicket(ctx(t), host)
	require.NoError(t, err)
	assert.Len(t, w.stored(id).Participants, 1)
	require.NoError(t, w.p.RemoveParticipant(ctx(t), bob, id, w.bob.ID), "Bob leaves")
	assert.Empty(t, w.stored(id).Participants)
	assert.Contains(t, w.mine(w.bob), "Ann alone", "still one of the helpdesk's contacts of it")
	evs = w.requireEventKinds(portal.EventParticipantAdded, portal.EventReply, portal.EventParticipantAdded,
		portal.EventParticipantRemoved, portal.EventParticipantRemoved)
	assert.Equal(t, w.eve.ID, evs[3].ParticipantID)

	// A participant the helpdesk moves to another company is taken off:
	// it was added as a colleague of Acme's.
	_, err = w.p.AddParticipant(ctx(t), ann, id, "finn@acme.dk")
	require.NoError(t, err)
	assert.Contains(t, w.mine(w.finn), "Ann alone")
	moved := w.finn
	moved.CompanyID = w.beta.ID
	_, err = w.p.SaveContact(ctx(t), moved)
	require.NoError(t, err)
	assert.Empty(t, w.stored(id).Participants)
	assert.NotContains(t, w.mine(moved), "Ann alone")
	_, err = w.p.TicketDetail(ctx(t), w.viewer(moved), id)
	require.ErrorIs(t, err, portal.ErrNotFound)
	evs = w.events()
	last := evs[len(evs)-1]
	assert.Equal(t, []any{portal.EventParticipantRemoved, w.finn.ID, uuid.Nil}, []any{last.Kind, last.ParticipantID, last.ContactID},
		"the helpdesk took it off")
}

// A colleague's addition that lands between a contact's decision and its
// write is decided again: the limit holds (P12).
// covers: P12
func testParticipantsRace(t *testing.T, s portal.Store) {
	as, ok := s.(authStore)
	if !ok {
		t.Skip("finding colleagues by e-mail needs the store's contact index (portal.AuthStore)")
	}
	r := &racer{authStore: as}
	w := newParticipantWorld(t, r)
	w.set(func(st *portal.Settings) {
		st.Permissions.Scope = portal.CompanyTickets
		st.Participants.Max = 1
	})
	id := w.id("Ann and Acme")
	r.beforeParticipants = func() {
		_, err := w.p.AddParticipant(ctx(t), w.viewer(w.bob), id, "finn@acme.dk")
		assert.NoError(t, err, "Bob's lands first")
	}
	_, err := w.p.AddParticipant(ctx(t), w.viewer(w.ann), id, "eve@acme.dk")
	requireField(t, err, "participants")
	assert.Equal(t, []uuid.UUID{w.finn.ID}, contactsOf(w.stored(id).Participants))
	assert.Len(t, w.events(), 1)
}

func contactsOf(ps []portal.Participant) []uuid.UUID {
	out := make([]uuid.UUID, len(ps))
	for i, pa := range ps {
		out[i] = pa.ContactID
	}
	return out
}

// SetParticipants writes the participants only while the ticket has those
// it was decided on, and associates the ticket with them for the
// contact's own list; a put keeps them and the association.
// covers: P12, S4
func testSetParticipantsContract(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	id := w.id("Ann alone")
	eve := w.contact("Eve", "", "eve@acme.dk", w.acme.ID)
	bobs := func() []string {
		return w.list(w.viewer(w.bob), portal.ListQuery{View: portal.OwnedByMe, Sort: portal.PropSubject})
	}
	pa := portal.Participant{ContactID: w.bob.ID, CompanyID: w.acme.ID, AddedBy: w.ann.ID, AddedAt: listNow}
	change := func(was, now []portal.Participant) portal.ParticipantChange {
		return portal.ParticipantChange{PortalID: w.pid, TicketID: id, Was: was, Participants: now,
			Event: w.event(portal.EventParticipantAdded, id)}
	}
	tk := w.stored(id)
	require.ErrorIs(t, s.SetParticipants(ctx(t), change([]portal.Participant{pa}, nil)), portal.ErrConflict)
	missing := change(nil, []portal.Participant{pa})
	missing.TicketID = newID(t)
	require.ErrorIs(t, s.SetParticipants(ctx(t), missing), portal.ErrNotFound)
	assert.Equal(t, tk, w.stored(id), "nothing changed")
	assert.Empty(t, w.events())
	assert.NotContains(t, bobs(), "Ann alone")

	require.NoError(t, s.SetParticipants(ctx(t), change(nil, []portal.Participant{pa})))
	tk.Participants = []portal.Participant{pa}
	assert.Equal(t, tk, w.stored(id))
	assert.Contains(t, bobs(), "Ann alone", "the participant's own")
	// Was must be the participants as they are, not as many.
	for name, was := range map[string]portal.Participant{
		"contact": {ContactID: eve.ID, CompanyID: w.acme.ID, AddedBy: w.ann.ID, AddedAt: listNow},
		"company": {ContactID: w.bob.ID, CompanyID: w.beta.ID, AddedBy: w.ann.ID, AddedAt: listNow},
		"adder":   {ContactID: w.bob.ID, CompanyID: w.acme.ID, AddedBy: eve.ID, AddedAt: listNow},
		"time":    {ContactID: w.bob.ID, CompanyID: w.acme.ID, AddedBy: w.ann.ID, AddedAt: listNow.Add(time.Microsecond)},
	} {
		require.ErrorIs(t, s.SetParticipants(ctx(t), change([]portal.Participant{was}, nil)), portal.ErrConflict, name)
	}
	assert.Equal(t, tk, w.stored(id))

	// A put keeps the participants, whatever it holds, and the
	// association; the ticket's contacts are the put's.
	put := tk.Clone()
	put.Participants = []portal.Participant{{ContactID: eve.ID}}
	put.Subject = "Ann alone"
	require.NoError(t, s.PutTicket(ctx(t), put))
	assert.Equal(t, []portal.Participant{pa}, w.stored(id).Participants)
	assert.Contains(t, bobs(), "Ann alone")
	assert.NotContains(t, w.list(w.viewer(eve), portal.ListQuery{View: portal.OwnedByMe, Sort: portal.PropSubject}), "Ann alone")

	// Bob made a contact of the ticket as well, then taken off as a
	// participant: still associated. Taken off the contacts: not.
	put.ContactIDs = []uuid.UUID{w.ann.ID, w.bob.ID}
	require.NoError(t, s.PutTicket(ctx(t), put))
	require.NoError(t, s.SetParticipants(ctx(t), change([]portal.Participant{pa}, nil)))
	assert.Empty(t, w.stored(id).Participants)
	assert.Contains(t, bobs(), "Ann alone")
	put.ContactIDs = []uuid.UUID{w.ann.ID}
	require.NoError(t, s.PutTicket(ctx(t), put))
	assert.NotContains(t, bobs(), "Ann alone")
	evs := w.events()
	assert.Len(t, evs, 2)
	assert.True(t, slices.IsSortedFunc(evs, func(a, b portal.Event) int { return int(a.Seq - b.Seq) }))
}
