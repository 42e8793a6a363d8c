package storetest

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// These tests hold stores to the contracts of ContactIndex, LoginStore,
// TokenStore and SessionStore (S11–S15, A2–A6).
var identityTests = []test{
	{name: "ContactsByEmailFindNormalisedAddresses", fn: auth(testContactsByEmail)},
	{name: "ListMembersPageInIDOrder", fn: auth(testListMembers)},
	{name: "LoginRoundTripsByContactAndEmail", fn: auth(testLoginRoundTrip)},
	{name: "LoginEmailAndContactAreUnique", fn: auth(testLoginUnique)},
	{name: "ContactChangeWritesWhatFollowsFromTheEmail", fn: auth(testContactChangeWrites)},
	{name: "ContactChangeIsRefusedWholeWhenItsStateIsStale", fn: auth(testContactChangeChecks)},
	{name: "UpdateLoginPasswordChangesOnlyThePassword", fn: auth(testSetLoginPassword)},
	{name: "UpdateLoginOnlyOverTheCheckedHash", fn: auth(testLoginSucceeded)},
	{name: "UpdateLoginConsentChangesOnlyTheConsent", fn: auth(testSetLoginConsent)},
	{name: "ConcurrentLoginWriteBacksHaveOneWinner", fn: auth(testConcurrentLoginSucceeded)},
	{name: "ConcurrentLoginFailuresAreAllCounted", fn: auth(testConcurrentLoginFailures)},
	{name: "TokenReplacesTheContactsTokenOfItsKind", fn: auth(testTokenReplaces)},
	{name: "TokenIsTakenOnceAndOnlyByItsKindAndTenant", fn: auth(testTakeToken)},
	{name: "ConcurrentTakesOfATokenHaveOneWinner", fn: auth(testConcurrentTakeToken)},
	{name: "SessionRoundTripTouchAndDelete", fn: auth(testSessions)},
	{name: "DeleteSessionsOfAContactByPreview", fn: auth(testDeleteSessions)},
	{name: "IdentityRecordsStayInTheirTenant", fn: auth(testIdentityTenancy)},
	{name: "ExpiredTokensAndIdleSessionsAreDeleted", fn: auth(testDeleteExpired)},
}

func hashOf(s string) portal.TokenHash { return sha256.Sum256([]byte(s)) }

func newLogin(pid, cid uuid.UUID, email string) portal.Login {
	return portal.Login{PortalID: pid, ContactID: cid, Email: email, PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5",
		Failures: 2, FailedAt: at(5), ConsentVersion: "sha256:abc", ConsentAt: at(6), CreatedAt: at(7), UpdatedAt: at(8)}
}

// covers: A2, A4 (a known e-mail is found whatever its case and spaces)
func testContactsByEmail(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	a, b, c := newContact(t, pid), newContact(t, pid), newContact(t, pid)
	a.Email, b.Email, c.Email = "Ann@Acme.example", "ann@acme.example", "bob@acme.example"
	for _, x := range []portal.Contact{a, b, c} {
		require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: x}))
	}
	got, err := s.ContactsByEmail(ctx(t), pid, "ann@acme.example")
	require.NoError(t, err)
	want := []portal.Contact{a, b}
	slices.SortFunc(want, func(x, y portal.Contact) int { return byteOrder(x.ID, y.ID) })
	require.Equal(t, want, got)

	a.Email = "ann@elsewhere.example" // a changed e-mail moves the index
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: a}))
	got, err = s.ContactsByEmail(ctx(t), pid, "ann@acme.example")
	require.NoError(t, err)
	require.Equal(t, []portal.Contact{b}, got)
	got, err = s.ContactsByEmail(ctx(t), pid, "nobody@acme.example")
	require.NoError(t, err)
	require.Empty(t, got)
}

// covers: A3 (invitations go to the members of the chosen lists)
func testListMembers(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	l1, l2, l3 := newID(t), newID(t), newID(t)
	ids := scrambledIDs(t, 7)
	var in []uuid.UUID
	for i, cid := range ids {
		c := newContact(t, pid)
		c.ID = cid
		switch i % 3 {
		case 0:
			c.Lists = []uuid.UUID{l1, l2} // in both: listed once
			in = append(in, cid)
		case 1:
			c.Lists = []uuid.UUID{l2}
			in = append(in, cid)
		default:
			c.Lists = []uuid.UUID{l3}
		}
		require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: c}))
	}
	slices.SortFunc(in, byteOrder)
	require.Equal(t, in, MemberIDs(t, s, pid, []uuid.UUID{l1, l2}, 2))

	// A contact that leaves its lists leaves the index.
	c, err := getContact(s, ctx(t), pid, in[0])
	require.NoError(t, err)
	c.Lists = nil
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: c}))
	page, err := s.ListMembers(ctx(t), pid, []uuid.UUID{l1, l2}, uuid.Nil, portal.MaxPageSize)
	require.NoError(t, err)
	require.Len(t, page, len(in)-1)
	require.NotEqual(t, in[0], page[0].ID)
}

