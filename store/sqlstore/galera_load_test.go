package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// The cluster's load tests (X7): customers' actions — replies, closes and
// submissions, each with an idempotency key where the action has one —
// sent by writers on every node of the cluster at once, to one tenant
// (every action takes the tenant's outbox row: the cluster's worst case)
// or to several. No action may fail; afterwards every acknowledged action
// is there exactly once with exactly one event, each tenant's outbox is
// numbered without gaps, every node holds the same, and the lists every
// node answers are the memory store's for the tickets the actions made.

// loadWorld is a cluster database with generated tenants, and one Portal
// per node, as app instances on different nodes would be.
type loadWorld struct {
	nodes   []*mysql.Config
	stores  []*sqlstore.Store
	portals []*portal.Portal
	tenants []*loadTenant
}

// loadTenant is one tenant of a loadWorld and what its actions may target.
type loadTenant struct {
	data       *portaltest.Dataset
	replies    []target // open tickets their requester may reply to
	closes     []target // other tickets their requester may close
	submitters []portal.Viewer
}

type target struct {
	v      portal.Viewer
	ticket uuid.UUID
}

// newLoadWorld generates n tenants on a fresh cluster database.
func newLoadWorld(t testing.TB, n int) *loadWorld {
	t.Helper()
	ctx := context.Background()
	nodes, stores := openGalera(t)
	w := &loadWorld{nodes: nodes, stores: stores}
	var tick atomic.Int64 // one clock for every node: a microsecond a call
	now := func() time.Time { return portaltest.BaseTime.Add(time.Duration(tick.Add(1)) * time.Microsecond) }
	for _, st := range stores {
		p, err := portal.New(st, portal.Options{Now: now})
		require.NoError(t, err)
		w.portals = append(w.portals, p)
	}
	for i := range n {
		d, err := portaltest.Generate(ctx, w.portals[0], portaltest.Size{Companies: 2, ContactsPerCompany: 4,
			LooseContacts: 1, Owners: 2, Tickets: 40, ThreadsPerTicket: 1, MessagesPerThread: 1}, uint64(100+i))
		require.NoError(t, err)
		lt := &loadTenant{data: d}
		seen := map[uuid.UUID]bool{}
		for _, tk := range d.Tickets {
			v := portal.Viewer{PortalID: d.Tenant.ID, ContactID: tk.RequesterID}
			if tk.RequesterID == uuid.Nil {
				continue
			}
			det, err := w.portals[0].TicketDetail(ctx, v, tk.ID)
			if err != nil {
				continue
			}
			// Every other ticket that may be closed is closed by the load;
			// the rest are replied to (a reply to a closed ticket is
			// refused).
			switch {
			case det.CanClose && len(lt.closes) <= len(lt.replies)/2:
				lt.closes = append(lt.closes, target{v, tk.ID})
			case det.CanReply && !det.Closed:
				lt.replies = append(lt.replies, target{v, tk.ID})
			}
			if !seen[v.ContactID] {
				seen[v.ContactID] = true
				lt.submitters = append(lt.submitters, v)
			}
		}
		require.NotEmpty(t, lt.replies, "tenant %d: tickets to reply to", i)
		require.NotEmpty(t, lt.closes, "tenant %d: tickets to close", i)
		w.tenants = append(w.tenants, lt)
	}
	return w
}

// action is one customer action of the load, and what came of it.
type action struct {
	kind   portal.EventKind
	tenant *loadTenant
	target target
	key    string
	// id is the acknowledged reply's message or submission's ticket.
	id uuid.UUID
}

// do runs a on p.
func (a *action) do(ctx context.Context, p *portal.Portal) error {
	switch a.kind {
	case portal.EventReply:
		m, err := p.Reply(ctx, a.target.v, a.target.ticket, portal.ReplyInput{Text: "Svar " + a.key, Key: a.key})
		a.id = m.ID
		return err
	case portal.EventClose:
		_, err := p.Close(ctx, a.target.v, a.target.ticket)
		a.id = a.target.ticket
		return err
	default:
		res, err := p.SubmitTicket(ctx, a.target.v, portal.SubmissionInput{Key: a.key,
			Values: map[string]any{"subject": "Ny sag " + a.key, "content": "Printeren virker ikke (" + a.key + ")"}})
		a.id = res.TicketID
		return err
	}
}

