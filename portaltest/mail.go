package portaltest

import (
	"context"
	"slices"
	"sync"

	"github.com/helpdeskkit/portal"
)

// Mailbox is a portal.Mailer that records what it is sent, for tests. It is
// safe for concurrent use; the zero value is ready. Set Fail to make Send
// fail with it.
type Mailbox struct {
	mu   sync.Mutex
	sent []portal.Mail
	Fail error
}

var _ portal.Mailer = (*Mailbox)(nil)

// Send implements portal.Mailer.
func (b *Mailbox) Send(_ context.Context, m portal.Mail) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Fail != nil {
		return b.Fail
	}
	b.sent = append(b.sent, m)
	return nil
}

// Sent returns every mail sent so far, oldest first.
func (b *Mailbox) Sent() []portal.Mail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.sent)
}

// Last returns the last mail sent to the address to, and whether there is
// one.
func (b *Mailbox) Last(to string) (portal.Mail, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.sent) - 1; i >= 0; i-- {
		if b.sent[i].To == to {
			return b.sent[i], true
		}
	}
	return portal.Mail{}, false
}
