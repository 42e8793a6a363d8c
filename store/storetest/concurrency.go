package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

var concurrencyTests = []test{
	{name: "MixedConcurrentWritesAndReadsAllLand", fn: testMixedConcurrentUse},
	{name: "ConcurrentSettingsReadsSeeWholeVersions", fn: testConcurrentSettingsReads},
	{name: "TicketPagesReadWhileTicketsAreReplaced", fn: testConcurrentReadTicketPage},
}

// workload is what one goroutine of testMixedConcurrentUse writes, made
// beforehand on the test goroutine (require may not fail elsewhere).
type workload struct {
	contacts []portal.Contact
	tickets  []portal.Ticket
	threads  []portal.Thread
	messages []portal.Message
	channels []portal.Channel
	props    []portal.PropertyDef
}

// Goroutines write and read records of every kind in one tenant at once,
// while others list and read settings; run it under -race. Every write lands.
func testMixedConcurrentUse(t *testing.T, s portal.Store) {
	const workers, rounds, readers = 8, 6, 4
	pid := newTenant(t, s)
	require.NoError(t, s.PutPipeline(ctx(t), newPipeline(t, pid, "Shared")))
	require.NoError(t, s.PutForm(ctx(t), newForm(t, pid, "Shared")))

	work := make([]workload, workers)
	for w := range work {
		for r := range rounds {
			c := newContact(t, pid)
			tk := newTicket(t, pid)
			tk.ContactIDs = append(tk.ContactIDs, c.ID)
			th := newThread(t, pid, tk.ID, at(r))
			work[w].contacts = append(work[w].contacts, c)
			work[w].tickets = append(work[w].tickets, tk)
			work[w].threads = append(work[w].threads, th)
			work[w].messages = append(work[w].messages, newMessage(t, th, at(r+1)))
			work[w].channels = append(work[w].channels, newChannel(t, pid, fmt.Sprintf("Channel %d/%d", w, r)))
			work[w].props = append(work[w].props, portal.PropertyDef{Object: portal.TicketObject,
				Property: textProperty(fmt.Sprintf("p%dx%d", w, r), "Property")})
		}
	}

	var saved atomic.Int64
	var readersWG sync.WaitGroup
	stop := make(chan struct{})
	for range readers {
		readersWG.Add(1)
		go func() {
			defer readersWG.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := s.Pipelines(ctx(t), pid)
				assert.NoError(t, err)
				_, err = s.Forms(ctx(t), pid)
				assert.NoError(t, err)
				_, err = s.Channels(ctx(t), pid)
				assert.NoError(t, err)
				_, err = s.Properties(ctx(t), pid)
				assert.NoError(t, err)
				_, err = s.Tenant(ctx(t), pid)
				assert.NoError(t, err)
				if t.Failed() {
					return
				}
			}
		}()
	}

	startTogether(workers, func(w int) {
		wl := work[w]
		for r := range rounds {
			c, tk, th, m := wl.contacts[r], wl.tickets[r], wl.threads[r], wl.messages[r]
			if !assert.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: c})) ||
				!assert.NoError(t, s.PutTicket(ctx(t), tk)) {
				return
			}
			tk.Subject = fmt.Sprintf("Updated %d/%d", w, r)
			if !assert.NoError(t, s.PutTicket(ctx(t), tk)) ||
				!assert.NoError(t, s.PutThread(ctx(t), th)) ||
				!assert.NoError(t, s.AddMessage(ctx(t), m)) ||
				!assert.NoError(t, s.PutChannel(ctx(t), wl.channels[r])) ||
				!assert.NoError(t, s.PutProperty(ctx(t), pid, wl.props[r])) {
				return
			}
			gotContact, err := getContact(s, ctx(t), pid, c.ID)
			assert.NoError(t, err)
			assert.Equal(t, c, gotContact)
			gotTicket, err := s.Ticket(ctx(t), pid, tk.ID)
			assert.NoError(t, err)
			assert.Equal(t, tk, gotTicket)
			gotMessages, err := s.Messages(ctx(t), pid, th.ID)
			assert.NoError(t, err)
			assert.Equal(t, []portal.Message{m}, gotMessages)

			settings, err := s.Settings(ctx(t), pid)
			if !assert.NoError(t, err) {
				return
			}
			settings.Name = fmt.Sprintf("Saved by %d/%d", w, r)
			switch _, err := s.SaveSettings(ctx(t), pid, settings); {
			case err == nil:
				saved.Add(1)
			case errors.Is(err, portal.ErrConflict):
			default:
				assert.NoError(t, err)
			}
		}
	})
	close(stop)
	readersWG.Wait()
	require.False(t, t.Failed())

	require.Len(t, readAll(t, s.Channels, pid), workers*rounds)
	require.Len(t, readAll(t, s.Properties, pid), workers*rounds)
	require.GreaterOrEqual(t, saved.Load(), int64(1))
	require.Equal(t, 1+saved.Load(), currentSettings(t, s, pid).Version, "every successful save made one version")
	for _, wl := range work {
		for r := range rounds {
			require.Equal(t, []portal.Thread{wl.threads[r]}, read(t, s.Threads, pid, wl.tickets[r].ID))
			require.Equal(t, []portal.Message{wl.messages[r]}, read(t, s.Messages, pid, wl.threads[r].ID))
		}
	}
}

