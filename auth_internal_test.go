package portal

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var testParams = PasswordParams{Memory: 64, Time: 1, Threads: 1}.withDefaults()

// covers: A4 (argon2id in a self-describing PHC string, constant-time
// comparison, stale parameters detected)
func TestPasswordHashIsSelfDescribingArgon2id(t *testing.T) {
	h, err := testParams.hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Count(h, "$") != 5 {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	h2, _ := testParams.hash("correct horse")
	if h == h2 {
		t.Fatal("two hashes of one password share a salt")
	}
	if ok, stale := verifyPassword(h, "correct horse", testParams); !ok || stale {
		t.Fatalf("verify = %v, stale = %v; want true, false", ok, stale)
	}
	if ok, _ := verifyPassword(h, "correct horsf", testParams); ok {
		t.Fatal("a wrong password verified")
	}
	raised := testParams
	raised.Time = 3
	if ok, stale := verifyPassword(h, "correct horse", raised); !ok || !stale {
		t.Fatalf("under raised parameters: verify = %v, stale = %v; want true, true", ok, stale)
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5", strings.Replace(h, "$argon2id", "$bcrypt", 1),
		// A planted hash that would take the machine's memory or time.
		"$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=4294967295,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5"} {
		if ok, _ := verifyPassword(bad, "correct horse", testParams); ok {
			t.Fatalf("malformed hash %q verified", bad)
		}
	}
}

// covers: A4 (throttling: slow down, then lock)
func TestThrottleSchedule(t *testing.T) {
	o := AuthOptions{}.WithDefaults()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		failures int
		after    time.Duration
		want     bool
	}{
		{4, 0, false}, {5, 0, true}, {5, time.Second, false}, {6, 1999 * time.Millisecond, true},
		{6, 2 * time.Second, false}, {9, 15 * time.Second, true}, {9, 16 * time.Second, false},
		{10, 31 * time.Second, true}, {10, 32 * time.Second, false}, {14, 8 * time.Minute, true},
		{15, 14 * time.Minute, true}, {15, 15 * time.Minute, false}, {300, 15 * time.Minute, false},
		{300, 14 * time.Minute, true},
	} {
		th := Throttle{Failures: tc.failures, FailedAt: t0}
		if got := o.waiting(th, o.SlowAfter, t0.Add(tc.after)); got != tc.want {
			t.Errorf("%d failures, %v later: waiting = %v, want %v", tc.failures, tc.after, got, tc.want)
		}
	}
	// A long back-off never overflows, and never outlasts MaxBackoff or
	// ForgetAfter.
	long := AuthOptions{SlowAfter: 1, Backoff: time.Hour, MaxBackoff: 30 * time.Hour, ForgetAfter: 24 * time.Hour}.WithDefaults()
	th := Throttle{Failures: 500, FailedAt: t0}
	if !long.waiting(th, 1, t0.Add(23*time.Hour)) || long.waiting(th, 1, t0.Add(24*time.Hour)) {
		t.Error("a back-off of many doublings is not capped, or outlasts ForgetAfter")
	}
}

// covers: A5 (the one rule every customer action asks first)
func TestPreviewViewerMayNotAct(t *testing.T) {
	for _, action := range []string{"reply", "close", "submit"} {
		if _, ok := readOnly(&request{}, action); ok {
			t.Fatalf("a contact's viewer may not %s", action)
		}
		v, ok := readOnly(&request{viewer: Viewer{Preview: true}}, action)
		if !ok || v.Allowed || v.Rule != "preview" || v.Action != action {
			t.Fatalf("a preview's %s: %+v, want refused by the preview rule", action, v)
		}
		if err := forbidden(v); !errors.Is(err, ErrForbidden) {
			t.Fatalf("a preview's %s: %v, want ErrForbidden", action, err)
		}
	}
}

// covers: A3, A6 (tokens: 256 bits, base64url; malformed ones are refused
// before any store is asked)
func TestTokenForm(t *testing.T) {
	tok, h, err := newToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 43 {
		t.Fatalf("token %q: %d characters, want 43 (256 bits)", tok, len(tok))
	}
	if got, ok := parseToken(tok); !ok || got != h {
		t.Fatal("a token does not parse to its hash")
	}
	for _, bad := range []string{"", tok[:42], tok + "A", strings.Repeat("+", 43), strings.Repeat("A", 42) + "B"} {
		if _, ok := parseToken(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