// covers: S11, A2, A4
func testLoginRoundTrip(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	l := newLogin(pid, newID(t), "ann@acme.example")
	require.NoError(t, s.CreateLogin(ctx(t), l))
	got, err := s.Login(ctx(t), pid, l.ContactID)
	require.NoError(t, err)
	require.Equal(t, l, got)
	got, err = s.LoginByEmail(ctx(t), pid, "ann@acme.example")
	require.NoError(t, err)
	require.Equal(t, l, got)

	bare := portal.Login{PortalID: pid, ContactID: newID(t), Email: "sso@acme.example", CreatedAt: at(1), UpdatedAt: at(1)}
	require.NoError(t, s.CreateLogin(ctx(t), bare))
	got, err = s.Login(ctx(t), pid, bare.ContactID)
	require.NoError(t, err)
	require.Equal(t, bare, got, "zero times and empty texts read back as such")

	_, err = s.Login(ctx(t), pid, newID(t))
	require.ErrorIs(t, err, portal.ErrNotFound)
	_, err = s.LoginByEmail(ctx(t), pid, "ANN@acme.example")
	require.ErrorIs(t, err, portal.ErrNotFound, "the store matches exactly; Portal normalises")
}

// covers: S11 (one login per e-mail per portal, one per contact)
func testLoginUnique(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	l := newLogin(pid, newID(t), "ann@acme.example")
	require.NoError(t, s.CreateLogin(ctx(t), l))
	require.ErrorIs(t, s.CreateLogin(ctx(t), newLogin(pid, newID(t), "ann@acme.example")), portal.ErrConflict)
	require.ErrorIs(t, s.CreateLogin(ctx(t), newLogin(pid, l.ContactID, "other@acme.example")), portal.ErrConflict)
	got, err := s.Login(ctx(t), pid, l.ContactID)
	require.NoError(t, err)
	require.Equal(t, l, got, "a refused create changes nothing")
	_, err = s.LoginByEmail(ctx(t), pid, "other@acme.example")
	require.ErrorIs(t, err, portal.ErrNotFound)
}

