package portaltest

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// eachPage calls fn with every page of v's view with q, from q.Cursor on.
func eachPage(ctx context.Context, p *portal.Portal, v portal.Viewer, q portal.ListQuery, fn func(*portal.TicketView) error) error {
	for {
		tv, err := p.ListTickets(ctx, v, q)
		if err != nil {
			return err
		}
		if err := fn(&tv); err != nil {
			return err
		}
		if tv.Next == "" {
			return nil
		}
		q.Cursor = tv.Next
	}
}

// ListAll lists every page of v's view with q (from q.Cursor on) and
// returns the IDs of its tickets in order; a ticket that comes twice is
// an error.
func ListAll(ctx context.Context, p *portal.Portal, v portal.Viewer, q portal.ListQuery) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	seen := map[uuid.UUID]bool{}
	err := eachPage(ctx, p, v, q, func(tv *portal.TicketView) error {
		for _, r := range tv.Rows {
			if seen[r.ID] {
				return fmt.Errorf("ticket %s came twice", r.ID)
			}
			seen[r.ID] = true
			ids = append(ids, r.ID)
		}
		return nil
	})
	return ids, err
}

// ListTable lists every page of v's view with q (from q.Cursor on) as a
// CSV export of it should hold it: the shown columns' labels, then each
// row's cell texts.
func ListTable(ctx context.Context, p *portal.Portal, v portal.Viewer, q portal.ListQuery) ([][]string, error) {
	var table [][]string
	err := eachPage(ctx, p, v, q, func(tv *portal.TicketView) error {
		if table == nil {
			header := make([]string, len(tv.Columns))
			for i, c := range tv.Columns {
				header[i] = c.Label
			}
			table = append(table, header)
		}
		for _, r := range tv.Rows {
			row := make([]string, len(r.Cells))
			for i, c := range r.Cells {
				row[i] = c.Text
			}
			table = append(table, row)
		}
		return nil
	})
	return table, err
}