// loadResult is what the writers did.
type loadResult struct {
	mu     sync.Mutex
	acked  []*action
	failed []error // actions that did not succeed on any node
	// lost are the errors of actions on a node while it was down: each
	// must be a clean "try again" (and the action then succeeded on
	// another node).
	lost []error
}

// loadOptions shape a run of the load.
type loadOptions struct {
	writers, actions int
	// lose, when set (1–3), is the node that kill takes down once its
	// first writer has done half of its actions (so that this writer has
	// actions left for the dead node, however fast the other nodes go);
	// writers on it move to the next node after their action there fails.
	lose int
	kill func(node int) error
}

// run runs the load: each writer on node writer%3 (so two or more on
// each), each of its actions against a random tenant.
func (w *loadWorld) run(t testing.TB, o loadOptions) *loadResult {
	t.Helper()
	res := &loadResult{}
	var downOnce sync.Once
	dead := atomic.Int64{}
	dead.Store(-1)
	var wg sync.WaitGroup
	for wr := range o.writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(wr), 42))
			node := wr % len(w.portals)
			for i := range o.actions {
				if wr == o.lose-1 && i == o.actions/2 {
					downOnce.Do(func() {
						dead.Store(int64(o.lose - 1)) // before its writers can fail
						if err := o.kill(o.lose); err != nil {
							res.mu.Lock()
							res.failed = append(res.failed, err)
							res.mu.Unlock()
						}
					})
				}
				lt := w.tenants[rng.IntN(len(w.tenants))]
				a := &action{tenant: lt, key: fmt.Sprintf("w%d-a%d", wr, i)}
				switch i % 5 {
				case 0, 1, 2:
					a.kind, a.target = portal.EventReply, lt.replies[rng.IntN(len(lt.replies))]
				case 3:
					a.kind, a.target = portal.EventSubmit, target{v: lt.submitters[rng.IntN(len(lt.submitters))]}
				default:
					a.kind, a.target = portal.EventClose, lt.closes[rng.IntN(len(lt.closes))]
				}
				err := w.attempt(a, node)
				if err != nil && int64(node) == dead.Load() {
					// The node went down under the action: a clean error,
					// then the same action, same key, on a node that is up.
					res.mu.Lock()
					res.lost = append(res.lost, err)
					res.mu.Unlock()
					node = (node + 1) % len(w.portals)
					err = w.attempt(a, node)
				}
				res.mu.Lock()
				if err != nil {
					res.failed = append(res.failed, fmt.Errorf("writer %d action %d (%s on node %d): %w", wr, i, a.kind, node+1, err))
				} else {
					res.acked = append(res.acked, a)
				}
				res.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return res
}

// actionTimeout bounds one action, as a request's deadline would.
const actionTimeout = 30 * time.Second

// attempt runs a on node's Portal within actionTimeout, and fails the
// error if it came later than the deadline allows.
func (w *loadWorld) attempt(a *action, node int) error {
	ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
	defer cancel()
	start := time.Now()
	err := a.do(ctx, w.portals[node])
	if late := time.Since(start); late > actionTimeout+5*time.Second {
		return fmt.Errorf("%s answered after %s, past its deadline: %w", a.kind, late, err)
	}
	return err
}