// covers: A4, S11 (what Portal decided follows from a contact's new
// e-mail is written in the same step as the contact: the login's new
// address, the end of the links mailed to the old one)
func testContactChangeWrites(t *testing.T, s authStore) {
	f := newEmailWorld(t, s)
	ann := f.ann
	ann.Email, ann.UpdatedAt = "Ann@New.example", at(40)
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: ann,
		If:        &portal.ContactState{Email: "ann@acme.example", Login: "ann@acme.example"},
		EndTokens: true, LoginEmail: "ann@new.example"}))
	require.Equal(t, ann, contactKind.read(t, s, f.pid, ann.ID))
	want := f.la
	want.Email, want.UpdatedAt = "ann@new.example", at(40)
	got, err := s.Login(ctx(t), f.pid, ann.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)
	got, err = s.LoginByEmail(ctx(t), f.pid, "ann@new.example")
	require.NoError(t, err)
	require.Equal(t, want, got)
	_, err = s.LoginByEmail(ctx(t), f.pid, "ann@acme.example")
	require.ErrorIs(t, err, portal.ErrNotFound, "the old address logs in no more")
	_, err = s.TakeToken(ctx(t), f.pid, portal.TokenReset, f.annReset.Hash)
	require.ErrorIs(t, err, portal.ErrNotFound, "the contact's tokens end")
	tk, err := s.TakeToken(ctx(t), f.pid, portal.TokenReset, f.bobReset.Hash)
	require.NoError(t, err, "another contact's stay")
	require.Equal(t, f.bobReset, tk)
	cs, err := s.ContactsByEmail(ctx(t), f.pid, "ann@new.example")
	require.NoError(t, err)
	require.Equal(t, []portal.Contact{ann}, cs)

	// A change that decides nothing more writes only the contact.
	again := newTok(f.pid, ann.ID, portal.TokenReset, "ann again")
	require.NoError(t, s.PutToken(ctx(t), again))
	ann.FirstName, ann.Email, ann.UpdatedAt = "Annie", " ANN@new.example", at(50)
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: ann,
		If: &portal.ContactState{Email: "ann@new.example", Login: "ann@new.example"}}))
	require.Equal(t, ann, contactKind.read(t, s, f.pid, ann.ID))
	got, err = s.Login(ctx(t), f.pid, ann.ID)
	require.NoError(t, err)
	require.Equal(t, want, got, "the login stays")
	tk, err = s.TakeToken(ctx(t), f.pid, portal.TokenReset, again.Hash)
	require.NoError(t, err, "and so do the tokens")
	require.Equal(t, again, tk)

	// The store does what the change says, not what it would decide: a
	// new address without EndTokens ends no token, and EndTokens with the
	// same address ends them.
	require.NoError(t, s.PutToken(ctx(t), again))
	ann.Email = "ann@third.example"
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: ann}))
	tk, err = s.TakeToken(ctx(t), f.pid, portal.TokenReset, again.Hash)
	require.NoError(t, err, "no token ends unless the change says so")
	require.Equal(t, again, tk)
	require.NoError(t, s.PutToken(ctx(t), again))
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: ann, EndTokens: true}))
	_, err = s.TakeToken(ctx(t), f.pid, portal.TokenReset, again.Hash)
	require.ErrorIs(t, err, portal.ErrNotFound, "EndTokens ends them")
	got, err = s.Login(ctx(t), f.pid, ann.ID)
	require.NoError(t, err)
	require.Equal(t, want, got, "no login moves unless the change says so")

	// A contact without a login may share an address with one; a new
	// contact is decided on an empty state.
	carl := newContact(t, f.pid)
	carl.Email = "bob@acme.example"
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: carl, If: &portal.ContactState{}}))
	require.Equal(t, carl, contactKind.read(t, s, f.pid, carl.ID))
	cs, err = s.ContactsByEmail(ctx(t), f.pid, "bob@acme.example")
	require.NoError(t, err)
	require.ElementsMatch(t, []portal.Contact{f.bob, carl}, cs)
	got, err = s.LoginByEmail(ctx(t), f.pid, "bob@acme.example")
	require.NoError(t, err)
	require.Equal(t, f.lb, got, "the address's login stays Bob's")
}

// covers: A4, S11 (a change decided on what the store no longer holds,
// or moving a login to another login's address, is refused whole)
func testContactChangeChecks(t *testing.T, s authStore) {
	f := newEmailWorld(t, s)
	moved := f.ann.Clone()
	moved.Email, moved.FirstName, moved.UpdatedAt = "ann@new.example", "Changed", at(50)
	was := portal.ContactState{Email: "ann@acme.example", Login: "ann@acme.example"}
	stale := func(change func(*portal.ContactState)) *portal.ContactState {
		st := was
		change(&st)
		return &st
	}
	for name, ch := range map[string]portal.ContactChange{
		"another login's address": {Contact: moved, If: &was, EndTokens: true, LoginEmail: "bob@acme.example"},
		"a stale contact e-mail": {Contact: moved, If: stale(func(st *portal.ContactState) { st.Email = "ann@old.example" }),
			EndTokens: true, LoginEmail: "ann@new.example"},
		"a stale login e-mail": {Contact: moved, If: stale(func(st *portal.ContactState) { st.Login = "" }),
			EndTokens: true, LoginEmail: "ann@new.example"},
		"a login that is not there": {Contact: newContact(t, f.pid), If: &portal.ContactState{},
			LoginEmail: "nobody@acme.example"},
		"a contact that is not there": {Contact: newContact(t, f.pid), If: &was},
		"a password changed since": {Contact: moved, If: stale(func(st *portal.ContactState) { other := "$argon2id$other"; st.Password = &other }),
			EndTokens: true, LoginEmail: "ann@new.example"},
	} {
		require.ErrorIs(t, s.PutContact(ctx(t), ch), portal.ErrConflict, name)
		_, err := getContact(s, ctx(t), f.pid, ch.Contact.ID)
		if ch.Contact.ID == f.ann.ID {
			require.Equal(t, f.ann, contactKind.read(t, s, f.pid, f.ann.ID), "%s: the contact is as it was", name)
		} else {
			require.ErrorIs(t, err, portal.ErrNotFound, "%s: no contact is made", name)
		}
	}
	cs, err := s.ContactsByEmail(ctx(t), f.pid, "ann@acme.example")
	require.NoError(t, err)
	require.Equal(t, []portal.Contact{f.ann}, cs, "the e-mail index is as it was")
	for _, l := range []portal.Login{f.la, f.lb} {
		got, err := s.Login(ctx(t), f.pid, l.ContactID)
		require.NoError(t, err)
		require.Equal(t, l, got, "the logins are as they were")
	}
	for _, want := range []portal.Token{f.annReset, f.bobReset} {
		tk, err := s.TakeToken(ctx(t), f.pid, portal.TokenReset, want.Hash)
		require.NoError(t, err, "the tokens stay")
		require.Equal(t, want, tk)
	}
}

