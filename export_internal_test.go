package portal

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
)

// plainText is "ASCII without CR or LF", whatever the length and wherever the
// byte that is not.
func TestPlainText(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte("ab ,\"\n\r\xc3\xb8\x80\x7f=")
	for range 20000 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = 'a' + byte(rng.IntN(26))
		}
		if len(b) > 0 && rng.IntN(2) == 0 {
			b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(b)
		want := !strings.ContainsAny(s, "\r\n") && strings.IndexFunc(s, func(r rune) bool { return r >= utf8.RuneSelf }) < 0
		if got := plainText(s); got != want {
			t.Fatalf("plainText(%q) = %v, want %v", s, got, want)
		}
	}
}

// refCells keeps the cells of IDs that share their last byte, rows
// alternating between them, and gives each ID its own cell whatever
// evicts what.
func TestRefCells(t *testing.T) {
	var m refCells
	ids := make([]uuid.UUID, 6)
	for i := range ids {
		ids[i] = uuid.New()
		ids[i][15] = 7 // all share their first slot
	}
	ids[2][14], ids[3][14] = ids[1][14], ids[1][14] // and these their second
	for round := range 3 {
		for i := range ids {
			s := m.slot(&ids[i])
			if s.text != "" && s.text != ids[i].String() {
				t.Fatalf("round %d: %v has %q's cell", round, ids[i], s.text)
			}
			if s.text == "" {
				s.id, s.text = ids[i], ids[i].String()
			}
		}
	}
	// Two alternating IDs of one first slot stay cached.
	var n refCells
	a, b := ids[0], ids[4]
	s := n.slot(&a)
	s.id, s.text = a, "a"
	s = n.slot(&b)
	s.id, s.text = b, "b"
	for range 4 {
		if n.slot(&a).text != "a" || n.slot(&b).text != "b" {
			t.Fatal("alternating IDs evicted each other")
		}
	}
}
