package portal

import "time"

// SetDeliveryTimer makes p's RunDelivery loops wait on the channels after
// returns instead of real timers.
func SetDeliveryTimer(p *Portal, after func(time.Duration) <-chan time.Time) { p.after = after }

// Backoff is RunDelivery's wait after the failures-th failure in a row.
var Backoff = backoff
