package ingest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

func readAll(t *testing.T, body string, lim Limits) ([]store.Record, error) {
	t.Helper()
	var out []store.Record
	_, err := ReadNDJSON(context.Background(), strings.NewReader(body), lim, func(_ context.Context, b []store.Record) error {
		out = append(out, b...)
		return nil
	})
	return out, err
}

func TestReadNDJSONRecord(t *testing.T) {
	body := `{"model":"credit-risk","version":"v2","environment":"production","id":"a1b2",` +
		`"timestamp":"2026-11-01T12:00:00.250Z","features":{"age":37,"income":52000,"region":"south","vip":true,"note":null},` +
		`"prediction":{"label":1,"score":0.73},"actual":{"label":"0"},"tags":{"sex":"F","tier":2},` +
		`"embedding":[0.12,-0.4],"text":"raw input"}
{"model":"credit-risk","id":"a1b2","actual":{"label":"1"},"actual_timestamp":1793534400000}
{"model":"eta","version":"v3","id":7,"timestamp":1793534400000,"prediction":{"value":12.5},"actual":{"value":14}}`
	recs, err := readAll(t, body, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.Line != 1 || r.Model != "credit-risk" || r.Version != "v2" || r.Environment != "production" || r.ID != "a1b2" {
		t.Fatalf("identity: %+v", r)
	}
	if !r.Time.Equal(time.Date(2026, 11, 1, 12, 0, 0, 250e6, time.UTC)) {
		t.Fatalf("time %v", r.Time)
	}
	feats := map[string]store.Value{}
	for _, f := range r.Features {
		feats[f.Name] = f.Value
	}
	if feats["age"] != store.Num(37) || feats["region"] != store.Str("south") || feats["vip"] != store.Str("true") || feats["note"].Kind != store.Missing {
		t.Fatalf("features %+v", feats)
	}
	if r.Prediction.Label != "1" || !r.Prediction.HasScore || r.Prediction.Score != 0.73 || r.Actual.Label != "0" {
		t.Fatalf("outcomes %+v %+v", r.Prediction, r.Actual)
	}
	tags := map[string]string{}
	for _, tg := range r.Tags {
		tags[tg.Name] = tg.Value
	}
	if tags["sex"] != "F" || tags["tier"] != "2" || len(r.Embedding) != 2 || r.Embedding[1] != -0.4 || r.Text != "raw input" {
		t.Fatalf("tags %v embedding %v text %q", tags, r.Embedding, r.Text)
	}
	late := recs[1]
	if !late.ActualOnly || late.Actual.Label != "1" || late.ActualTime.UnixMilli() != 1793534400000 {
		t.Fatalf("late actual %+v", late)
	}
	eta := recs[2]
	if eta.ID != "7" || eta.Environment != "production" || !eta.Prediction.HasValue || eta.Actual.Value != 14 {
		t.Fatalf("regression record %+v", eta)
	}
}

func TestReadNDJSONErrors(t *testing.T) {
	ok := `{"model":"m","version":"v","id":"1","timestamp":"2026-11-01T12:00:00Z"}`
	cases := []struct {
		name, body string
		lim        Limits
		line       int
		field, msg string
	}{
		{"line too long", ok + "\n" + strings.Repeat(" ", 300) + ok, Limits{MaxLineBytes: 200}, 2, "", "longer than the limit of 200 bytes"},
		{"NaN text", strings.Replace(ok, `"id":"1"`, `"id":"1","features":{"x":"NaN"}`, 1), Limits{}, 1, "", ""},
		{"infinite", strings.Replace(ok, `"id":"1"`, `"id":"1","features":{"x":1e400}`, 1), Limits{}, 1, "features.x", "out of range"},
		{"embedding element", strings.Replace(ok, `"id":"1"`, `"id":"1","embedding":[1,"a"]`, 1), Limits{}, 1, "embedding", "list of numbers"},
		{"empty embedding", strings.Replace(ok, `"id":"1"`, `"id":"1","embedding":[]`, 1), Limits{}, 1, "embedding", "must not be empty"},
		{"score on actual", strings.Replace(ok, `"id":"1"`, `"id":"1","actual":{"score":0.3}`, 1), Limits{}, 1, "actual.score", "only a prediction has a score"},
		{"value with label", strings.Replace(ok, `"id":"1"`, `"id":"1","prediction":{"label":"a","value":3}`, 1), Limits{}, 1, "prediction.value", "cannot come with a class label"},
		{"fractional id", strings.Replace(ok, `"id":"1"`, `"id":1.5`, 1), Limits{}, 1, "id", "string or an integer"},
		{"year 3000", strings.Replace(ok, `2026-11-01`, `3000-11-01`, 1), Limits{}, 1, "timestamp", "outside 1970-01-01"},
		{"missing timestamp", strings.Replace(ok, `,"timestamp":"2026-11-01T12:00:00Z"`, `,"features":{"a":1}`, 1), Limits{}, 1, "timestamp", "is required"},
		{"long name", strings.Replace(ok, `"model":"m"`, `"model":"`+strings.Repeat("m", 300)+`"`, 1), Limits{}, 1, "model", "longer than the limit"},
		{"control char", strings.Replace(ok, `"model":"m"`, `"model":"m\u0001"`, 1), Limits{}, 1, "model", "control characters"},
		{"long text", strings.Replace(ok, `"id":"1"`, `"id":"1","text":"`+strings.Repeat("x", 50)+`"`, 1), Limits{MaxTextBytes: 10}, 1, "text", "longer than the limit"},
		{"two values", ok + ` {"a":1}`, Limits{}, 1, "", "more than one JSON value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readAll(t, c.body, c.lim)
			var re *store.RecordError
			if !errors.As(err, &re) {
				if c.name == "NaN text" && err == nil {
					return // "NaN" in quotes is a category, not a number: accepted
				}
				t.Fatalf("want a record error, got %v", err)
			}
			if re.Line != c.line || re.Field != c.field || !strings.Contains(re.Msg, c.msg) {
				t.Fatalf("got line %d field %q msg %q", re.Line, re.Field, re.Msg)
			}
		})
	}
}

