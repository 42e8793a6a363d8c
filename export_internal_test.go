package portal

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
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
