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
		if got, want := formatDate(d, time.UTC), d.UTC().Format(DateLayout); got != want {
			t.Fatalf("formatDate(%v) = %q, want %q", d, got, want)
		}
	}
}

// A dayText that formats one date after another (as an export does) gives
// what formatDate gives each: through days, back and forth, before 1970.
func TestDayTextIsDateLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var dt dayText
	d := time.Date(1969, 12, 30, 22, 0, 0, 0, time.UTC)
	for range 10000 {
		d = d.Add(time.Duration(rng.Int64N(int64(5*time.Hour))) - time.Hour)
		if got, want := string(dt.appendDate(nil, d)), d.UTC().Format(DateLayout); got != want {
			t.Fatalf("appendDate(%v) = %q, want %q", d, got, want)
		}
	}
}

// In a time zone, a dayText gives time.Format(DateLayout) in that zone,
// across the changes of its clocks and its rules over the years, forwards
// and backwards. covers: X3
func TestDayTextInAZoneIsDateLayout(t *testing.T) {
	for _, name := range []string{"Europe/Copenhagen", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		dt := dayText{loc: loc}
		d := time.Date(1965, 3, 1, 0, 0, 0, 0, time.UTC)
		for range 20000 {
			d = d.Add(time.Duration(rng.Int64N(int64(80*time.Hour))) - 30*time.Hour)
			if got, want := string(dt.appendDate(nil, d)), d.In(loc).Format(DateLayout); got != want {
				t.Fatalf("%s: appendDate(%v) = %q, want %q", name, d, got, want)
			}
			if got, want := formatDate(d, loc), d.In(loc).Format(DateLayout); got != want {
				t.Fatalf("%s: formatDate(%v) = %q, want %q", name, d, got, want)
			}
		}
	}
}

// A day of a date filter is the instants the list shows with that day,
// also where the clocks jump over midnight or go back over it. covers: X3
func TestDateSpanIsTheDayShownWhereClocksChangeAtMidnight(t *testing.T) {
	for _, c := range []struct{ zone, day string }{
		{"America/Santiago", "2022-09-11"}, {"America/Asuncion", "2023-10-01"}, {"Asia/Beirut", "2023-03-26"},
		{"America/Havana", "2023-03-12"}, {"Africa/Cairo", "2023-04-28"}, {"America/Santiago", "2023-04-01"},
		{"Europe/Copenhagen", "2026-03-29"}, {"UTC", "2026-12-01"},
	} {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		from, to, err := dateSpan(c.day, loc)
		if err != nil {
			t.Fatal(err)
		}
		show := func(us int64) string { return formatDate(time.UnixMicro(us), loc)[:10] }
		if show(from) != c.day || show(to-1) != c.day || show(from-1) >= c.day || show(to) <= c.day {
			t.Errorf("%s %s: [%s, %s) shown as %s to %s", c.zone, c.day, time.UnixMicro(from).In(loc), time.UnixMicro(to).In(loc),
				show(from), show(to-1))
		}
	}
}
