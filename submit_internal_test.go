package portal

import (
	"crypto/sha256"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A main-form submission without files has the digest it had before
// files and request forms were taken, so that a key recorded then still
// names the same values; a form or a file makes it another.
// covers: P15, X8
func TestSubmissionDigestOfTheMainFormIsAsBefore(t *testing.T) {
	tk := Ticket{Subject: "Printer", Content: "It jams", Priority: PriorityHigh, Properties: Properties{"order": 42.0}}
	before, err := json.Marshal(struct {
		Subject, Content string
		Priority         Priority
		Properties       Properties
	}{tk.Subject, tk.Content, tk.Priority, tk.Properties})
	require.NoError(t, err)
	want := sha256.Sum256(before)
	got, err := submissionDigest(&tk, nil, uuid.Nil)
	require.NoError(t, err)
	assert.Equal(t, want[:], got)

	form, err := submissionDigest(&tk, nil, uuid.New())
	require.NoError(t, err)
	assert.NotEqual(t, got, form, "another form")
	file, err := submissionDigest(&tk, []upload{{name: "a.txt", contentType: "text/plain", data: []byte("x")}}, uuid.Nil)
	require.NoError(t, err)
	assert.NotEqual(t, got, file, "a file")
}
