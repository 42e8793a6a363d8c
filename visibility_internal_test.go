package portal

import (
	"math/rand/v2"
	"testing"
	"time"
)

// formatDate is time.Format(DateLayout) in UTC, only faster.
func TestFormatDateIsDateLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cet := time.FixedZone("CET", 3600)
	for range 10000 {
		d := time.Unix(rng.Int64N(1<<36)-1<<35, rng.Int64N(1e9)).In(cet)
		if got, want := formatDate(d), d.UTC().Format(DateLayout); got != want {
			t.Fatalf("formatDate(%v) = %q, want %q", d, got, want)
		}
	}
}