// check holds the cluster to what the acknowledged actions say: each
// there once with one event, outboxes without gaps, every node the same,
// lists as the memory store answers them for the same tickets.
func (w *loadWorld) check(t *testing.T, res *loadResult) {
	t.Helper()
	ctx := context.Background()
	for _, err := range res.failed {
		t.Errorf("failed: %v (%#v)", err, errors.Unwrap(err))
	}
	require.Empty(t, res.failed, "failed customer actions")
	for _, err := range res.lost {
		var busy *portal.BusyError
		assert.True(t, errors.As(err, &busy) || errors.Is(err, context.DeadlineExceeded),
			"an action on a lost node fails with a *portal.BusyError (try again) or its deadline, not: %v", err)
		assert.False(t, errors.Is(err, portal.ErrInternal), "not an internal error: %v", err)
	}
	for ti, lt := range w.tenants {
		pid := lt.data.Tenant.ID
		events, err := w.stores[0].Events(ctx, pid, 0, portal.MaxEvents)
		require.NoError(t, err)
		require.Less(t, len(events), portal.MaxEvents)
		for i, e := range events {
			require.Equal(t, int64(i+1), e.Seq, "tenant %d: the outbox is numbered without gaps", ti)
		}
		for n, st := range w.stores[1:] { // every node holds the same events
			got, err := st.Events(ctx, pid, 0, portal.MaxEvents)
			require.NoError(t, err)
			require.Equal(t, events, got, "tenant %d: node %d's events", ti, n+2)
		}
		byKind := map[portal.EventKind]map[uuid.UUID]int{portal.EventReply: {}, portal.EventClose: {}, portal.EventSubmit: {}}
		for _, e := range events {
			switch e.Kind {
			case portal.EventReply:
				byKind[e.Kind][e.MessageID]++
			default:
				byKind[e.Kind][e.TicketID]++
			}
		}
		acked := map[portal.EventKind]map[uuid.UUID]bool{portal.EventReply: {}, portal.EventClose: {}, portal.EventSubmit: {}}
		for _, a := range res.acked {
			if a.tenant == lt {
				acked[a.kind][a.id] = true
			}
		}
		for kind, ids := range acked {
			for id := range ids {
				assert.Equal(t, 1, byKind[kind][id], "tenant %d: %s %s has one event", ti, kind, id)
			}
			assert.Len(t, byKind[kind], len(ids), "tenant %d: no %s event without an acknowledged action", ti, kind)
		}
		w.checkRecords(t, lt, events, acked)
	}
}

// checkRecords checks each acknowledged action's records on every node,
// and compares every node's lists with the memory store given the tickets
// that the tenant's events say the actions made.
func (w *loadWorld) checkRecords(t *testing.T, lt *loadTenant, events []portal.Event, acked map[portal.EventKind]map[uuid.UUID]bool) {
	t.Helper()
	ctx := context.Background()
	pid := lt.data.Tenant.ID
	want := map[uuid.UUID]portal.Ticket{}
	for _, tk := range lt.data.Tickets {
		want[tk.ID] = tk
	}
	for _, e := range events {
		switch e.Kind {
		case portal.EventSubmit:
			tk, err := w.stores[0].Ticket(ctx, pid, e.TicketID)
			require.NoError(t, err, "submitted ticket %s", e.TicketID)
			require.True(t, strings.HasPrefix(tk.Subject, "Ny sag "), tk.Subject)
			want[tk.ID] = tk
		case portal.EventReply, portal.EventClose, portal.EventReopen:
			tk := want[e.TicketID]
			if e.At.After(tk.LastActivityAt) {
				tk.LastActivityAt = e.At
			}
			switch {
			case e.Kind == portal.EventClose:
				tk.StageID, tk.ClosedAt = e.StageID, e.At
			case e.StageID != uuid.Nil: // a reopen, or a reply that reopened (P13)
				tk.StageID, tk.ClosedAt = e.StageID, time.Time{}
			}
			want[e.TicketID] = tk
		}
		for n, st := range w.stores {
			if e.MessageID == uuid.Nil {
				continue
			}
			ms, err := st.Messages(ctx, pid, e.ThreadID)
			require.NoError(t, err)
			found := 0
			for _, m := range ms {
				if m.ID == e.MessageID {
					found++
				}
			}
			require.Equal(t, 1, found, "node %d: message %s once", n+1, e.MessageID)
		}
	}
	for id := range acked[portal.EventClose] {
		for n, st := range w.stores {
			tk, err := st.Ticket(ctx, pid, id)
			require.NoError(t, err)
			require.Equal(t, want[id].StageID, tk.StageID, "node %d: closed ticket %s", n+1, id)
			require.True(t, closed(lt, tk), "node %d: ticket %s is in a closed stage", n+1, id)
		}
	}
	// The reference: the memory store, given the tickets the actions made.
	data := *lt.data
	data.Tickets = nil
	for _, tk := range want {
		data.Tickets = append(data.Tickets, tk)
	}
	ref := memstore.New()
	copyDataset(t, w.stores[0], &data, ref)
	schema, err := w.portals[0].Schema(ctx, pid)
	require.NoError(t, err)
	ref1 := &world{mem: ref, data: &data, schema: schema}
	for _, tk := range data.Tickets {
		ref1.words = append(ref1.words, strings.Fields(tk.Subject)...)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for round := range 60 {
		q := ref1.query(rng)
		for _, st := range w.stores {
			compare(t, round, ref, st, q)
		}
	}
}

// closed reports whether tk is in a closed stage of its pipeline.
func closed(lt *loadTenant, tk portal.Ticket) bool {
	for _, pl := range lt.data.Pipelines {
		for _, s := range pl.Stages {
			if s.ID == tk.StageID {
				return s.State == portal.StageClosed
			}
		}
	}
	return false
}

// TestGaleraLoad sends customers' actions from writers on every node of
// the cluster at once. covers: X7
func TestGaleraLoad(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		tenants, writers, actions int
	}{
		{"one tenant", 1, 6, 30},
		{"ten tenants", 10, 9, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newLoadWorld(t, tc.tenants)
			res := w.run(t, loadOptions{writers: tc.writers, actions: tc.actions})
			w.check(t, res)
			require.Equal(t, tc.writers*tc.actions, len(res.acked), "acknowledged actions")
			t.Logf("%d actions, %d write transactions run again after a conflict", len(res.acked), w.reruns())
		})
	}
}