// emailWorld is a tenant of two contacts, Ann and Bob, each with a login
// and a reset token.
type emailWorld struct {
	pid                uuid.UUID
	ann, bob           portal.Contact
	la, lb             portal.Login
	annReset, bobReset portal.Token
}

func newEmailWorld(t *testing.T, s authStore) emailWorld {
	f := emailWorld{pid: newTenant(t, s)}
	f.ann, f.bob = newContact(t, f.pid), newContact(t, f.pid)
	f.ann.Email, f.bob.Email = "Ann@Acme.example", "bob@acme.example"
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: f.ann}))
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: f.bob}))
	f.la, f.lb = newLogin(f.pid, f.ann.ID, "ann@acme.example"), newLogin(f.pid, f.bob.ID, "bob@acme.example")
	require.NoError(t, s.CreateLogin(ctx(t), f.la))
	require.NoError(t, s.CreateLogin(ctx(t), f.lb))
	f.annReset, f.bobReset = newTok(f.pid, f.ann.ID, portal.TokenReset, "ann"), newTok(f.pid, f.bob.ID, portal.TokenReset, "bob")
	require.NoError(t, s.PutToken(ctx(t), f.annReset))
	require.NoError(t, s.PutToken(ctx(t), f.bobReset))
	return f
}

// covers: A3, A4 (a token sets a new password and ends the throttling;
// nothing else of the login changes)
func testSetLoginPassword(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	a, b := newLogin(pid, newID(t), "ann@acme.example"), newLogin(pid, newID(t), "bob@acme.example")
	require.NoError(t, s.CreateLogin(ctx(t), a))
	require.NoError(t, s.CreateLogin(ctx(t), b))

	written, err := s.UpdateLogin(ctx(t), portal.LoginChange{PortalID: pid, ContactID: a.ContactID, At: at(99), Password: "$argon2id$new"})
	require.NoError(t, err)
	want := a
	want.PasswordHash, want.Failures, want.FailedAt, want.UpdatedAt = "$argon2id$new", 0, time.Time{}, at(99)
	require.Equal(t, want, written, "UpdateLogin returns the login as written")
	got, err := s.Login(ctx(t), pid, a.ContactID)
	require.NoError(t, err)
	require.Equal(t, want, got, "e-mail, consent and creation stay")
	got, err = s.LoginByEmail(ctx(t), pid, a.Email)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.NoError(t, setPassword(t, s, pid, a.ContactID, "$argon2id$new", at(99)), "setting it again is no error")

	got, err = s.Login(ctx(t), pid, b.ContactID)
	require.NoError(t, err)
	require.Equal(t, b, got, "another login stays")
	require.ErrorIs(t, setPassword(t, s, pid, newID(t), "$argon2id$x", at(1)), portal.ErrNotFound)
}

