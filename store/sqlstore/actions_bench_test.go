package sqlstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
)

// BenchmarkReply measures a customer's reply through the Portal (P5): the
// viewer's scope and the ticket's visibility checked, the reply sanitised,
// the portal thread found, and one store step that writes the message,
// moves the ticket's last activity date and writes the outbox event. Its
// baseline is the bare store write of a message (AddMessage) on the same
// store: the least a reply could cost. Both report replies per second.
//
//	go test -run '^$' -bench BenchmarkReply -benchtime 2000x ./store/sqlstore
func BenchmarkReply(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) portal.Store
	}{
		{"memory", func(*testing.B) portal.Store { return memstore.New() }},
		{"sqlite", func(b *testing.B) portal.Store { return dialects(b)[0].open(b) }},
	}
	for _, s := range stores {
		b.Run(s.name, func(b *testing.B) {
			ctx := context.Background()
			store := s.open(b)
			var tick atomic.Int64 // a clock that moves a microsecond a call
			now := func() time.Time { return portaltest.BaseTime.Add(time.Duration(tick.Add(1)) * time.Microsecond) }
			p, err := portal.New(store, portal.Options{Now: now})
			if err != nil {
				b.Fatal(err)
			}
			data, err := portaltest.Generate(ctx, p, portaltest.Size{Companies: 2, Tickets: 40}, 11)
			if err != nil {
				b.Fatal(err)
			}
			v, tid, thread := replyTarget(b, p, data)
			in := portal.ReplyInput{HTML: `<p>Hej, tak for svaret. Printeren <b>virker</b> nu, men <a href="https://example.com/x">linket</a> gør ikke.</p>`}

			b.Run("portal", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := p.Reply(ctx, v, tid, in); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "replies/s")
			})
			b.Run("baseline", func(b *testing.B) {
				b.ReportAllocs()
				m := portal.Message{PortalID: data.Tenant.ID, TicketID: tid, ThreadID: thread, Kind: portal.CustomerMessage,
					From: "kunde@example.com", Body: in.HTML, Text: "Hej, tak for svaret."}
				for b.Loop() {
					m.ID, m.CreatedAt = uuid.Must(uuid.NewV7()), now()
					if err := store.AddMessage(ctx, m); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "replies/s")
			})
		})
	}
}

// replyTarget finds an open ticket its requester may reply to, and its
// portal thread.
func replyTarget(b testing.TB, p *portal.Portal, data *portaltest.Dataset) (portal.Viewer, uuid.UUID, uuid.UUID) {
	for _, tk := range data.Tickets {
		v := portal.Viewer{PortalID: data.Tenant.ID, ContactID: tk.RequesterID}
		d, err := p.TicketDetail(context.Background(), v, tk.ID)
		if tk.RequesterID != uuid.Nil && err == nil && d.CanReply && d.ThreadID != uuid.Nil {
			return v, tk.ID, d.ThreadID
		}
	}
	b.Fatal(fmt.Errorf("no ticket to reply to"))
	return portal.Viewer{}, uuid.Nil, uuid.Nil
}
