package ingest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

func TestNDJSONInvalidUTF8IsRejectedWithLineAndField(t *testing.T) {
	good := `{"model":"m","version":"v1","id":"1","timestamp":"2026-11-01T00:00:00Z","features":{"city":"Zürich"}}`
	cases := []struct {
		line, field string
	}{
		{`{"model":"m","version":"v1","id":"2","timestamp":"2026-11-01T00:00:00Z","features":{"age":3,"city":"Z` + "\xfc" + `rich"}}`, "features.city"},
		{`{"model":"m","version":"v1","id":"2","timestamp":"2026-11-01T00:00:00Z","text":"caf` + "\xe9" + `"}`, "text"},
		{`{"model":"m","version":"v1","id":"2","timestamp":"2026-11-01T00:00:00Z","tags":{"r` + "\xe9" + `gion":"x"}}`, "tags.r\ufffdgion"},
		{`{"model":"m","version":"v1","id":"2","timestamp":"2026-11-01T00:00:00Z","prediction":{"label":"` + "\xff" + `"}}`, "prediction.label"},
		{`{"model":"m` + "\xc3" + `","version":"v1","id":"2","timestamp":"2026-11-01T00:00:00Z"}`, "model"},
	}
	for _, c := range cases {
		_, err := readAll(t, good+"\n"+c.line+"\n", Limits{})
		var re *store.RecordError
		if !errors.As(err, &re) {
			t.Errorf("%q: want a record error, got %v", c.line, err)
			continue
		}
		if re.Line != 2 || re.Field != c.field || !strings.Contains(re.Msg, "is not valid UTF-8") || !strings.Contains(re.Msg, "re-encode the file as UTF-8") {
			t.Errorf("%q: line %d field %q msg %q; want line 2, field %q", c.line, re.Line, re.Field, re.Msg, c.field)
		}
	}
	// Valid UTF-8 (and escaped code points) is stored unchanged.
	recs, err := readAll(t, good+"\n"+`{"model":"m","version":"v1","id":"3","timestamp":"2026-11-01T00:00:00Z","text":"caf\u00e9 ☕"}`, Limits{})
	if err != nil || len(recs) != 2 || recs[1].Text != "café ☕" {
		t.Fatalf("%v %+v", err, recs)
	}
}

func TestNDJSONDefaults(t *testing.T) {
	body := `{"model":"m","id":"1","timestamp":"2026-11-01T00:00:00Z","prediction":{"label":">50K"},"actual":{"label":">50K."}}
{"id":"2","version":"v9","environment":"staging","timestamp":"2026-11-01T00:00:00Z","prediction":{"label":"<=50K"}}
{"model":"m","id":"1","actual":{"label":"<=50K."}}
{"model":"m","id":"3","prediction":{"label":"x"}}`
	def := NDJSONDefaults{Model: "adult", Version: "v1", Environment: "training", Timestamp: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
		LabelMap: map[string]string{">50K.": ">50K", "<=50K.": "<=50K"}}
	var recs []store.Record
	_, err := ReadNDJSONWith(context.Background(), strings.NewReader(body), Limits{}, def, func(_ context.Context, b []store.Record) error {
		recs = append(recs, b...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := recs[0]
	if r.Model != "m" || r.Version != "v1" || r.Environment != "training" || !r.Time.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) ||
		r.Prediction.Label != ">50K" || r.Actual.Label != ">50K" {
		t.Errorf("record 1 (own model and timestamp kept, version and environment defaulted, labels mapped): %+v", r)
	}
	r = recs[1]
	if r.Model != "adult" || r.Version != "v9" || r.Environment != "staging" {
		t.Errorf("record 2 (model defaulted, own version and environment kept): %+v", r)
	}
	r = recs[2]
	if !r.ActualOnly || r.Version != "" || r.Actual.Label != "<=50K" {
		t.Errorf("record 3 (a late ground truth stays one): %+v", r)
	}
	r = recs[3]
	if !r.Time.Equal(def.Timestamp) || r.Version != "v1" {
		t.Errorf("record 4 (timestamp defaulted): %+v", r)
	}
	// Without defaults the same lines are refused, naming the field.
	_, err = readAll(t, body, Limits{})
	var re *store.RecordError
	if !errors.As(err, &re) || re.Line != 1 || re.Field != "version" {
		t.Fatalf("without defaults: %v", err)
	}
}