// covers: A4 (a login's write-back is a compare-and-swap on the hash it
// checked: it never brings back a hash a reset replaced)
func testLoginSucceeded(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	a := newLogin(pid, newID(t), "ann@acme.example")
	require.NoError(t, s.CreateLogin(ctx(t), a))

	// The checked hash is stored: the failures end, a rehash is written.
	require.NoError(t, writeBack(t, s, pid, a.ContactID, a.PasswordHash, "$argon2id$raised", at(20)))
	want := a
	want.PasswordHash, want.Failures, want.FailedAt, want.UpdatedAt = "$argon2id$raised", 0, time.Time{}, at(20)
	got, err := s.Login(ctx(t), pid, a.ContactID)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.NoError(t, writeBack(t, s, pid, a.ContactID, want.PasswordHash, want.PasswordHash, at(20)),
		"a success that changes nothing is no error")

	// A reset replaced the hash: the stale login's write-back is refused.
	require.NoError(t, setPassword(t, s, pid, a.ContactID, "$argon2id$reset", at(30)))
	err = writeBack(t, s, pid, a.ContactID, "$argon2id$raised", "$argon2id$raised", at(31))
	require.ErrorIs(t, err, portal.ErrConflict)
	err = writeBack(t, s, pid, a.ContactID, "$argon2id$raised", "$argon2id$rehash-of-old", at(31))
	require.ErrorIs(t, err, portal.ErrConflict)
	_, err = addLoginFailure(t, s, pid, a.ContactID, at(32))
	require.NoError(t, err)
	want.PasswordHash, want.Failures, want.FailedAt, want.UpdatedAt = "$argon2id$reset", 1, at(32), at(30)
	got, err = s.Login(ctx(t), pid, a.ContactID)
	require.NoError(t, err)
	require.Equal(t, want, got, "the refused write-backs changed nothing")

	// A login without a password never has the checked hash.
	bare := portal.Login{PortalID: pid, ContactID: newID(t), Email: "sso@acme.example", CreatedAt: at(1), UpdatedAt: at(1)}
	require.NoError(t, s.CreateLogin(ctx(t), bare))
	require.ErrorIs(t, writeBack(t, s, pid, bare.ContactID, a.PasswordHash, a.PasswordHash, at(2)), portal.ErrConflict)
	got, err = s.Login(ctx(t), pid, bare.ContactID)
	require.NoError(t, err)
	require.Equal(t, bare, got)

	require.ErrorIs(t, writeBack(t, s, pid, newID(t), "x", "x", at(1)), portal.ErrNotFound)
	other := newTenant(t, s)
	require.ErrorIs(t, writeBack(t, s, other, a.ContactID, want.PasswordHash, "x", at(1)), portal.ErrNotFound,
		"another tenant's login")
}

// covers: S13 (a registration made again records its consent; nothing
// else of the login changes)
func testSetLoginConsent(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	a, b := newLogin(pid, newID(t), "ann@acme.example"), newLogin(pid, newID(t), "bob@acme.example")
	a.PasswordHash, a.ConsentVersion, a.ConsentAt = "", "", time.Time{}
	require.NoError(t, s.CreateLogin(ctx(t), a))
	require.NoError(t, s.CreateLogin(ctx(t), b))

	require.NoError(t, setConsent(t, s, pid, a.ContactID, "sha256:new", at(70)))
	want := a
	want.ConsentVersion, want.ConsentAt, want.UpdatedAt = "sha256:new", at(70), at(70)
	got, err := s.Login(ctx(t), pid, a.ContactID)
	require.NoError(t, err)
	require.Equal(t, want, got, "e-mail, password, failures and creation stay")
	got, err = s.Login(ctx(t), pid, b.ContactID)
	require.NoError(t, err)
	require.Equal(t, b, got, "another login stays")
	require.ErrorIs(t, setConsent(t, s, pid, newID(t), "sha256:x", at(1)), portal.ErrNotFound)
	require.ErrorIs(t, setConsent(t, s, newTenant(t, s), a.ContactID, "sha256:x", at(1)), portal.ErrNotFound,
		"another tenant's login")
}

// covers: A4 (of logins racing to write back over one checked hash, at most
// one wins; a password set at the same time is never overwritten)
func testConcurrentLoginSucceeded(t *testing.T, s authStore) {
	const n = 8
	pid := newTenant(t, s)
	for round := range 3 {
		l := newLogin(pid, newID(t), fmt.Sprintf("ann%d@acme.example", round))
		require.NoError(t, s.CreateLogin(ctx(t), l))
		errs := make([]error, n+1)
		startTogether(n+1, func(i int) {
			if i == n {
				errs[i] = setPassword(t, s, pid, l.ContactID, "$argon2id$reset", at(50))
				return
			}
			errs[i] = writeBack(t, s, pid, l.ContactID, l.PasswordHash, fmt.Sprint("$argon2id$rehash", i), at(60))
		})
		require.NoError(t, errs[n], "the reset")
		won, _ := countOutcomes(t, errs[:n], portal.ErrConflict)
		require.LessOrEqual(t, len(won), 1)
		got, err := s.Login(ctx(t), pid, l.ContactID)
		require.NoError(t, err)
		require.Equal(t, "$argon2id$reset", got.PasswordHash, "a write-back before the reset is replaced, one after it is refused")
	}
}

