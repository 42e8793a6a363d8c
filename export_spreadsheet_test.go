package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// sneaky are texts that start with a formula past what a spreadsheet skips
// or drops at the start of a cell: LibreOffice Calc drops a leading NUL
// and ran "=1+1" (X8).
var sneaky = []string{
	"\x00=1+1", "\x00\x00+1+1", "\x01@SUM(1;1)", "\x1b-1+1", "\x7f=1+1", "\u0085=1+1",
	"\uFEFF=1+1", "\u200B=1+1", "\u200D\u2060=1+1", "\u00AD+1+1", "\u180E=1+1", "\u3164=1+1",
	"\uFE0F=1+1", "\u0301=1+1", " =1+1", "\u00A0=1+1", "\u3000=1+1", "\n=1+1",
	"\uFF1D1+1", "\uFF0B1+1", "\uFF0D1+1", "\uFF20SUM(1)",
}

// sneakyWorld is Ann's own tickets, one for each sneaky text, as the host
// stored them (a received mail's body may hold anything): the text as the
// content and as a custom text, shown as columns.
func sneakyWorld(t *testing.T, texts []string) (*world, portal.Viewer) {
	w := newWorld(t, portal.OwnTickets)
	ctx := context.Background()
	require.NoError(t, w.p.RegisterProperty(ctx, w.tenant.ID, portal.TicketObject,
		portal.Property{Name: "note", Label: "Note", Type: portal.Text}))
	w.set(t, func(s *portal.Settings) {
		s.Display.Columns = []portal.Column{{Property: "subject"}, {Property: "content"}, {Property: "note"}}
	})
	for i, text := range texts {
		id, _ := uuid.NewV7()
		require.NoError(t, w.store.PutTicket(ctx, portal.Ticket{ID: id, PortalID: w.tenant.ID, Subject: fmt.Sprintf("s%02d", i),
			Content: text, PipelineID: w.pipeline.ID, StageID: w.pipeline.Stages[0].ID, ContactIDs: []uuid.UUID{w.ann.ID},
			CreatedAt: clock, LastActivityAt: clock, Properties: portal.Properties{"note": text}}))
	}
	return w, portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}
}

// Every cell that starts with a formula past what a spreadsheet skips is
// prefixed with ', and otherwise kept; a text that merely starts with an
// invisible character is left alone.
// covers: P7, X8
func TestExportNeutralisesPastInvisibleStarts(t *testing.T) {
	harmless := []string{"\u200Bhello", "\x00text", " plain", "\uFEFFword"}
	w, v := sneakyWorld(t, append(append([]string{}, sneaky...), harmless...))
	var buf bytes.Buffer
	_, err := w.p.ExportCSV(context.Background(), v, portal.ListQuery{Sort: "subject"}, &buf, portal.CSVOptions{})
	require.NoError(t, err)
	rows := bySubjectCell(t, buf.Bytes(), ',')
	for i, text := range sneaky {
		assert.Equal(t, []string{"'" + text, "'" + text}, rows[fmt.Sprintf("s%02d", i)], "cells of %q", text)
	}
	for i, text := range harmless {
		assert.Equal(t, []string{text, text}, rows[fmt.Sprintf("s%02d", len(sneaky)+i)], "cells of %q", text)
	}
}

// In the default mode rows end with CRLF and a line break inside a cell is
// LF, as documented (encoding/csv's UseCRLF made it CRLF, so a cell that
// started with a line break started with a carriage return); with LF,
// nothing is CRLF.
// covers: P7, X8
func TestExportLineBreaksAsDocumented(t *testing.T) {
	texts := []string{"\nstarts with a break", "two\nlines", "cr\r\nlf", "lone\rcr", "none"}
	w, v := sneakyWorld(t, texts)
	q := portal.ListQuery{Sort: "subject"}
	var buf bytes.Buffer
	_, err := w.p.ExportCSV(context.Background(), v, q, &buf, portal.CSVOptions{})
	require.NoError(t, err)
	out := buf.String()
	assert.Equal(t, 2+len(texts), strings.Count(out, "\r\n"), "CRLF ends each row (the header, Ann's, these), and nothing else: %q", out)
	assert.True(t, strings.HasSuffix(out, "\r\n"))
	assert.Contains(t, out, "\"\nstarts with a break\"")
	assert.Contains(t, out, "\"two\nlines\"")
	rows := bySubjectCell(t, buf.Bytes(), ',')
	want := []string{"\nstarts with a break", "two\nlines", "cr\nlf", "lone\ncr", "none"}
	for i, text := range want {
		assert.Equal(t, []string{text, text}, rows[fmt.Sprintf("s%02d", i)])
	}

	buf.Reset()
	_, err = w.p.ExportCSV(context.Background(), v, q, &buf, portal.CSVOptions{LF: true})
	require.NoError(t, err)
	assert.NotContains(t, buf.String(), "\r")
	assert.Equal(t, rows, bySubjectCell(t, buf.Bytes(), ','), "the same cells either way")
}

