// Package storetest is the conformance suite every portal.Store must pass.
// It has two parts, each run in one line from a test of the store's
// package:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) portal.Store { return memstore.New() })
//	}
//
//	func TestPortalOverStore(t *testing.T) {
//		storetest.RunPortal(t, func(t *testing.T) portal.Store { return memstore.New() })
//	}
//
// # What it checks
//
// Run checks the contract written on portal.Store and its parts, calling
// the store's methods directly: tenants and versioned settings (S16), the
// round trip of every record kind, whole replacement on Put, the
// documented orderings, the errors a store returns (matched with
// errors.Is, never by message), the absence of aliasing between the
// values a caller holds and what is stored, tenant isolation (X5), the
// atomic steps and their preconditions (logins, tokens, throttles, actions,
// the outbox, the mail queue), page reads, and safety under concurrent
// use. Some of its checks make their data through portal.New; none checks
// Portal's own rules. Every method of portal.Store, and of portal.AuthStore
// when the store has one (else those cases skip), is called by Run.
//
// RunPortal checks what customers get from Portal over the store, where
// that depends on the store's answers: the scope, filters, search, sort,
// paging and totals of the lists (QueryTickets, TicketCounter), the
// export, and the customers' actions and getting in, which rest on the
// store's atomic steps. A store that passes Run and fails RunPortal
// answers something the contract does not pin down well enough: the
// failing check says what.
//
// # Conventions the suite relies on
//
// Every subtest gets a fresh, empty store from the Harness, so a harness for
// a database must hand out an isolated database (or schema) per call. Subtests
// do not run in parallel with each other; some of them start goroutines of
// their own against one store.
//
// Times are UTC and truncated to the microsecond, as Portal always passes
// them; a store must give them back equal under reflect.DeepEqual, that is in
// UTC. Records compared whole are written with non-empty slices and maps, so
// the comparison does not depend on whether a store gives back an empty
// collection as nil or as empty; one test checks that empty collections read
// back empty (nil or empty, either way).
//
// # For a store's own tests
//
// MemberIDs walks a contact index's lists page by page, checking each page
// as the contract says, for the tests a store has of its own (an index a
// migration built, say).
package storetest

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// Harness makes a fresh, empty Store for one test. It may register cleanups
// with t.Cleanup and fail the test with t.Fatal.
type Harness func(t *testing.T) portal.Store

// test is one conformance check, run against a fresh store, or a named set
// of checks (sub), each run against a fresh store of its own.
type test struct {
	name string
	fn   func(t *testing.T, s portal.Store)
	sub  []test
}

// run runs tc as a subtest of t.
func (tc test) run(t *testing.T, h Harness) {
	t.Run(tc.name, func(t *testing.T) {
		if tc.sub != nil {
			for _, sub := range tc.sub {
				sub.run(t, h)
			}
			return
		}
		s := h(t)
		require.NotNil(t, s, "the harness returned a nil store")
		tc.fn(t, s)
	})
}

// Run runs the store contract's tests against stores made by h. Each
// subtest gets its own fresh store.
func Run(t *testing.T, h Harness) {
	t.Helper()
	runGroups(t, h, []group{
		{"Tenants", tenantTests},
		{"Settings", settingsTests},
		{"Records", recordTests},
		{"Replace", replaceTests},
		{"Order", orderTests},
		{"Messages", messageTests},
		{"Aliasing", aliasingTests},
		{"Tenancy", tenancyTests},
		{"Concurrency", concurrencyTests},
		{"Identity", identityTests},
		{"AuthStore", authStoreTests},
		{"ProfileStore", profileStoreTests},
		{"ActionStore", actionStoreTests},
		{"NumberStore", numberStoreTests},
		{"MailStore", mailStoreTests},
		{"Pages", pageTests},
	})
}

// RunPortal runs the tests of Portal over stores made by h: what
// customers get where it depends on the store's answers. Each subtest gets
// its own fresh store.
func RunPortal(t *testing.T, h Harness) {
	t.Helper()
	runGroups(t, h, []group{
		{"Portal", portalTests},
		{"Query", queryTests},
		{"Export", exportTests},
		{"ListScope", listScopeTests},
		{"ListFilters", listFilterTests},
		{"ListSearch", listSearchTests},
		{"ListSort", listSortTests},
		{"ListPaging", listPagingTests},
		{"ListOrders", listOrderTests},
		{"ListExact", listExactTests},
		{"ListTotals", listTotalTests},
		{"ListInput", listInputTests},
		{"ListDetail", listDetailTests},
		{"Actions", actionTests},
		{"Numbers", numberTests},
		{"Zones", zoneTests},
		{"Languages", languageTests},
		{"Auth", authTests},
		{"SignIn", signInTests},
		{"Profile", profileTests},
		{"Mail", mailTests},
	})
}

