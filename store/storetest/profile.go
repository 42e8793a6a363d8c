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

// The contact's own account (P16). The store keeps what a contact's
// change of its record needs: the change written only over the record it
// read, with its event; the contact's sessions listed; the address an
// e-mail change's token confirms.

// profileStoreTests hold the store to those parts of its contract, called
// directly.
var profileStoreTests = []test{
	{name: "ContactChangeOverTheRecordItReadWritesItsEvent", fn: auth(testContactChangeEvent)},
	{name: "SessionsOfAContactByPreview", fn: auth(testListSessions)},
	{name: "TokenKeepsTheAddressItConfirms", fn: auth(testTokenEmail)},
}

// profileTests check the profile through Portal.
var profileTests = []test{
	{name: "ProfileChangesNameLanguageAndTimeZone", fn: auth(testProfile)},
	{name: "ProfileRefusesBadInputWritingNothing", fn: auth(testProfileInput)},
	{name: "PasswordChangeNeedsTheCurrentOneAndEndsOtherSessions", fn: auth(testChangePassword)},
	{name: "ContactListsAndEndsItsSessions", fn: auth(testOwnSessions)},
	{name: "EmailChangesOnlyOnceTheNewAddressConfirms", fn: auth(testEmailChangeConfirmed)},
	{name: "ANewPasswordEndsEveryPendingLink", fn: auth(testNewPasswordEndsLinks)},
	{name: "AnAttackerOverItsMailLimitCannotKeepAnOwnersMail", fn: auth(testMailLimitNoLockout)},
}

// covers: P16, X8 (a change over a stale record writes nothing, its event
// and its mail neither; over the record it read, all three)
func testContactChangeEvent(t *testing.T, s authStore) {
	f := newEmailWorld(t, s)
	renamed := f.ann.Clone()
	renamed.FirstName, renamed.UpdatedAt = "Anne", at(60)
	ev := portal.Event{ID: newID(t), PortalID: f.pid, Kind: portal.EventContactName, ContactID: f.ann.ID,
		FirstName: "Anne", LastName: f.ann.LastName, At: at(60)}
	notice := portal.QueuedMail{ID: newID(t), PortalID: f.pid, Kind: portal.MailEmailChanged, ContactID: f.ann.ID,
		Email: "ann@acme.example", QueuedAt: at(60), DueAt: at(60)}
	was := portal.ContactState{Email: "ann@acme.example", Login: "ann@acme.example"}
	stale := was
	stale.UpdatedAt = f.ann.UpdatedAt.Add(time.Microsecond)
	err := s.PutContact(ctx(t), portal.ContactChange{Contact: renamed, If: &stale, Event: &ev, Mail: &notice})
	require.ErrorIs(t, err, portal.ErrConflict, "a host saved the contact in between")
	require.Equal(t, f.ann, contactKind.read(t, s, f.pid, f.ann.ID), "nothing written")
	events, err := s.Events(ctx(t), f.pid, 0, 10)
	require.NoError(t, err)
	require.Empty(t, events, "nor its event")
	mails, err := s.DueMails(ctx(t), f.pid, at(60), 10)
	require.NoError(t, err)
	require.Empty(t, mails, "nor its mail")

	fresh := was
	fresh.UpdatedAt, fresh.Password = f.ann.UpdatedAt, &f.la.PasswordHash
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: renamed, If: &fresh, Event: &ev, Mail: &notice}))
	require.Equal(t, renamed, contactKind.read(t, s, f.pid, f.ann.ID))
	events, err = s.Events(ctx(t), f.pid, 0, 10)
	require.NoError(t, err)
	ev.Seq = 1
	require.Equal(t, []portal.Event{ev}, events, "written with it, numbered")
	mails, err = s.DueMails(ctx(t), f.pid, at(60), 10)
	require.NoError(t, err)
	require.Equal(t, []portal.QueuedMail{notice}, mails, "queued with it")
	require.ErrorIs(t, s.PutContact(ctx(t), portal.ContactChange{Contact: renamed, If: &fresh, Event: &ev}), portal.ErrConflict,
		"the record it read is gone now")
}

