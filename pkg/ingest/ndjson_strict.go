package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// fill gives an inference record without version, environment or timestamp
// the defaults' (a late ground truth, with only model, id and actual, is
// left alone).
func (d *NDJSONDefaults) fill(jr *jsonRecord) {
	if isAbsent(jr.Version) && d.Version != "" {
		jr.Version = jsonString(d.Version)
	}
	if isAbsent(jr.Environment) && d.Environment != "" {
		jr.Environment = jsonString(d.Environment)
	}
	if isAbsent(jr.Timestamp) && !d.Timestamp.IsZero() {
		jr.Timestamp = jsonString(d.Timestamp.UTC().Format(time.RFC3339Nano))
	}
}

// mapLabels rewrites prediction and actual labels through the label map.
func (d *NDJSONDefaults) mapLabels(rec *store.Record) {
	if to, ok := d.LabelMap[rec.Prediction.Label]; ok && rec.Prediction.HasLabel {
		rec.Prediction.Label = to
	}
	if to, ok := d.LabelMap[rec.Actual.Label]; ok && rec.Actual.HasLabel {
		rec.Actual.Label = to
	}
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// invalidUTF8 names the line, the field and the byte offset of the first
// invalid UTF-8 sequence of an NDJSON line.
func invalidUTF8(b []byte, line int) error {
	off := 0
	for off < len(b) {
		r, size := utf8.DecodeRune(b[off:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	field := fieldAt(b, off)
	return &store.RecordError{Line: line, Field: field, Msg: fmt.Sprintf(
		"is not valid UTF-8 (byte 0x%02x at byte %d of the line); re-encode the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8): stored as is, the text would be changed", b[off], off+1)}
}

// fieldAt returns the JSON path (features.city, text, …) of the value or key
// that contains byte offset off, or "" when it cannot be told.
func fieldAt(b []byte, off int) string {
	type frame struct {
		object  bool
		key     string
		wantKey bool
		index   int
	}
	var stack []frame
	path := func(last string) string {
		var parts []string
		for _, f := range stack {
			if f.object {
				if f.key != "" {
					parts = append(parts, f.key)
				}
			} else {
				parts = append(parts, fmt.Sprintf("[%d]", f.index))
			}
		}
		if last != "" {
			parts = append(parts, last)
		}
		return strings.ReplaceAll(strings.Join(parts, "."), ".[", "[")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return path("")
		}
		end := int(dec.InputOffset())
		top := len(stack) - 1
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, frame{object: t == '{', wantKey: t == '{'})
			default:
				stack = stack[:top]
				if len(stack) > 0 {
					afterValue(&stack[len(stack)-1].wantKey, &stack[len(stack)-1].index, stack[len(stack)-1].object)
				}
			}
		default:
			if top >= 0 && stack[top].object && stack[top].wantKey {
				key, _ := t.(string)
				if off < end {
					return path(key)
				}
				stack[top].key, stack[top].wantKey = key, false
				continue
			}
			if off < end {
				return path("")
			}
			if top >= 0 {
				afterValue(&stack[top].wantKey, &stack[top].index, stack[top].object)
			}
		}
	}
}

func afterValue(wantKey *bool, index *int, object bool) {
	if object {
		*wantKey = true
	} else {
		*index++
	}
}