// MemberIDs pages through idx.ListMembers of the lists in tenant pid,
// limit contacts a page, and returns the IDs of every member in the order
// read. It fails t unless every page holds at most limit contacts, each
// after the one before it in the byte order of IDs, and reads on until a
// page is short.
func MemberIDs(t testing.TB, idx portal.ContactIndex, pid uuid.UUID, lists []uuid.UUID, limit int) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	for after := uuid.Nil; ; {
		page, err := idx.ListMembers(t.Context(), pid, lists, after, limit)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), limit, "a page holds at most limit members")
		for _, c := range page {
			require.Positive(t, byteOrder(c.ID, after), "member %s comes after %s, by ID", c.ID, after)
			after = c.ID
			ids = append(ids, c.ID)
		}
		if len(page) < limit {
			return ids
		}
	}
}

// group is a named list of tests.
type group struct {
	name  string
	tests []test
}

// runGroups runs each group as a subtest of t.
func runGroups(t *testing.T, h Harness, groups []group) {
	t.Helper()
	for _, g := range groups {
		test{name: g.name, sub: g.tests}.run(t, h)
	}
}

// authStore is a store with the ways in: an AuthStore.
type authStore interface {
	portal.Store
	portal.AuthStore
}

// auth makes a test of the ways in (A2–A8), which a store without an
// AuthStore skips: it has none.
func auth(fn func(t *testing.T, s authStore)) func(t *testing.T, s portal.Store) {
	return func(t *testing.T, s portal.Store) {
		a, ok := s.(authStore)
		if !ok {
			t.Skip("the store is no portal.AuthStore: it keeps no logins, tokens, sessions or mail")
		}
		fn(t, a)
	}
}

// ctx is the context of a test.
func ctx(t *testing.T) context.Context { return t.Context() }

// newID returns a new UUIDv7.
func newID(t *testing.T) uuid.UUID {
	t.Helper()
	id, err := uuid.NewV7()
	require.NoError(t, err)
	return id
}

// baseTime is a fixed UTC time with microseconds, the kind Portal passes.
var baseTime = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

// at returns baseTime moved by n microseconds.
func at(n int) time.Time { return baseTime.Add(time.Duration(n) * time.Microsecond) }

// newTenant creates a tenant with DefaultSettings and returns its ID.
func newTenant(t *testing.T, s portal.Store) uuid.UUID {
	t.Helper()
	id := newID(t)
	require.NoError(t, s.CreateTenant(ctx(t), portal.Tenant{ID: id, Name: "Tenant " + id.String()[:8], CreatedAt: at(0)}, portal.DefaultSettings()))
	return id
}

// byteOrder compares two IDs by their bytes, the order the contract names.
func byteOrder(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// scrambledIDs returns n (at least 6) distinct IDs in an order that is not
// their byte order. Besides fresh UUIDv7s it holds neighbours that differ
// from one ID only in the high bit of the first or the last byte, which
// catches comparisons of signed bytes or of a prefix only.
func scrambledIDs(t *testing.T, n int) []uuid.UUID {
	t.Helper()
	require.GreaterOrEqual(t, n, 6)
	base := newID(t)
	lo, hi, top := base, base, base
	lo[15] = 0x7f
	hi[15] = 0x80
	top[0] |= 0x80
	ids := []uuid.UUID{lo, hi, top}
	for len(ids) < n {
		ids = append(ids, newID(t))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for slices.IsSortedFunc(ids, byteOrder) {
		r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	}
	return ids
}

// requireEmptyOrNotFound checks the answer of a list read where the contract
// allows either an empty list or ErrNotFound (a list of a tenant or a parent
// that does not exist there), but never another error or any record.
func requireEmptyOrNotFound[T any](t *testing.T, xs []T, err error, msgAndArgs ...any) {
	t.Helper()
	if err != nil {
		require.ErrorIs(t, err, portal.ErrNotFound, msgAndArgs...)
		return
	}
	require.Empty(t, xs, msgAndArgs...)
}

// startTogether runs fn(i) in n goroutines released at the same moment and
// waits for all of them.
func startTogether(n int, fn func(i int)) {
	start := make(chan struct{})
	done := make(chan struct{}, n)
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			fn(i)
		}()
	}
	close(start)
	for range n {
		<-done
	}
}

// countOutcomes splits the errors of concurrent calls into successes (the
// indexes of the calls) and refusals, errors that are refusal, and fails
// the test on any other error.
func countOutcomes(t *testing.T, errs []error, refusal error) (winners []int, refused int) {
	t.Helper()
	for i, err := range errs {
		switch {
		case err == nil:
			winners = append(winners, i)
		case errors.Is(err, refusal):
			refused++
		default:
			require.Failf(t, "unexpected error", "call %d: %v (want nil or %v)", i, err, refusal)
		}
	}
	return winners, refused
}
