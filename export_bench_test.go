package portal_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
)

// exportRows is the size of BenchmarkExportCSV; PORTAL_BENCH_EXPORT_ROWS
// overrides it.
func exportRows(b *testing.B) int {
	if s := os.Getenv("PORTAL_BENCH_EXPORT_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("PORTAL_BENCH_EXPORT_ROWS=%q", s)
		}
		return n
	}
	return 100_000
}

// exportWorld is one company whose contact's organisation view holds n
// tickets, put straight into the memory store.
func exportWorld(b *testing.B, n int) (*portal.Portal, portal.Viewer) {
	b.Helper()
	ctx := context.Background()
	p, st := benchPortal(b)
	tenant, _ := p.CreateTenant(ctx, "Bench")
	pid := tenant.ID
	desk, _ := p.SaveChannel(ctx, portal.Channel{PortalID: pid, Name: "Desk", Kind: portal.HelpDesk})
	pl, _ := p.SavePipeline(ctx, portal.Pipeline{PortalID: pid, Name: "Support", Stages: []portal.Stage{
		{Name: "New", State: portal.StageOpen}, {Name: "Closed", State: portal.StageClosed}}})
	co, _ := p.SaveCompany(ctx, portal.Company{PortalID: pid, Name: "Æblegården ApS"})
	var contacts []portal.Contact
	for i := range 20 {
		c, err := p.SaveContact(ctx, portal.Contact{PortalID: pid, FirstName: fmt.Sprintf("Søren %d", i),
			LastName: "Østergaard", Email: fmt.Sprintf("s%d@aeble.dk", i), CompanyID: co.ID})
		if err != nil {
			b.Fatal(err)
		}
		contacts = append(contacts, c)
	}
	var owners []portal.Owner
	for i := range 5 {
		o, _ := p.SaveOwner(ctx, portal.Owner{PortalID: pid, FirstName: fmt.Sprintf("Agent %d", i)})
		owners = append(owners, o)
	}
	for i := range n {
		c := contacts[i%len(contacts)]
		id, _ := uuid.NewV7()
		at := clock.Add(-time.Duration(i) * time.Minute)
		if err := st.PutTicket(ctx, portal.Ticket{ID: id, PortalID: pid, Subject: fmt.Sprintf("Printeren virker ikke, sag %d", i),
			PipelineID: pl.ID, StageID: pl.Stages[i%2].ID, OwnerID: owners[i%len(owners)].ID, ChannelID: desk.ID,
			RequesterID: c.ID, ContactIDs: []uuid.UUID{c.ID}, CompanyIDs: []uuid.UUID{co.ID},
			CreatedAt: at, LastActivityAt: at.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	s, _ := p.Settings(ctx, pid)
	s.Enabled, s.DefaultChannel, s.Permissions.Scope = true, desk.ID, portal.CompanyTickets
	if _, err := p.SaveSettings(ctx, pid, s); err != nil {
		b.Fatal(err)
	}
	return p, portal.Viewer{PortalID: pid, ContactID: contacts[0].ID}
}

// BenchmarkExportCSV exports a company's tickets (6 columns) through the
// Portal on the memory store, beside the same rows, already rendered,
// written with encoding/csv alone. rows/s is the figure to compare.
func BenchmarkExportCSV(b *testing.B) {
	n := exportRows(b)
	p, v := exportWorld(b, n)
	ctx := context.Background()
	b.Run(fmt.Sprintf("rows=%d/portal", n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rows, err := p.ExportCSV(ctx, v, portal.ListQuery{}, io.Discard, portal.CSVOptions{})
			if err != nil || rows != n {
				b.Fatal(rows, err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(0, "ns/op")
	})
	rendered := renderedRows(b, p, v)
	baseline := func() {
		w := csv.NewWriter(bufio.NewWriter(io.Discard))
		w.UseCRLF = true
		for _, r := range rendered {
			if err := w.Write(r); err != nil {
				b.Fatal(err)
			}
		}
		w.Flush()
	}
	b.Run(fmt.Sprintf("rows=%d/encodingcsv", n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			baseline()
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(0, "ns/op")
	})
	// paired runs the two in turn, each iteration one of each (in
	// alternating order), and reports their throughputs and the median of
	// the iterations' ratios (portal/encodingcsv, the goal's figure): the
	// machine's load of the moment falls on both of a pair alike, and the
	// median leaves out the pairs that a pause of the machine hit on one
	// side only.
	b.Run(fmt.Sprintf("rows=%d/paired", n), func(b *testing.B) {
		var portalTime, csvTime time.Duration
		var ratios []float64
		i := 0
		for b.Loop() {
			var pt, ct time.Duration
			for k := range 2 {
				start := time.Now()
				if (i+k)%2 == 0 {
					rows, err := p.ExportCSV(ctx, v, portal.ListQuery{}, io.Discard, portal.CSVOptions{})
					if err != nil || rows != n {
						b.Fatal(rows, err)
					}
					pt = time.Since(start)
				} else {
					baseline()
					ct = time.Since(start)
				}
			}
			portalTime, csvTime = portalTime+pt, csvTime+ct
			ratios = append(ratios, float64(ct)/float64(pt))
			i++
		}
		slices.Sort(ratios)
		b.ReportMetric(float64(n)*float64(i)/portalTime.Seconds(), "portal-rows/s")
		b.ReportMetric(float64(n)*float64(i)/csvTime.Seconds(), "encodingcsv-rows/s")
		b.ReportMetric(ratios[len(ratios)/2], "portal/encodingcsv")
		b.ReportMetric(0, "ns/op")
	})
}

// renderedRows lists every row of the view as the list renders it.
func renderedRows(b *testing.B, p *portal.Portal, v portal.Viewer) [][]string {
	table, err := portaltest.ListTable(context.Background(), p, v, portal.ListQuery{Limit: portal.MaxPageSize})
	if err != nil {
		b.Fatal(err)
	}
	return table[1:] // the rows, without the header
}