// While one administrator saves version after version, readers never see
// the settings of one version under the number of another.
//
// covers: S16
func testConcurrentSettingsReads(t *testing.T, s portal.Store) {
	const saves, readers = 30, 4
	pid := newID(t)
	first := richSettings(t)
	first.Name = "v1"
	require.NoError(t, s.CreateTenant(ctx(t), portal.Tenant{ID: pid, Name: "T", CreatedAt: at(0)}, first))

	done := make(chan struct{})
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := int64(0)
			for {
				got, err := s.Settings(ctx(t), pid)
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, fmt.Sprintf("v%d", got.Version), got.Name, "settings read whole")
				assert.GreaterOrEqual(t, got.Version, last, "versions never go back")
				last = got.Version
				select {
				case <-done:
					return
				default:
				}
			}
		}()
	}

	defer func() { close(done); wg.Wait() }() // also when require stops the test

	settings := first
	settings.Version = 1
	for v := int64(2); v <= saves; v++ {
		settings.Name = fmt.Sprintf("v%d", v)
		got, err := s.SaveSettings(ctx(t), pid, settings)
		require.NoError(t, err)
		require.Equal(t, v, got)
		settings.Version = got
	}
}

// A store that lets the export read its own tickets (portal.TicketPageReader)
// does so safely while the same tickets are replaced: run it under -race.
// The reader touches every field, slice and map of each ticket it reads,
// and calls the store from inside read, as the export does to look up
// names.
// covers: P7
func testConcurrentReadTicketPage(t *testing.T, s portal.Store) {
	r, ok := s.(portal.TicketPageReader)
	if !ok {
		t.Skip("the store is not a portal.TicketPageReader")
	}
	const tickets, writers, readers = 30, 2, 2
	pid := newTenant(t, s)
	contact := newContact(t, pid)
	require.NoError(t, s.PutContact(ctx(t), portal.ContactChange{Contact: contact}))
	var all []portal.Ticket
	for range tickets {
		tk := newTicket(t, pid)
		tk.ContactIDs = append(tk.ContactIDs, contact.ID)
		tk.Properties = allTypes(2)
		require.NoError(t, s.PutTicket(ctx(t), tk))
		all = append(all, tk)
	}
	schema, err := portal.NewSchema()
	require.NoError(t, err)
	match, err := portal.CompileTicketFilter(nil, schema)
	require.NoError(t, err)
	created, _ := schema.Lookup(portal.TicketObject, portal.PropCreatedAt)
	q := portal.TicketQuery{PortalID: pid, ContactID: contact.ID, Visibility: match, Filter: match,
		Sort: portal.Sort{Property: created}, Limit: 7, Now: at(0)}

	startTogether(writers+readers, func(w int) {
		for round := range 20 {
			if w < writers {
				for i := w; i < tickets; i += writers {
					tk := all[i].Clone()
					tk.Subject = fmt.Sprintf("Round %d", round)
					tk.Properties[tk.Subject] = float64(round)
					if !assert.NoError(t, s.PutTicket(ctx(t), tk)) {
						return
					}
				}
				continue
			}
			q := q
			for n := 0; ; {
				var last portal.SortKey
				var lastID uuid.UUID
				more, err := r.ReadTicketPage(ctx(t), q, func(tk *portal.Ticket, key *portal.SortKey) error {
					n++
					copied := tk.Clone() // reads every slice and map
					_ = fmt.Sprint(copied, *key)
					last, lastID = *key, tk.ID
					_, err := getContact(s, ctx(t), pid, contact.ID)
					return err
				})
				if !assert.NoError(t, err) || !more {
					assert.Equal(t, tickets, n, "every ticket read once")
					break
				}
				q.After, q.AfterID = &last, lastID
			}
		}
	})
}
