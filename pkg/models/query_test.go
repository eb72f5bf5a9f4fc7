package models

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

var (
	from = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to   = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
)

func parse(t *testing.T, js string) (*Query, error) {
	t.Helper()
	return Parse(Request{JSON: []byte(js), RefID: "A", From: from, To: to, Interval: 5 * time.Minute}, Limits{})
}

// parsedCase is a query that parses, and a check of what it parsed into.
type parsedCase struct {
	js    string
	check func(q *Query) bool
}

func checkParsed(t *testing.T, cases []parsedCase) {
	t.Helper()
	for _, c := range cases {
		q, err := parse(t, c.js)
		if err != nil {
			t.Errorf("%s: %v", c.js, err)
			continue
		}
		if !c.check(q) {
			t.Errorf("%s: parsed into %+v", c.js, q)
		}
	}
}

// parseErrorCase is a query that is refused, naming option with msg.
type parseErrorCase struct {
	js, option, msg string
}

func checkParseErrors(t *testing.T, cases []parseErrorCase) {
	t.Helper()
	for _, c := range cases {
		_, err := parse(t, c.js)
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("%s: want a QueryError, got %v", c.js, err)
			continue
		}
		if qe.Option != c.option || !strings.Contains(qe.Msg, c.msg) {
			t.Errorf("%s:\n got option %q msg %q\nwant %q and %q", c.js, qe.Option, qe.Msg, c.option, c.msg)
		}
	}
}

func TestParseDefaults(t *testing.T) {
	cases := []parsedCase{
		{`{"queryType":"drift","model":"m"}`, func(q *Query) bool {
			return q.Metric == "psi" && q.Target == "feature" && q.Binning.Strategy == "quantile" && q.Binning.Bins == 10 &&
				q.Reference.Type == "environment" && q.Reference.Environment == "training" && q.IntervalDur == 5*time.Minute
		}},
		{`{"queryType":"drift","model":"m","interval":"1h","reference":{"type":"rolling","window":"7d"}}`, func(q *Query) bool {
			return q.IntervalDur == time.Hour && q.Reference.WindowDur == 7*24*time.Hour
		}},
		{`{"queryType":"drift","model":"m","interval":"$__interval"}`, func(q *Query) bool { return q.IntervalDur == 5*time.Minute }},
		{`{"queryType":"drift","model":"m","reference":{"type":"window","from":"now-7d","to":"2026-11-01T00:00:00Z"}}`, func(q *Query) bool {
			return q.Reference.FromTime.Equal(to.Add(-7*24*time.Hour)) && q.Reference.ToTime.Equal(from)
		}},
		{`{"queryType":"performance","model":"m"}`, func(q *Query) bool { return q.Metric == "accuracy" && q.Positive == "1" }},
		{`{"queryType":"fairness","model":"m","fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"]}}`, func(q *Query) bool {
			return q.Metric == "disparate_impact" && q.Fairness.Favorable == "1"
		}},
		{`{"queryType":"traffic"}`, func(q *Query) bool { return q.Metric == "count" && q.Model == "" }},
		{`{"queryType":"models"}`, func(q *Query) bool { return q.Metric == "" }},
		{`{"queryType":"traffic","status":["deprecated"]}`, func(q *Query) bool { return q.Status[0] == "deprecated" }},
		{`{"queryType":"drift","model":"m","versions":"v2","features":["a",""]}`, func(q *Query) bool {
			return len(q.Versions) == 1 && len(q.Features) == 1
		}},
		{`{"queryType":"performance","model":"m","groupBy":"tags.channel"}`, func(q *Query) bool {
			return len(q.GroupBy) == 1 && q.GroupBy[0] == "tags.channel"
		}},
	}
	checkParsed(t, cases)
}

