package portal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/google/uuid"
)

// Throttling of password logins (A8). Failed attempts are counted per
// (login, client) and per client, in the store (ThrottleStore), never per
// login alone: whoever fails on a customer's login from one client slows
// that client down, with a wait that doubles with each failure, and the
// customer, from another client, gets in at once. No failure locks a
// login for everyone, so no one can lock a customer out.
//
// The client is the address the host put in the request's context with
// WithClient. Without one, every attempt counts as coming from one unknown
// client.

type clientKey struct{}

// WithClient returns ctx carrying the address of the client a request came
// from: the remote IP address, or the one a proxy the host trusts names.
// A host passes it to Login, so that failures slow down the client that
// makes them and not the customer (A8).
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// clientOf returns the client of ctx (WithClient), or "".
func clientOf(ctx context.Context) string {
	addr, _ := ctx.Value(clientKey{}).(string)
	return addr
}

// throttleKeys are the keys a login attempt is counted under: the login
// (by its normalised e-mail, known or not, so that both cost the same)
// from the client, and the client.
type throttleKeys struct{ login, client string }

func keysOf(ctx context.Context, email string) throttleKeys {
	client := clientOf(ctx)
	return throttleKeys{login: throttleKey("login", NormalizeEmail(email), client), client: throttleKey("client", client)}
}

// throttleKey is the store's key of parts: a digest, so that it is short
// and keeps no address or e-mail.
func throttleKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// throttled reports whether an attempt at now is refused unchecked, and
// reads the counts it decides by.
func (p *Portal) throttled(ctx context.Context, portalID uuid.UUID, k throttleKeys, now time.Time) (bool, error) {
	lt, err := p.as.Throttle(ctx, portalID, k.login)
	if err != nil {
		return false, classify(err)
	}
	ct, err := p.as.Throttle(ctx, portalID, k.client)
	if err != nil {
		return false, classify(err)
	}
	return p.auth.waiting(lt, p.auth.SlowAfter, now) || p.auth.waiting(ct, p.auth.ClientSlowAfter, now), nil
}

// failed counts a failed attempt under both keys.
func (p *Portal) failed(ctx context.Context, portalID uuid.UUID, k throttleKeys, now time.Time) error {
	since := now.Add(-p.auth.ForgetAfter)
	for _, key := range []string{k.login, k.client} {
		if _, err := p.as.AddFailure(ctx, portalID, key, now, since); err != nil {
			return classify(err)
		}
	}
	return nil
}

// waiting reports whether, after th's failures, an attempt at now must
// still wait: from the after-th failure in a row on, for Backoff doubled
// with each further one, never more than MaxBackoff, since the last;
// failures older than ForgetAfter count as none.
func (o *AuthOptions) waiting(th Throttle, after int, now time.Time) bool {
	if th.Failures < after || now.Sub(th.FailedAt) >= o.ForgetAfter {
		return false
	}
	return now.Before(th.FailedAt.Add(backoff(o.Backoff, o.MaxBackoff, th.Failures-after+1)))
}

// LoginThrottled reports whether an attempt on one of the host's own
// logins (name is the host's: a helpdesk user's, say) from the client ctx
// carries (WithClient) must be refused unchecked, by the rules of Login
// (A8); it shares their count of the client's failures. A host that checks
// such a login itself, as the web portal's preview does, asks before it
// checks, and tells the outcome with LoginFailed or LoginSucceeded.
func (p *Portal) LoginThrottled(ctx context.Context, portalID uuid.UUID, name string) (bool, error) {
	if err := p.ways(); err != nil {
		return false, err
	}
	return p.throttled(ctx, portalID, hostKeys(ctx, name), p.clock())
}

// LoginFailed counts a failed attempt on the host's login name from the
// client of ctx (LoginThrottled).
func (p *Portal) LoginFailed(ctx context.Context, portalID uuid.UUID, name string) error {
	if err := p.ways(); err != nil {
		return err
	}
	return p.failed(ctx, portalID, hostKeys(ctx, name), p.clock())
}

// LoginSucceeded ends the count of failures on the host's login name from
// the client of ctx (LoginThrottled).
func (p *Portal) LoginSucceeded(ctx context.Context, portalID uuid.UUID, name string) error {
	if err := p.ways(); err != nil {
		return err
	}
	return classify(p.as.ClearThrottle(ctx, portalID, hostKeys(ctx, name).login))
}

// hostKeys are the keys of the host's login name: never those of a
// customer's e-mail.
func hostKeys(ctx context.Context, name string) throttleKeys { return keysOf(ctx, "host\x00"+name) }