// Rows with a line break written amid rows without, over several pages
// (a page of rows goes to the CSV writer at once, split around each row
// with a break): every row ends with CRLF once, in order, and every cell
// reads back as it was.
// covers: P7, X8
func TestExportLineBreaksOverPages(t *testing.T) {
	texts := make([]string, 2*portal.MaxPageSize+57)
	for i := range texts {
		switch {
		case i%7 == 3:
			texts[i] = fmt.Sprintf("break\nin %d", i)
		case i%11 == 0:
			texts[i] = fmt.Sprintf("\nfirst %d", i)
		default:
			texts[i] = fmt.Sprintf("plain, %d", i)
		}
	}
	texts[portal.MaxPageSize-1] = "last of a page\n" // page ends on a break
	texts[portal.MaxPageSize] = "first of the next\n"
	w, v := sneakyWorld(t, texts)
	var buf bytes.Buffer
	n, err := w.p.ExportCSV(context.Background(), v, portal.ListQuery{Sort: "subject"}, &buf, portal.CSVOptions{})
	require.NoError(t, err)
	require.Equal(t, len(texts)+1, n, "Ann's ticket and these")
	out := buf.String()
	assert.Equal(t, 2+len(texts), strings.Count(out, "\r\n"), "CRLF ends each row and nothing else")
	rows := readCSV(t, buf.Bytes(), ',')
	require.Len(t, rows, 2+len(texts))
	subjects := make([]string, 0, len(rows)-1)
	for _, row := range rows[1:] {
		subjects = append(subjects, row[0])
	}
	assert.True(t, slices.IsSorted(subjects), "rows in the list's order")
	byID := bySubjectCell(t, buf.Bytes(), ',')
	for i, text := range texts {
		assert.Equal(t, []string{text, text}, byID[fmt.Sprintf("s%02d", i)], "cells of row %d", i)
	}
}

// bySubjectCell reads an export whose first column is the subject: the
// other cells of each row by its subject.
func bySubjectCell(t *testing.T, data []byte, comma rune) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, row := range readCSV(t, data, comma)[1:] {
		out[row[0]] = row[1:]
	}
	return out
}

// The export opened in LibreOffice Calc, headless, with formulas evaluated
// (as a user who opens the file does): no cell is a formula, and every
// sneaky text is there as text. It needs soffice (Debian's
// libreoffice-calc-nogui); without it the test skips, except in CI.
// covers: P7, X8
func TestExportInLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI needs soffice (apt-get install libreoffice-calc-nogui)")
		}
		t.Skip("no soffice (apt-get install libreoffice-calc-nogui)")
	}
	w, v := sneakyWorld(t, sneaky)
	dir := t.TempDir()
	for _, opts := range []portal.CSVOptions{{}, {Delimiter: ';', LF: true}} {
		var buf bytes.Buffer
		_, err := w.p.ExportCSV(context.Background(), v, portal.ListQuery{Sort: "subject"}, &buf, opts)
		require.NoError(t, err)
		name := "crlf"
		sep := 44
		if opts.LF {
			name, sep = "lf", 59
		}
		csvPath := filepath.Join(dir, name+".csv")
		require.NoError(t, os.WriteFile(csvPath, buf.Bytes(), 0o600))
		// Tokens: separator, quote, UTF-8, from line 1, default formats,
		// language, quoted as text off, special numbers on, …, evaluate
		// formulas on (13).
		filter := fmt.Sprintf("Text - txt - csv (StarCalc):%d,34,76,1,,0,false,true,false,false,false,-1,true", sep)
		cmd := exec.CommandContext(t.Context(), soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
			"--headless", "--norestore", "--infilter="+filter, "--convert-to", "fods", "--outdir", dir, csvPath)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		fods, err := os.ReadFile(filepath.Join(dir, name+".fods"))
		require.NoError(t, err, "%s", out)
		assert.NotContains(t, string(fods), "table:formula=", "%s: a cell became a formula", name)
		cells := regexp.MustCompile(`<text:p>([^<]*)</text:p>`).FindAllStringSubmatch(string(fods), -1)
		assert.GreaterOrEqual(t, len(cells), 3*(1+len(sneaky))-len(sneaky), "%s: the cells are there", name)
		assert.Contains(t, string(fods), "1+1", "%s: the texts are there as text", name)
	}
}