// covers: P16 (a contact's sessions, previews apart, in its tenant only)
func testListSessions(t *testing.T, s authStore) {
	pid, other := newTenant(t, s), newTenant(t, s)
	ann, bob := newID(t), newID(t)
	a1, a2, pv := newSess(pid, ann, "a1", false), newSess(pid, ann, "a2", false), newSess(pid, ann, "a3", true)
	a2.LastSeenAt, a2.ExpiresAt = at(7), at(9)
	for _, ss := range []portal.Session{a1, a2, pv, newSess(pid, bob, "b1", false), newSess(other, ann, "o1", false)} {
		require.NoError(t, s.PutSession(ctx(t), ss))
	}
	byHash := func(a, b portal.Session) int { return slices.Compare(a.Hash[:], b.Hash[:]) }
	got, err := s.Sessions(ctx(t), pid, ann, false)
	require.NoError(t, err)
	want := []portal.Session{a1, a2}
	slices.SortFunc(got, byHash)
	slices.SortFunc(want, byHash)
	require.Equal(t, want, got)
	got, err = s.Sessions(ctx(t), pid, ann, true)
	require.NoError(t, err)
	require.Equal(t, []portal.Session{pv}, got)
	got, err = s.Sessions(ctx(t), pid, newID(t), false)
	require.NoError(t, err)
	require.Empty(t, got)
}

// covers: P16 (a token keeps the address it confirms; others keep none)
func testTokenEmail(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	ann := newID(t)
	change := newTok(pid, ann, portal.TokenEmail, "change")
	change.Email = "ann@new.example"
	reset := newTok(pid, ann, portal.TokenReset, "reset")
	require.NoError(t, s.PutToken(ctx(t), change))
	require.NoError(t, s.PutToken(ctx(t), reset))
	got, err := s.TakeToken(ctx(t), pid, portal.TokenEmail, change.Hash)
	require.NoError(t, err)
	require.Equal(t, change, got)
	got, err = s.TakeToken(ctx(t), pid, portal.TokenReset, reset.Hash)
	require.NoError(t, err)
	require.Equal(t, reset, got)
	require.Empty(t, got.Email)
}

// contactEvents returns the tenant's outbox events of kind.
func (d *door) contactEvents(t *testing.T, kind portal.EventKind) []portal.Event {
	t.Helper()
	events, err := d.p.Events(ctx(t), d.pid, 0, portal.MaxEvents)
	require.NoError(t, err)
	return slices.DeleteFunc(events, func(e portal.Event) bool { return e.Kind != kind })
}