func TestReadNDJSONBatches(t *testing.T) {
	var lines []string
	for i := 0; i < 25; i++ {
		lines = append(lines, `{"model":"m","version":"v","id":"`+string(rune('a'+i))+`","timestamp":"2026-11-01T12:00:00Z"}`)
	}
	var sizes []int
	n, err := ReadNDJSON(context.Background(), strings.NewReader(strings.Join(lines, "\n\n")), Limits{BatchRecords: 10}, func(_ context.Context, b []store.Record) error {
		sizes = append(sizes, len(b))
		return nil
	})
	if err != nil || n != 25 || len(sizes) != 3 || sizes[0] != 10 || sizes[2] != 5 {
		t.Fatalf("n=%d sizes=%v err=%v", n, sizes, err)
	}
}

func TestWriteNDJSONRoundTrip(t *testing.T) {
	body := `{"model":"m","version":"v","environment":"canary","id":"1","timestamp":"2026-11-01T12:00:00Z","features":{"a":1.5,"b":"x","c":null},"prediction":{"label":"1","score":0.25},"tags":{"t":"y"},"embedding":[0.5,1],"text":"hi"}
{"model":"m","id":"1","actual":{"label":"0"},"actual_timestamp":"2026-11-04T12:00:00Z"}`
	recs, err := readAll(t, body, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	if err := WriteNDJSON(&sb, recs); err != nil {
		t.Fatal(err)
	}
	again, err := readAll(t, sb.String(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 2 || again[0].Environment != "canary" || again[0].Text != "hi" || len(again[0].Features) != 3 ||
		!again[1].ActualOnly || !again[1].ActualTime.Equal(recs[1].ActualTime) || again[0].Prediction != recs[0].Prediction {
		t.Fatalf("round trip changed records:\n%+v\n%+v", recs, again)
	}
}
