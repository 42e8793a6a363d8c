// What a contact may see: the tickets in its scope (S4) that pass the
// administrator's visibility filter (S8), and of a ticket's conversation
// the portal thread's messages that are not internal (S9). The scope
// itself is decided in access.go (AccessPolicy); the list and the export
// ask the store for the same tickets through TicketQuery (list.go).

package portal

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// VisibilityOf compiles the ticket visibility filter (S8) of the settings
// s over the custom properties props, exactly as Portal applies it to the
// requests of s's version. A store that keeps each ticket's verdict beside
// its associations (TicketFilter.Stamp) compiles its tenant's with it, and
// decides again when the settings, the properties or the pipelines change.
func VisibilityOf(s *Settings, props []PropertyDef) (TicketFilter, error) {
	sc, err := storedSchema(props)
	if err != nil {
		return TicketFilter{}, fmt.Errorf("%w: stored schema: %v", ErrInternal, err)
	}
	return visibilityOf(s, sc)
}

// visibilityOf compiles s's visibility filter against schema, its days in
// the portal's time zone.
func visibilityOf(s *Settings, schema Schema) (TicketFilter, error) {
	return compileTicketFilter(s.Display.Visibility, schema, "display.visibility", zone(s.TimeZone))
}

// beginView begins a viewer's request (begin) with the renderer of what
// it sees.
func (p *Portal) beginView(ctx context.Context, v Viewer) (*request, *renderer, error) {
	r, err := p.begin(ctx, v)
	if err != nil {
		return nil, nil, err
	}
	rd, err := p.renderer(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	return r, rd, nil
}

// openTicket begins a viewer's request (beginView) and reads a ticket it
// may see (visibleTicket).
func (p *Portal) openTicket(ctx context.Context, v Viewer, id uuid.UUID) (*request, *renderer, Ticket, error) {
	r, rd, err := p.beginView(ctx, v)
	if err != nil {
		return nil, nil, Ticket{}, err
	}
	t, err := p.visibleTicket(ctx, r, rd, id)
	if err != nil {
		return nil, nil, Ticket{}, err
	}
	return r, rd, t, nil
}

// visibleTicket reads a ticket the viewer may see, or ErrNotFound.
func (p *Portal) visibleTicket(ctx context.Context, r *request, rd *renderer, id uuid.UUID) (Ticket, error) {
	notFound := fmt.Errorf("%w: ticket %s", ErrNotFound, id)
	t, err := p.store.Ticket(ctx, r.viewer.PortalID, id)
	if isNotFound(err) {
		return Ticket{}, notFound
	} else if err != nil {
		return Ticket{}, classify(err)
	}
	if !r.scope.covers(&t) || !r.rules.visibility.Match(&t, rd.env(r.now)) {
		return Ticket{}, notFound
	}
	return t, nil
}

// portalThread returns the thread a contact sees (S9): the oldest of those
// marked visible in the portal. threads are oldest first.
func portalThread(threads []Thread) (Thread, bool) {
	for _, th := range threads {
		if th.VisibleInPortal {
			return th, true
		}
	}
	return Thread{}, false
}

// shownToContact reports whether a message of the portal thread is shown to
// a contact (S9): never an internal note or comment, never a message from an
// internal sender (an address, or an @domain, compared without case).
func shownToContact(m *Message, internalSenders []string) bool {
	if m.Kind.Internal() {
		return false
	}
	from := strings.ToLower(m.From)
	for _, s := range internalSenders {
		s = strings.ToLower(s)
		if strings.HasPrefix(s, "@") && strings.HasSuffix(from, s) || from == s {
			return false
		}
	}
	return true
}