// covers: A4 (throttling counts every failure)
func testConcurrentLoginFailures(t *testing.T, s authStore) {
	const n = 12
	pid := newTenant(t, s)
	l := newLogin(pid, newID(t), "ann@acme.example")
	l.Failures, l.FailedAt = 0, at(0)
	require.NoError(t, s.CreateLogin(ctx(t), l))
	errs := make([]error, n)
	counts := make([]int, n)
	startTogether(n, func(i int) { counts[i], errs[i] = addLoginFailure(t, s, pid, l.ContactID, at(100+i)) })
	for _, err := range errs {
		require.NoError(t, err)
	}
	slices.Sort(counts)
	for i, c := range counts {
		require.Equal(t, i+1, c, "each failure sees its own count")
	}
	got, err := s.Login(ctx(t), pid, l.ContactID)
	require.NoError(t, err)
	require.Equal(t, n, got.Failures)
	require.False(t, got.FailedAt.Before(at(100)))
	_, err = addLoginFailure(t, s, pid, newID(t), at(1))
	require.ErrorIs(t, err, portal.ErrNotFound)
}

// setPassword sets a login's password as a token does.
func setPassword(t *testing.T, s authStore, pid, cid uuid.UUID, hash string, at time.Time) error {
	_, err := s.UpdateLogin(ctx(t), portal.LoginChange{PortalID: pid, ContactID: cid, At: at, Password: hash})
	return err
}

// writeBack writes back a login's hash, checked against checked, as a
// successful login does.
func writeBack(t *testing.T, s authStore, pid, cid uuid.UUID, checked, hash string, at time.Time) error {
	_, err := s.UpdateLogin(ctx(t), portal.LoginChange{PortalID: pid, ContactID: cid, At: at, IfPassword: checked, Password: hash})
	return err
}

// setConsent records a login's consent as a registration made again does.
func setConsent(t *testing.T, s authStore, pid, cid uuid.UUID, version string, at time.Time) error {
	_, err := s.UpdateLogin(ctx(t), portal.LoginChange{PortalID: pid, ContactID: cid, At: at, Consent: version})
	return err
}

// addLoginFailure counts a failed login and returns the new count.
func addLoginFailure(t *testing.T, s authStore, pid, cid uuid.UUID, at time.Time) (int, error) {
	l, err := s.UpdateLogin(ctx(t), portal.LoginChange{PortalID: pid, ContactID: cid, At: at, Failed: true})
	return l.Failures, err
}

func newTok(pid, cid uuid.UUID, kind portal.TokenKind, secret string) portal.Token {
	return portal.Token{PortalID: pid, Hash: hashOf(secret), Kind: kind, ContactID: cid, CreatedAt: at(1), ExpiresAt: at(2)}
}

// covers: A3 (re-inviting replaces the old token)
func testTokenReplaces(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	ann, bob := newID(t), newID(t)
	old := newTok(pid, ann, portal.TokenInvitation, "old")
	reset := newTok(pid, ann, portal.TokenReset, "reset")
	bobs := newTok(pid, bob, portal.TokenInvitation, "bob")
	for _, tk := range []portal.Token{old, reset, bobs} {
		require.NoError(t, s.PutToken(ctx(t), tk))
	}
	fresh := newTok(pid, ann, portal.TokenInvitation, "new")
	require.NoError(t, s.PutToken(ctx(t), fresh))

	_, err := s.TakeToken(ctx(t), pid, portal.TokenInvitation, old.Hash)
	require.ErrorIs(t, err, portal.ErrNotFound, "the old invitation is gone")
	for _, tk := range []portal.Token{fresh, reset, bobs} {
		got, err := s.TakeToken(ctx(t), pid, tk.Kind, tk.Hash)
		require.NoError(t, err, "%s of %s stays", tk.Kind, tk.ContactID)
		require.Equal(t, tk, got)
	}
}