func TestParseErrors(t *testing.T) {
	cases := []parseErrorCase{
		{`{}`, "queryType", "is required; one of drift, embeddingDrift"},
		{`{"queryType":"sideways"}`, "queryType", `"sideways" is not a query type`},
		{`{"queryType":"drift"}`, "model", "is required for drift queries"},
		{`{"queryType":"drift","model":"m","metric":"speed"}`, "metric", "one of psi, kl, js"},
		{`{"queryType":"models","metric":"psi"}`, "metric", "does not apply to models queries"},
		{`{"queryType":"drift","model":"m","target":"label"}`, "target", "one of feature, prediction, actual"},
		{`{"queryType":"drift","model":"m","binning":{"strategy":"kmeans"}}`, "binning.strategy", "one of quantile, uniform"},
		{`{"queryType":"drift","model":"m","binning":{"bins":1}}`, "binning.bins", "between 2 and 100"},
		{`{"queryType":"drift","model":"m","reference":{"type":"yesterday"}}`, "reference.type", "one of environment, window, rolling, version"},
		{`{"queryType":"drift","model":"m","reference":{"type":"version"}}`, "reference.version", "needs the version"},
		{`{"queryType":"drift","model":"m","reference":{"type":"window","from":"2026-11-02T00:00:00Z","to":"2026-11-01T00:00:00Z"}}`, "reference.from", "must be before"},
		{`{"queryType":"drift","model":"m","reference":{"type":"window","from":"soon","to":"now"}}`, "reference.from", "not an RFC 3339 time"},
		{`{"queryType":"drift","model":"m","reference":{"type":"rolling"}}`, "reference.window", "needs a window"},
		{`{"queryType":"drift","model":"m","reference":{"type":"rolling","window":"forever"}}`, "reference.window", "not a duration"},
		{`{"queryType":"performance","model":"m","reference":{"type":"rolling","window":"1d"}}`, "reference", "does not apply to performance queries"},
		{`{"queryType":"drift","model":"m","interval":"often"}`, "interval", "not a duration"},
		{`{"queryType":"drift","model":"m","interval":"1s"}`, "interval", "more than the limit of 10000"},
		{`{"queryType":"distribution","model":"m"}`, "features", "needs one feature"},
		{`{"queryType":"distribution","model":"m","features":["a","b"]}`, "features", "one feature; got 2"},
		{`{"queryType":"fairness","model":"m"}`, "fairness", "needs a fairness block"},
		{`{"queryType":"fairness","model":"m","fairness":{"protected":["F"],"reference":["M"]}}`, "fairness.attribute", "is required"},
		{`{"queryType":"fairness","model":"m","fairness":{"attribute":"tags.sex","reference":["M"]}}`, "fairness.protected", "at least one value"},
		{`{"queryType":"fairness","model":"m","fairness":{"attribute":"tags.sex","protected":["F"],"reference":["F"]}}`, "fairness.reference", "in both"},
		{`{"queryType":"traffic","filters":[{"op":"="}]}`, "filters[0].field", "is required"},
		{`{"queryType":"traffic","filters":[{"field":"prediction.margin"}]}`, "filters[0].field", "is not a field"},
		{`{"queryType":"performance","model":"m","groupBy":["tags."]}`, "groupBy[0]", "names no feature or tag"},
		{`{"queryType":"traffic","status":["retired"]}`, "status[0]", "not a lifecycle status"},
		{`{"queryType":"drift","model":"m","status":["active"]}`, "status", "does not apply to drift queries (it is read by traffic, models)"},
		{`{"queryType":"embeddings","model":"m","limit":-1}`, "limit", "must not be negative"},
		{`{"queryType":`, "", "not valid JSON"},
	}
	checkParseErrors(t, cases)
	// from after to
	_, err := Parse(Request{JSON: []byte(`{"queryType":"traffic"}`), From: to, To: from}, Limits{})
	if err == nil || !strings.Contains(err.Error(), "is after") {
		t.Errorf("from after to: %v", err)
	}
}

func TestParseField(t *testing.T) {
	cases := map[string]store.Column{
		"features.income":  {Kind: store.ColFeature, Name: "income"},
		"income":           {Kind: store.ColFeature, Name: "income"},
		"tags.sex":         {Kind: store.ColTag, Name: "sex"},
		"prediction.label": {Kind: store.ColPredLabel},
		"prediction.score": {Kind: store.ColPredScore},
		"actual.value":     {Kind: store.ColActualValue},
		"version":          {Kind: store.ColVersion},
		"environment":      {Kind: store.ColEnvironment},
	}
	for ref, want := range cases {
		got, err := ParseField(ref)
		if err != nil || got != want {
			t.Errorf("%s: %+v %v", ref, got, err)
		}
		if err == nil && got.String() != ref && got.Kind != store.ColFeature {
			t.Errorf("%s renders as %s", ref, got)
		}
	}
	for _, bad := range []string{"", "prediction.margin", "actual.score", "features.", "tags."} {
		if _, err := ParseField(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestLoadSettings(t *testing.T) {
	s, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(`{"path":"/data/v.duckdb","maxBuckets":500}`),
		DecryptedSecureJSONData: map[string]string{"clickhousePassword": "pw"}})
	if err != nil || s.Path != "/data/v.duckdb" || s.QueryTimeout != DefaultQueryTimeout || s.MaxBuckets != 500 ||
		s.IngestMaxBytes != DefaultIngestMaxBytes || s.Secrets.ClickHousePassword != "pw" {
		t.Fatalf("%+v %v", s, err)
	}
	for js, want := range map[string]string{
		`{"queryTimeout":-1}`: "queryTimeout", `{"ingestQueue":5000}`: "ingestQueue", `{"maxGroups":-3}`: "maxGroups", `{"path":3}`: "not valid JSON",
	} {
		_, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(js)})
		if err == nil || !strings.Contains(err.Error(), want) || !backend.IsDownstreamError(err) {
			t.Errorf("%s: %v", js, err)
		}
	}
}