// TestGaleraNodeLoss kills a node (SIGKILL) in the middle of the load:
// the writers on the other two go on without a failed action; those on the
// lost node get a clean "try again" within their deadline and then do the
// same action, with the same key, on a node that is up. Once the node has
// rejoined, every node holds the same, and nothing acknowledged is missing
// or there twice. covers: X7
func TestGaleraNodeLoss(t *testing.T) {
	w := newLoadWorld(t, 2)
	const lost = 3
	t.Cleanup(func() { _ = galera("start-node", fmt.Sprint(lost)) }) // if the test stops early
	res := w.run(t, loadOptions{writers: 6, actions: 24, lose: lost, kill: func(node int) error {
		return galera("kill", fmt.Sprint(node))
	}})
	require.Empty(t, res.failed, "failed customer actions")
	require.Equal(t, 6*24, len(res.acked), "acknowledged actions")
	require.NoError(t, galera("start-node", fmt.Sprint(lost))) // it rejoins, with what it missed
	// The restarted node's pool holds connections to the old process.
	st, err := sqlstore.Open(context.Background(), nodeDB(t, w.nodes[lost-1]), sqlstore.MySQL)
	require.NoError(t, err)
	w.stores[lost-1] = st
	w.check(t, res)
	assert.NotEmpty(t, res.lost, "actions were sent to the lost node")
	t.Logf("%d actions, %d of them first sent to the lost node and done on another", len(res.acked), len(res.lost))
}

// TestGaleraDelivery runs RunDelivery for one tenant on two nodes at once
// while writers act on all three: every event reaches a handler at least
// once, and each loop sees its events in order. covers: X7
func TestGaleraDelivery(t *testing.T) {
	w := newLoadWorld(t, 1)
	pid := w.tenants[0].data.Tenant.ID
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	seen := map[int64]int{}
	loops := make([][]int64, 2)
	var wg sync.WaitGroup
	for l := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := w.portals[l].RunDelivery(ctx, pid, func(_ context.Context, e portal.Event) error {
				mu.Lock()
				defer mu.Unlock()
				seen[e.Seq]++
				loops[l] = append(loops[l], e.Seq)
				return nil
			}, portal.DeliverOptions{PollInterval: 20 * time.Millisecond})
			assert.ErrorIs(t, err, context.Canceled)
		}()
	}
	res := w.run(t, loadOptions{writers: 6, actions: 10})
	require.Empty(t, res.failed)
	events, err := w.stores[0].Events(context.Background(), pid, 0, portal.MaxEvents)
	require.NoError(t, err)
	last := events[len(events)-1].Seq
	require.Eventually(t, func() bool {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		acked, err := w.portals[2].AckedEvents(context.Background(), pid)
		return n == int(last) && err == nil && acked == last
	}, time.Minute, 100*time.Millisecond, "every event delivered and acknowledged")
	cancel()
	wg.Wait()
	for seq := int64(1); seq <= last; seq++ {
		assert.GreaterOrEqual(t, seen[seq], 1, "event %d delivered", seq)
	}
	for l, seqs := range loops {
		assert.True(t, slices.IsSorted(seqs), "loop %d delivers in order: %v", l+1, seqs)
	}
}