// covers: A3, A4 (single-use tokens; another portal's token is no token)
func testTakeToken(t *testing.T, s authStore) {
	pid, other := newTenant(t, s), newTenant(t, s)
	tk := newTok(pid, newID(t), portal.TokenReset, "secret")
	require.NoError(t, s.PutToken(ctx(t), tk))

	_, err := s.TakeToken(ctx(t), pid, portal.TokenInvitation, tk.Hash)
	require.ErrorIs(t, err, portal.ErrNotFound, "another kind")
	_, err = s.TakeToken(ctx(t), other, portal.TokenReset, tk.Hash)
	require.ErrorIs(t, err, portal.ErrNotFound, "another tenant")
	changed := tk.Hash
	changed[31] ^= 1
	_, err = s.TakeToken(ctx(t), pid, portal.TokenReset, changed)
	require.ErrorIs(t, err, portal.ErrNotFound, "another hash")

	got, err := s.TakeToken(ctx(t), pid, portal.TokenReset, tk.Hash)
	require.NoError(t, err, "the failed takes left it")
	require.Equal(t, tk, got)
	_, err = s.TakeToken(ctx(t), pid, portal.TokenReset, tk.Hash)
	require.ErrorIs(t, err, portal.ErrNotFound, "used")
}

// covers: A3, A4 (two uses of one token at once: one wins)
func testConcurrentTakeToken(t *testing.T, s authStore) {
	const n = 8
	pid := newTenant(t, s)
	for round := range 3 {
		tk := newTok(pid, newID(t), portal.TokenInvitation, fmt.Sprint("secret", round))
		require.NoError(t, s.PutToken(ctx(t), tk))
		errs := make([]error, n)
		startTogether(n, func(i int) { _, errs[i] = s.TakeToken(ctx(t), pid, tk.Kind, tk.Hash) })
		won, _ := countOutcomes(t, errs, portal.ErrNotFound)
		require.Len(t, won, 1)
	}
}

func newSess(pid, cid uuid.UUID, secret string, preview bool) portal.Session {
	s := portal.Session{PortalID: pid, Hash: hashOf(secret), ContactID: cid, CreatedAt: at(1), LastSeenAt: at(2), ExpiresAt: at(1000)}
	if preview {
		s.Preview, s.PreviewBy = true, "Åse from support"
	}
	return s
}

// covers: A6, S15, P9
func testSessions(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	ss := newSess(pid, newID(t), "a", false)
	pv := newSess(pid, ss.ContactID, "b", true)
	require.NoError(t, s.PutSession(ctx(t), ss))
	require.NoError(t, s.PutSession(ctx(t), pv))
	require.ErrorIs(t, s.PutSession(ctx(t), ss), portal.ErrConflict)
	got, err := s.Session(ctx(t), pid, ss.Hash)
	require.NoError(t, err)
	require.Equal(t, ss, got)
	got, err = s.Session(ctx(t), pid, pv.Hash)
	require.NoError(t, err)
	require.Equal(t, pv, got)

	require.NoError(t, s.TouchSession(ctx(t), pid, ss.Hash, at(50)))
	require.NoError(t, s.TouchSession(ctx(t), pid, ss.Hash, at(40)), "an earlier touch is no error")
	got, err = s.Session(ctx(t), pid, ss.Hash)
	require.NoError(t, err)
	want := ss
	want.LastSeenAt = at(50)
	require.Equal(t, want, got, "an earlier touch does not move it back")
	require.ErrorIs(t, s.TouchSession(ctx(t), pid, hashOf("nope"), at(60)), portal.ErrNotFound)

	require.NoError(t, s.DeleteSession(ctx(t), pid, ss.Hash))
	_, err = s.Session(ctx(t), pid, ss.Hash)
	require.ErrorIs(t, err, portal.ErrNotFound)
	require.NoError(t, s.DeleteSession(ctx(t), pid, ss.Hash), "deleting a missing session is no error")
	_, err = s.Session(ctx(t), pid, pv.Hash)
	require.NoError(t, err, "the other session stays")
}

// covers: A4 (a reset ends the contact's sessions), A5 (not the previews)
func testDeleteSessions(t *testing.T, s authStore) {
	pid := newTenant(t, s)
	ann, bob := newID(t), newID(t)
	sessions := []portal.Session{newSess(pid, ann, "a1", false), newSess(pid, ann, "a2", false),
		newSess(pid, ann, "a3", true), newSess(pid, bob, "b1", false)}
	for _, ss := range sessions {
		require.NoError(t, s.PutSession(ctx(t), ss))
	}
	n, err := s.DeleteSessions(ctx(t), pid, ann, false)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	for i, ss := range sessions {
		_, err := s.Session(ctx(t), pid, ss.Hash)
		if i < 2 {
			require.ErrorIs(t, err, portal.ErrNotFound)
		} else {
			require.NoError(t, err)
		}
	}
	n, err = s.DeleteSessions(ctx(t), pid, ann, true)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = s.DeleteSessions(ctx(t), pid, ann, false)
	require.NoError(t, err)
	require.Zero(t, n)
}

