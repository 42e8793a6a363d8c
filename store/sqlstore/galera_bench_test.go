package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/helpdeskkit/portal"
)

// BenchmarkGaleraReply measures customers' replies per second on a 3-node
// Galera cluster (X7), six writers at once, all on one node or two on each
// node, to one tenant (every reply takes the tenant's outbox row, so
// replies on different nodes conflict at commit and are run again) or
// spread over ten. reruns/1000 is how many write transactions per 1,000
// replies lost a race and ran again (sqlstore.Stats). It skips without
// PORTAL_TEST_GALERA_DSNS.
//
//	go test -run '^$' -bench BenchmarkGaleraReply -benchtime 300x ./store/sqlstore
func BenchmarkGaleraReply(b *testing.B) {
	const writers = 6
	for _, tenants := range []int{1, 10} {
		w := newLoadWorld(b, tenants)
		for _, spread := range []bool{false, true} {
			name := fmt.Sprintf("tenants=%d/one-node", tenants)
			if spread {
				name = fmt.Sprintf("tenants=%d/three-nodes", tenants)
			}
			b.Run(name, func(b *testing.B) {
				before := w.reruns()
				var next atomic.Int64
				var failed atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				for wr := range writers {
					node := 0
					if spread {
						node = wr % len(w.portals)
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1)
							if i > int64(b.N) {
								return
							}
							lt := w.tenants[int(i)%len(w.tenants)]
							tg := lt.replies[int(i/int64(len(w.tenants)))%len(lt.replies)]
							_, err := w.portals[node].Reply(context.Background(), tg.v, tg.ticket, portal.ReplyInput{Text: "Tak for svaret"})
							if err != nil {
								failed.Add(1)
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "replies/s")
				b.ReportMetric(float64(w.reruns()-before)*1000/float64(b.N), "reruns/1000")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// reruns is the sum of the stores' reruns.
func (w *loadWorld) reruns() int64 {
	var n int64
	for _, st := range w.stores {
		n += st.Stats().Reruns
	}
	return n
}
