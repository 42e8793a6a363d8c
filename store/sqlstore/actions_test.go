package sqlstore_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/blobs"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// faultTriggers make the database refuse, inside a customer action's
// transaction, the event (written first, after the outbox counter), the
// message (written after a submission's new ticket and thread, and after a
// reply's new thread) or the ticket's update (written last, after the
// event, the thread and the message): a fault between the change and its
// event, from either side and from the middle.
var faultTriggers = map[string]map[sqlstore.Dialect][]string{
	"messages": {
		sqlstore.SQLite: {"CREATE TRIGGER fail BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'injected fault'); END"},
		sqlstore.Postgres: {
			"CREATE FUNCTION fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql",
			"CREATE TRIGGER fail BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION fail()",
		},
		sqlstore.MySQL: {"CREATE TRIGGER fail BEFORE INSERT ON messages FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault'"},
	},
	"events": {
		sqlstore.SQLite: {"CREATE TRIGGER fail BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'injected fault'); END"},
		sqlstore.Postgres: {
			"CREATE FUNCTION fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql",
			"CREATE TRIGGER fail BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION fail()",
		},
		sqlstore.MySQL: {"CREATE TRIGGER fail BEFORE INSERT ON events FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault'"},
	},
	"tickets": {
		sqlstore.SQLite: {"CREATE TRIGGER fail BEFORE UPDATE ON tickets BEGIN SELECT RAISE(ABORT, 'injected fault'); END"},
		sqlstore.Postgres: {
			"CREATE FUNCTION fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql",
			"CREATE TRIGGER fail BEFORE UPDATE ON tickets FOR EACH ROW EXECUTE FUNCTION fail()",
		},
		sqlstore.MySQL: {"CREATE TRIGGER fail BEFORE UPDATE ON tickets FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault'"},
	},
}

func dropTrigger(d sqlstore.Dialect, table string) []string {
	if d == sqlstore.Postgres {
		return []string{"DROP TRIGGER fail ON " + table, "DROP FUNCTION fail()"}
	}
	return []string{"DROP TRIGGER fail"}
}

// A reply, close or submission whose transaction fails part-way leaves
// nothing: no thread, no message, no ticket change, no new ticket, no event,
// no used-up event number or idempotency key, no file. Once the fault is
// gone the same actions land whole, numbered from 1.
// covers: P5, P6, P8 (outbox atomicity), X1
func TestFailedActionLeavesNothing(t *testing.T) {
	for _, table := range []string{"events", "messages", "tickets"} {
		t.Run(table, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, d dialect) {
				ctx := context.Background()
				db := d.db(t, d.fresh(t))
				st, err := sqlstore.Open(ctx, db, d.name)
				require.NoError(t, err)
				mem := blobs.NewMemory()
				p, err := portal.New(st, portal.Options{Now: portaltest.Now, Blobs: mem})
				require.NoError(t, err)
				data, err := portaltest.Generate(ctx, p, portaltest.Size{Companies: 1, Tickets: 12}, 3)
				require.NoError(t, err)
				pid := data.Tenant.ID
				var v portal.Viewer
				var tid uuid.UUID
				for _, tk := range data.Tickets {
					cand := portal.Viewer{PortalID: pid, ContactID: tk.RequesterID}
					if det, err := p.TicketDetail(ctx, cand, tk.ID); tk.RequesterID != uuid.Nil && err == nil && det.CanReply && det.CanClose {
						v, tid = cand, tk.ID
						break
					}
				}
				require.NotEqual(t, uuid.Nil, tid, "an open ticket of its requester")
				before, err := p.TicketDetail(ctx, v, tid)
				require.NoError(t, err)
				stored, err := p.Ticket(ctx, pid, tid)
				require.NoError(t, err)
				list, err := p.ListTickets(ctx, v, portal.ListQuery{Limit: portal.MaxPageSize})
				require.NoError(t, err)

				for _, stmt := range faultTriggers[table][d.name] {
					_, err := db.Exec(stmt)
					require.NoError(t, err)
				}
				png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 64)...)
				in := portal.ReplyInput{Text: "hello", Attachments: []portal.AttachmentInput{{Name: "a.png", Content: bytes.NewReader(png)}}}
				_, err = p.Reply(ctx, v, tid, in)
				require.ErrorIs(t, err, portal.ErrInternal, "reply")
				if table != "messages" { // a close writes no message
					_, err = p.Close(ctx, v, tid)
					require.ErrorIs(t, err, portal.ErrInternal, "close")
				}
				sub := portal.SubmissionInput{Values: map[string]any{"subject": "New", "content": "C"}, Key: "once"}
				if table != "tickets" { // a submission updates no ticket
					// With "messages", it fails after the new ticket, its
					// thread and its idempotency key are written.
					_, err = p.SubmitTicket(ctx, v, sub)
					require.ErrorIs(t, err, portal.ErrInternal, "submit")
				}

				after, err := p.TicketDetail(ctx, v, tid)
				require.NoError(t, err)
				assert.Equal(t, before, after, "conversation, thread and ticket as they were")
				got, err := p.Ticket(ctx, pid, tid)
				require.NoError(t, err)
				assert.Equal(t, stored, got)
				listAfter, err := p.ListTickets(ctx, v, portal.ListQuery{Limit: portal.MaxPageSize})
				require.NoError(t, err)
				assert.Equal(t, list, listAfter, "no new ticket")
				evs, err := p.Events(ctx, pid, 0, 10)
				require.NoError(t, err)
				assert.Empty(t, evs, "no event")
				assert.Empty(t, mem.Keys(), "no file")

				for _, stmt := range dropTrigger(d.name, table) {
					_, err := db.Exec(stmt)
					require.NoError(t, err)
				}
				in.Attachments[0].Content = bytes.NewReader(png)
				m, err := p.Reply(ctx, v, tid, in)
				require.NoError(t, err)
				res, err := p.SubmitTicket(ctx, v, sub)
				require.NoError(t, err)
				assert.True(t, res.Created, "the key was not used up")
				closed, err := p.Close(ctx, v, tid)
				require.NoError(t, err)
				assert.False(t, closed.AlreadyClosed)
				evs, err = p.Events(ctx, pid, 0, 10)
				require.NoError(t, err)
				require.Len(t, evs, 3)
				assert.Equal(t, []int64{1, 2, 3}, []int64{evs[0].Seq, evs[1].Seq, evs[2].Seq}, "no number used up")
				assert.Equal(t, m.ID, evs[0].MessageID)
				assert.Equal(t, res.TicketID, evs[1].TicketID)
				assert.Equal(t, portal.EventClose, evs[2].Kind)
				assert.Len(t, mem.Keys(), 1)
			})
		})
	}
}