// covers: X5 for logins, tokens and sessions
func testIdentityTenancy(t *testing.T, s authStore) {
	pid, other := newTenant(t, s), newTenant(t, s)
	missing := newID(t)
	cid := newID(t)
	l := newLogin(pid, cid, "ann@acme.example")
	require.NoError(t, s.CreateLogin(ctx(t), l))
	require.NoError(t, s.CreateLogin(ctx(t), newLogin(other, cid, "ann@acme.example")), "another tenant has its own e-mails")
	ss := newSess(pid, cid, "a", false)
	require.NoError(t, s.PutSession(ctx(t), ss))
	c := newContact(t, pid)
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: c}))

	_, err := s.Session(ctx(t), other, ss.Hash)
	require.ErrorIs(t, err, portal.ErrNotFound)
	require.ErrorIs(t, s.TouchSession(ctx(t), other, ss.Hash, at(9)), portal.ErrNotFound)
	n, err := s.DeleteSessions(ctx(t), other, cid, false)
	require.NoError(t, err)
	require.Zero(t, n)
	require.NoError(t, s.DeleteSession(ctx(t), other, ss.Hash))
	_, err = s.Session(ctx(t), pid, ss.Hash)
	require.NoError(t, err, "another tenant's delete left it")
	got, err := s.ContactsByEmail(ctx(t), other, portal.NormalizeEmail(c.Email))
	assert.NoError(t, err)
	assert.Empty(t, got)
	members, err := s.ListMembers(ctx(t), other, c.Lists, uuid.Nil, 10)
	assert.NoError(t, err)
	assert.Empty(t, members)

	// Writes to a tenant that does not exist.
	assert.ErrorIs(t, s.CreateLogin(ctx(t), newLogin(missing, cid, "x@acme.example")), portal.ErrNotFound)
	assert.ErrorIs(t, s.PutToken(ctx(t), newTok(missing, cid, portal.TokenReset, "x")), portal.ErrNotFound)
	assert.ErrorIs(t, s.PutSession(ctx(t), newSess(missing, cid, "x", false)), portal.ErrNotFound)
	_, err = s.Login(ctx(t), missing, cid)
	assert.ErrorIs(t, err, portal.ErrNotFound)
}

// covers: A6, S15 (ended sessions and expired tokens can be purged)
func testDeleteExpired(t *testing.T, s authStore) {
	pid, other := newTenant(t, s), newTenant(t, s)
	cid := newID(t)
	mk := func(secret string, seen, expires int) portal.Session {
		ss := newSess(pid, cid, secret, false)
		ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = at(0), at(seen), at(expires)
		require.NoError(t, s.PutSession(ctx(t), ss))
		return ss
	}
	live := mk("live", 50, 500)
	boundary := mk("boundary", 41, 500) // seen just after idleSince
	idle := mk("idle", 40, 500)         // seen at idleSince
	old := mk("old", 90, 100)           // expires at expiredAt
	foreign := newSess(other, cid, "foreign", false)
	foreign.LastSeenAt, foreign.ExpiresAt = at(1), at(2)
	require.NoError(t, s.PutSession(ctx(t), foreign))

	n, err := s.DeleteIdleSessions(ctx(t), pid, at(100), at(40))
	require.NoError(t, err)
	require.Equal(t, 2, n)
	for _, ss := range []portal.Session{live, boundary} {
		_, err := s.Session(ctx(t), pid, ss.Hash)
		require.NoError(t, err)
	}
	for _, ss := range []portal.Session{idle, old} {
		_, err := s.Session(ctx(t), pid, ss.Hash)
		require.ErrorIs(t, err, portal.ErrNotFound)
	}
	_, err = s.Session(ctx(t), other, foreign.Hash)
	require.NoError(t, err, "another tenant's sessions stay")

	for i, exp := range []int{10, 20, 21} {
		tk := newTok(pid, newID(t), portal.TokenReset, fmt.Sprint("t", i))
		tk.ExpiresAt = at(exp)
		require.NoError(t, s.PutToken(ctx(t), tk))
	}
	n, err = s.DeleteExpiredTokens(ctx(t), pid, at(20))
	require.NoError(t, err)
	require.Equal(t, 2, n)
	_, err = s.TakeToken(ctx(t), pid, portal.TokenReset, hashOf("t2"))
	require.NoError(t, err, "the unexpired token stays")
}