// covers: P16 (name, language and time zone; a name change is an event; a
// change of nothing writes nothing)
func testProfile(t *testing.T, s authStore) {
	r := &racer{authStore: s}
	d := newDoor(t, r, nil)
	v := portal.Viewer{PortalID: d.pid, ContactID: d.ann.ID}
	pr, err := d.p.Profile(ctx(t), v)
	require.NoError(t, err)
	assert.Equal(t, portal.Profile{FirstName: "Ann", Email: "Ann@Acme.example"}, pr, "no login yet: no password")
	d.invited(t, d.ann)

	d.clock.advance(time.Minute)
	pr, err = d.p.UpdateProfile(ctx(t), v, portal.ProfileInput{FirstName: " Anne ", LastName: "Smith", Language: "da",
		TimeZone: "Europe/Copenhagen"})
	require.NoError(t, err)
	assert.Equal(t, portal.Profile{FirstName: "Anne", LastName: "Smith", Email: "Ann@Acme.example", Language: "da",
		TimeZone: "Europe/Copenhagen", HasPassword: true}, pr)
	c, err := d.p.Contact(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"Anne", "Smith", "da", "Europe/Copenhagen"}, []string{c.FirstName, c.LastName, c.Language, c.TimeZone})
	assert.Equal(t, d.clock.Now(), c.UpdatedAt)
	assert.Equal(t, d.ann.Lists, c.Lists, "the rest of the record is the helpdesk's, kept")
	events := d.contactEvents(t, portal.EventContactName)
	require.Len(t, events, 1)
	assert.Equal(t, []string{"Anne", "Smith"}, []string{events[0].FirstName, events[0].LastName})
	assert.Equal(t, d.ann.ID, events[0].ContactID)
	assert.Equal(t, uuid.Nil, events[0].TicketID)

	_, err = d.p.UpdateProfile(ctx(t), v, portal.ProfileInput{FirstName: "Anne", LastName: "Smith", Language: "sv", TimeZone: "America/New_York"})
	require.NoError(t, err)
	_, err = d.p.UpdateProfile(ctx(t), v, portal.ProfileInput{FirstName: "Anne", LastName: "Smith", Language: "sv", TimeZone: "America/New_York"})
	require.NoError(t, err)
	assert.Len(t, d.contactEvents(t, portal.EventContactName), 1, "language and zone are the portal's own business; the same input changes nothing")

	// A host's save of the contact between the profile's read and its
	// write is kept: the change is made again over it.
	c, err = d.p.Contact(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	c.Lists = c.Lists[:1]
	r.beforeContact = func() {
		_, err := d.p.SaveContact(ctx(t), c)
		require.NoError(t, err)
	}
	_, err = d.p.UpdateProfile(ctx(t), v, portal.ProfileInput{FirstName: "Ann", LastName: "Smith"})
	require.NoError(t, err)
	require.Nil(t, r.beforeContact, "the host saved in between")
	got, err := d.p.Contact(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	assert.Equal(t, c.Lists, got.Lists, "the host's change stays")
	assert.Equal(t, []string{"Ann", "", ""}, []string{got.FirstName, got.Language, got.TimeZone}, "and so does the contact's")

	// A host's save without a language or zone keeps the contact's own;
	// its stamp rises, even when the host's clock does not.
	_, err = d.p.UpdateProfile(ctx(t), v, portal.ProfileInput{FirstName: "Ann", LastName: "Smith", Language: "de", TimeZone: "Europe/Berlin"})
	require.NoError(t, err)
	before, err := d.p.Contact(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	host := before.Clone()
	host.Language, host.TimeZone, host.FirstName = "", "", "Annie"
	saved, err := d.p.SaveContact(ctx(t), host)
	require.NoError(t, err)
	assert.Equal(t, []string{"Annie", "de", "Europe/Berlin"}, []string{saved.FirstName, saved.Language, saved.TimeZone})
	assert.True(t, saved.UpdatedAt.After(before.UpdatedAt), "UpdatedAt rises with every write")

	// A preview reads, never writes; the portal switch holds.
	_, err = d.p.UpdateProfile(ctx(t), portal.Viewer{PortalID: d.pid, ContactID: d.ann.ID, Preview: true}, portal.ProfileInput{FirstName: "X"})
	require.ErrorIs(t, err, portal.ErrForbidden)
	d.set(t, func(st *portal.Settings) { st.Enabled = false })
	_, err = d.p.Profile(ctx(t), v)
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
	_, err = d.p.UpdateProfile(ctx(t), v, portal.ProfileInput{FirstName: "X"})
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
}

// covers: P16, X3 (unknown language or zone, a zone with path characters,
// names too long: each names its field, and nothing is written)
func testProfileInput(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	v := portal.Viewer{PortalID: d.pid, ContactID: d.ann.ID}
	before, err := d.p.Contact(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	for name, c := range map[string]struct {
		in    portal.ProfileInput
		field string
	}{
		"unknown language":         {portal.ProfileInput{Language: "xx"}, "language"},
		"a language of no catalog": {portal.ProfileInput{Language: "fr"}, "language"},
		"unknown zone":             {portal.ProfileInput{TimeZone: "Europe/Nowhere"}, "timeZone"},
		"a path":                   {portal.ProfileInput{TimeZone: "../../../etc/passwd"}, "timeZone"},
		"an absolute path":         {portal.ProfileInput{TimeZone: "/usr/share/zoneinfo/UTC"}, "timeZone"},
		"a backslash":              {portal.ProfileInput{TimeZone: `Europe\Copenhagen`}, "timeZone"},
		"the host's own zone":      {portal.ProfileInput{TimeZone: "Local"}, "timeZone"},
		"a NUL":                    {portal.ProfileInput{TimeZone: "UTC\x00"}, "timeZone"},
		"a host's posix file":      {portal.ProfileInput{TimeZone: "posix/Europe/Copenhagen"}, "timeZone"},
		"a host's right file":      {portal.ProfileInput{TimeZone: "right/UTC"}, "timeZone"},
		"a host's localtime":       {portal.ProfileInput{TimeZone: "localtime"}, "timeZone"},
		"a line break":             {portal.ProfileInput{FirstName: "Ann\r\nBcc: x@evil.example"}, "firstName"},
		"a tab":                    {portal.ProfileInput{LastName: "Smi\tth"}, "lastName"},
		"a long name":              {portal.ProfileInput{FirstName: strings.Repeat("a", 101)}, "firstName"},
		"a long last name":         {portal.ProfileInput{LastName: strings.Repeat("å", 101)}, "lastName"},
		"not UTF-8":                {portal.ProfileInput{LastName: "\xff"}, "lastName"},
	} {
		_, err := d.p.UpdateProfile(ctx(t), v, c.in)
		requireField(t, err, c.field, name)
	}
	after, err := d.p.Contact(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing written")
	assert.Empty(t, d.contactEvents(t, portal.EventContactName))
	st := d.set(t, func(st *portal.Settings) { st.TimeZone = "Europe/Stockholm" })
	assert.Equal(t, "Europe/Stockholm", st.TimeZone, "the portal's default zone (X3)")
	_, err = d.p.SaveSettings(ctx(t), d.pid, func() portal.Settings { st.TimeZone = "Mars/Olympus"; return st }())
	requireField(t, err, "timeZone")
}

// covers: P16, A8 (the current password, the rules for the new one; every
// other session ends; wrong guesses slow their client)
func testChangePassword(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	bob := d.invited(t, d.bob)
	other := d.login(t, email)
	tok := d.login(t, email)
	bobs := d.login(t, bob)
	sess, err := d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err)

	const next = "a fresh passphrase 42"
	_, _, err = d.p.ChangePassword(ctx(t), sess, "not my password", next)
	requireField(t, err, "currentPassword")
	_, _, err = d.p.ChangePassword(ctx(t), sess, goodPassword, "short")
	requireField(t, err, "password")
	_, _, err = d.p.ChangePassword(ctx(t), sess, goodPassword, email)
	requireField(t, err, "password")
	d.login(t, email) // nothing changed

	newTok, newSess, err := d.p.ChangePassword(ctx(t), sess, goodPassword, next)
	require.NoError(t, err)
	for _, old := range []string{other, tok} {
		_, err := d.p.Authenticate(ctx(t), d.pid, old)
		require.ErrorIs(t, err, portal.ErrUnauthenticated, "every other session ends")
	}
	got, err := d.p.Authenticate(ctx(t), d.pid, newTok)
	require.NoError(t, err, "the caller goes on in a new session")
	assert.Equal(t, newSess, got)
	_, err = d.p.Authenticate(ctx(t), d.pid, bobs)
	require.NoError(t, err, "another contact's session stays")
	_, _, err = d.p.Login(ctx(t), d.pid, email, goodPassword)
	require.ErrorIs(t, err, portal.ErrUnauthenticated)
	_, _, err = d.p.Login(ctx(t), d.pid, email, next)
	require.NoError(t, err)

	// Guessing the current password through a session is throttled as a
	// login is.
	from := portal.WithClient(ctx(t), "198.51.100.9")
	for range 5 {
		_, _, err := d.p.ChangePassword(from, newSess, "a guess", "another passphrase 7")
		requireField(t, err, "currentPassword")
	}
	_, _, err = d.p.ChangePassword(from, newSess, next, "another passphrase 7")
	requireField(t, err, "currentPassword", "slowed: even the right one is refused for now")
	d.clock.advance(time.Second)
	_, _, err = d.p.ChangePassword(from, newSess, next, "another passphrase 7")
	require.NoError(t, err)

	pv, _, err := d.p.Preview(ctx(t), d.pid, d.ann.ID, "agent")
	require.NoError(t, err)
	pvs, err := d.p.Authenticate(ctx(t), d.pid, pv)
	require.NoError(t, err)
	_, _, err = d.p.ChangePassword(ctx(t), pvs, "another passphrase 7", "a third passphrase")
	require.ErrorIs(t, err, portal.ErrForbidden, "a preview is read-only")
}

// covers: P16, A6 (own sessions listed, previews apart; one ended by its
// ID; another contact's is not found)
func testOwnSessions(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	email := d.invited(t, d.ann)
	bob := d.invited(t, d.bob)
	first := d.login(t, email)
	d.clock.advance(time.Minute)
	second := d.login(t, email)
	d.clock.advance(time.Minute)
	current := d.login(t, email)
	bobTok := d.login(t, bob)
	_, _, err := d.p.Preview(ctx(t), d.pid, d.ann.ID, "agent")
	require.NoError(t, err)
	sess, err := d.p.Authenticate(ctx(t), d.pid, current)
	require.NoError(t, err)

	list, err := d.p.Sessions(ctx(t), sess)
	require.NoError(t, err)
	require.Len(t, list, 3, "ann's three sessions, not the preview")
	assert.True(t, list[0].Current, "the most recent first: this one")
	assert.False(t, list[1].Current || list[2].Current)
	for _, x := range list {
		assert.Len(t, x.ID, 32)
		assert.NotContains(t, []string{first, second, current}, x.ID, "an ID is no token")
	}

	require.NoError(t, d.p.EndSession(ctx(t), sess, list[2].ID))
	_, err = d.p.Authenticate(ctx(t), d.pid, first)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "the oldest session is ended")
	_, err = d.p.Authenticate(ctx(t), d.pid, second)
	require.NoError(t, err)
	require.ErrorIs(t, d.p.EndSession(ctx(t), sess, list[2].ID), portal.ErrNotFound, "ended already")
	bobSess, err := d.p.Authenticate(ctx(t), d.pid, bobTok)
	require.NoError(t, err)
	bobs, err := d.p.Sessions(ctx(t), bobSess)
	require.NoError(t, err)
	require.Len(t, bobs, 1)
	require.ErrorIs(t, d.p.EndSession(ctx(t), sess, bobs[0].ID), portal.ErrNotFound, "another contact's session")
	require.ErrorIs(t, d.p.EndSession(ctx(t), sess, "../"+bobs[0].ID), portal.ErrNotFound)
	_, err = d.p.Authenticate(ctx(t), d.pid, bobTok)
	require.NoError(t, err)

	// A session idle past the timeout is not listed.
	d.clock.advance(59 * time.Minute)
	sess, err = d.p.Authenticate(ctx(t), d.pid, current)
	require.NoError(t, err)
	d.clock.advance(2 * time.Minute)
	list, err = d.p.Sessions(ctx(t), sess)
	require.NoError(t, err)
	require.Len(t, list, 1, "the session idle for an hour has ended")
	assert.True(t, list[0].Current)
}

// covers: P16, A4 (the new address confirms by its link; until then
// nothing changes; the login moves with it; an event tells the helpdesk)
func testEmailChangeConfirmed(t *testing.T, s authStore) {
	d := newDoor(t, s, nil)
	old := d.invited(t, d.ann)
	bob := d.invited(t, d.bob)
	sess, err := d.p.Authenticate(ctx(t), d.pid, d.login(t, old))
	require.NoError(t, err)

	for name, c := range map[string]struct {
		email string
		want  error
	}{
		"not an address":     {"ann at new", portal.ErrInvalid},
		"its own":            {" ANN@acme.example", portal.ErrInvalid},
		"another's login":    {bob, portal.ErrConflict},
		"another's, in caps": {strings.ToUpper(bob), portal.ErrConflict},
	} {
		err := d.p.RequestEmailChange(ctx(t), sess, c.email, goodPassword)
		require.ErrorIs(t, err, c.want, name)
		if c.want == portal.ErrConflict {
			requireConflict(t, err, "email", name)
		} else {
			requireField(t, err, "email", name)
		}
	}

	const email = "ann.smith@new.example"
	require.NoError(t, d.p.RequestEmailChange(ctx(t), sess, " Ann.Smith@New.example ", goodPassword))
	m, ok := d.last(t, email)
	require.True(t, ok, "the link goes to the new address")
	require.Equal(t, portal.TokenEmail, m.Kind)
	assert.Equal(t, d.clock.Now().Add(24*time.Hour), m.ExpiresAt)
	assert.Contains(t, m.Body, m.Link)
	d.login(t, old)
	_, _, err = d.p.Login(ctx(t), d.pid, email, goodPassword)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "nothing changes before the link is used")

	require.NoError(t, d.p.ConfirmEmailChange(ctx(t), d.pid, m.Token))
	c, err := d.p.Contact(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	assert.Equal(t, email, c.Email)
	d.login(t, email)
	_, _, err = d.p.Login(ctx(t), d.pid, old, goodPassword)
	require.ErrorIs(t, err, portal.ErrUnauthenticated, "the login moved")
	_, err = d.p.Authenticate(ctx(t), d.pid, d.login(t, email))
	require.NoError(t, err)
	events := d.contactEvents(t, portal.EventContactEmail)
	require.Len(t, events, 1)
	assert.Equal(t, []string{email, "Ann@Acme.example"}, []string{events[0].Email, events[0].PreviousEmail})
	notice, ok := d.last(t, old)
	require.True(t, ok)
	require.Equal(t, portal.MailEmailChanged, notice.Kind, "the previous address is told")
	assert.Contains(t, notice.Body, email, "and which address took its place")
	assert.Empty(t, notice.Link+notice.Token, "a notice carries no link")
	requireField(t, d.p.ConfirmEmailChange(ctx(t), d.pid, m.Token), "token", "used")

	// A link that expired, or whose address another login took meanwhile.
	require.NoError(t, d.p.RequestEmailChange(ctx(t), sess, "ann@late.example", goodPassword))
	late, ok := d.last(t, "ann@late.example")
	require.True(t, ok)
	d.clock.advance(24 * time.Hour)
	requireField(t, d.p.ConfirmEmailChange(ctx(t), d.pid, late.Token), "token", "expired")
	sess, err = d.p.Authenticate(ctx(t), d.pid, d.login(t, email))
	require.NoError(t, err)
	require.NoError(t, d.p.RequestEmailChange(ctx(t), sess, "shared@acme.example", goodPassword))
	raced, ok := d.last(t, "shared@acme.example")
	require.True(t, ok)
	b := d.bob
	b.Email = "shared@acme.example"
	_, err = d.p.SaveContact(ctx(t), b)
	require.NoError(t, err)
	err = d.p.ConfirmEmailChange(ctx(t), d.pid, raced.Token)
	require.ErrorIs(t, err, portal.ErrConflict, "bob logs in with it now")
	c, err = d.p.Contact(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	assert.Equal(t, email, c.Email, "nothing changed")

	pv, _, err := d.p.Preview(ctx(t), d.pid, d.ann.ID, "agent")
	require.NoError(t, err)
	pvs, err := d.p.Authenticate(ctx(t), d.pid, pv)
	require.NoError(t, err)
	require.ErrorIs(t, d.p.RequestEmailChange(ctx(t), pvs, "x@acme.example", goodPassword), portal.ErrForbidden)
}

// covers: P16, A4, A8 (a thief who has a session and the password asks to
// move the login to its address; the owner's new password, or a reset,
// ends the link, and a request still queued when the password changed is
// never mailed; a session alone cannot ask at all)
func testNewPasswordEndsLinks(t *testing.T, s authStore) {
	d := newDoor(t, s, withLinks)
	email := d.invited(t, d.ann)
	thief, err := d.p.Authenticate(ctx(t), d.pid, d.login(t, email))
	require.NoError(t, err)
	requireField(t, d.p.RequestEmailChange(ctx(t), thief, "mallory@evil.example", ""), "currentPassword",
		"a session alone does not move the login")
	require.NoError(t, d.p.RequestEmailChange(ctx(t), thief, "mallory@evil.example", goodPassword))
	link, ok := d.last(t, "mallory@evil.example")
	require.True(t, ok)
	// A second request stays queued while the owner changes the password.
	require.NoError(t, d.p.RequestEmailChange(ctx(t), thief, "mallory@evil.example", goodPassword))
	d.clock.advance(time.Minute)
	owner, err := d.p.Authenticate(ctx(t), d.pid, d.login(t, email))
	require.NoError(t, err)
	const first = "owner's new passphrase 1"
	_, _, err = d.p.ChangePassword(ctx(t), owner, goodPassword, first)
	require.NoError(t, err)
	requireField(t, d.p.ConfirmEmailChange(ctx(t), d.pid, link.Token), "token", "the link died with the password")
	m, _ := d.last(t, "mallory@evil.example")
	assert.Equal(t, link.Token, m.Token, "the queued request was asked before the new password: never mailed")
	c, err := d.p.Contact(ctx(t), d.pid, d.ann.ID)
	require.NoError(t, err)
	assert.Equal(t, "Ann@Acme.example", c.Email)

	// The same after a reset; and a sign-in link ends too.
	tok, _, err := d.p.Login(ctx(t), d.pid, email, first)
	require.NoError(t, err)
	thief, err = d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err)
	require.NoError(t, d.p.RequestEmailChange(ctx(t), thief, "mallory@evil.example", first))
	link, ok = d.last(t, "mallory@evil.example")
	require.True(t, ok)
	signIn := d.signInToken(t, email, email)
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email))
	const second = "owner's newer passphrase 2"
	require.NoError(t, d.p.ResetPassword(ctx(t), d.pid, d.lastToken(t, email, portal.TokenReset), second))
	requireField(t, d.p.ConfirmEmailChange(ctx(t), d.pid, link.Token), "token")
	_, _, err = d.p.SignIn(ctx(t), d.pid, signIn)
	requireField(t, err, "token")

	// Under single sign-on no link moves a login.
	tok, _, err = d.p.Login(ctx(t), d.pid, email, second)
	require.NoError(t, err)
	owner, err = d.p.Authenticate(ctx(t), d.pid, tok)
	require.NoError(t, err)
	d.clock.advance(time.Minute)
	require.NoError(t, d.p.RequestEmailChange(ctx(t), owner, "ann@elsewhere.example", second))
	late, ok := d.last(t, "ann@elsewhere.example")
	require.True(t, ok)
	d.set(t, func(st *portal.Settings) { st.Access.Auth, st.Access.SignInLinks = portal.SingleSignOn, false })
	require.ErrorIs(t, d.p.ConfirmEmailChange(ctx(t), d.pid, late.Token), portal.ErrForbidden)
}

// covers: A8, A7 (an attacker's client, over its own limit, keeps naming
// the owner's address all day: the owner, from its own client, still gets
// its link each time it asks, about once an hour)
func testMailLimitNoLockout(t *testing.T, s authStore) {
	d := newDoor(t, s, withLinks, func(o *portal.Options) { o.Auth.ClientMailsPerHour = 2 })
	email := d.invited(t, d.ann)
	attacker := portal.WithClient(ctx(t), "203.0.113.66")
	owner := portal.WithClient(ctx(t), "198.51.100.20")
	for range 2 {
		require.NoError(t, d.p.RequestSignInLink(attacker, d.pid, "someone@acme.example"))
	}
	for hour := range 24 {
		for range 3 {
			require.NoError(t, d.p.RequestSignInLink(attacker, d.pid, email))
		}
		before := len(d.sent(t))
		require.NoError(t, d.p.RequestSignInLink(owner, d.pid, email))
		assert.Len(t, d.sent(t), before+1, "hour %d: the owner's link is sent", hour)
		d.clock.advance(61 * time.Minute)
	}
}
