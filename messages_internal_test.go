package portal

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

// usedFormats returns every format the package's code writes a text with:
// the format of each call of msg, invalid, conflict and a problems' add,
// which must be a string literal, so that no text escapes the catalogs.
func usedFormats(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			arg := -1
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				switch fn.Name {
				case "msg":
					arg = 0
				case "invalid", "conflict", "say":
					arg = 1
				}
			case *ast.SelectorExpr:
				if fn.Sel.Name == "say" {
					arg = 0
				}
				if x, ok := fn.X.(*ast.Ident); ok && (x.Name == "ps" || x.Name == "p") && fn.Sel.Name == "add" && len(call.Args) >= 2 {
					arg = 1
				}
			}
			if arg < 0 || len(call.Args) <= arg {
				return true
			}
			lit, ok := call.Args[arg].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				if fd := enclosing(f, call); fd != "msg" && fd != "invalid" && fd != "conflict" && fd != "add" && fd != "say" {
					t.Errorf("%s: a text's format must be a string literal", fset.Position(call.Pos()))
				}
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			seen[s] = true
			return true
		})
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// enclosing names the function declaration of f that holds n.
func enclosing(f *ast.File, n ast.Node) string {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Pos() <= n.Pos() && n.End() <= fd.End() {
			return fd.Name.Name
		}
	}
	return ""
}

var verbs = regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]`)

// Every language's catalog translates every text the code writes, with the
// same verbs in the same order, and nothing else. covers: X3
func TestCatalogsAreComplete(t *testing.T) {
	used := usedFormats(t)
	if len(used) < 100 {
		t.Fatalf("only %d formats found: the scan is broken", len(used))
	}
	for _, lang := range Languages() {
		if lang == "en" {
			continue
		}
		data, err := os.ReadFile("locales/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var cat map[string]string
		if err := json.Unmarshal(data, &cat); err != nil {
			t.Fatal(err)
		}
		var missing []string
		for _, f := range used {
			tr, ok := cat[f]
			switch {
			case !ok || strings.TrimSpace(tr) == "":
				missing = append(missing, f)
			case !slices.Equal(verbs.FindAllString(f, -1), verbs.FindAllString(tr, -1)):
				t.Errorf("%s: %q: the translation %q has other verbs", lang, f, tr)
			}
		}
		for f := range cat {
			if !slices.Contains(used, f) {
				t.Errorf("%s: %q is no text of the code's (stale)", lang, f)
			}
		}
		if len(missing) > 0 {
			b, _ := json.MarshalIndent(missing, "", "  ")
			t.Errorf("%s: %d texts not translated:\n%s", lang, len(missing), b)
		}
	}
}

// A text is written in the reader's language, with numbers and sizes as
// that language writes them. covers: X3
func TestTextsInEveryLanguage(t *testing.T) {
	tm := msg("at most %s per file", byteSize(10<<20))
	for tag, want := range map[language.Tag]string{
		language.English: "at most 10 MB per file",
		language.Danish:  "højst 10 MB pr. fil",
		language.German:  "höchstens 10 MB pro Datei",
		language.Swedish: "högst 10 MB per fil",
	} {
		if got := tm.in(tag); got != want {
			t.Errorf("%s: %q, want %q", tag, got, want)
		}
	}
	if got := msg("at most %d characters", 10000).in(language.Danish); got != "højst 10.000 tegn" {
		t.Errorf("Danish numbers: %q", got)
	}
	if got := byteSize(1536).in(language.German); got != "1,5 KB" {
		t.Errorf("German sizes: %q", got)
	}
	if got := byteSize(1<<20 - 1).in(language.English); got != "1 MB" {
		t.Errorf("rounded as written: %q", got)
	}
	if got := byteSize(1023).in(language.German); got != "1.023 Bytes" {
		t.Errorf("German bytes: %q", got)
	}
}
