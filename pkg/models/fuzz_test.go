package models

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParse runs the query parser and validator on arbitrary JSON (and query
// type, as Grafana sends it beside the JSON). Invariants: no panic; a
// rejection is a *QueryError naming the option at fault (or saying the JSON
// itself is wrong); an accepted query, saved as JSON and parsed again, is the
// same query.
func FuzzParse(f *testing.F) {
	for _, s := range []struct{ json, queryType string }{
		{`{"refId":"A","queryType":"drift","model":"credit-risk","versions":["v2"],"environment":"production","target":"feature","features":["income","region"],"metric":"psi","reference":{"type":"environment","environment":"training","version":"v1"},"binning":{"strategy":"quantile","bins":10},"filters":[{"field":"tags.channel","op":"=","value":"web"}],"interval":"1h"}`, ""},
		{`{"queryType":"fairness","model":"credit-risk","metric":"disparate_impact","fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"],"favorable":"1"},"interval":"1d"}`, ""},
		{`{"queryType":"embeddings","model":"review-sentiment","referenceLimit":2000,"currentLimit":3000,"reduce":"pca","minClusterSize":10}`, ""},
		{`{"model":"eta","metric":"rmse","groupBy":["tags.city"],"reference":{"type":"rolling","window":"7d"}}`, "performance"},
		{`{"queryType":"traffic","metric":"share","status":["deprecated"],"interval":"$__interval"}`, ""},
		{`{"queryType":"biasTrace","model":"m","fairness":{"attribute":"sex","protected":"F"},"features":"age","pairs":true,"overTime":true,"minCount":30}`, ""},
		{`{"queryType":"distribution","model":"m","features":["a","b"]}`, ""},
		{`{"queryType":"drift","model":"m","interval":"1s"}`, ""},
		{`{"queryType":"drift","model":"m","reference":{"type":"window","from":"now-7d","to":"now"},"limit":-1}`, ""},
		{`{"queryType":"models"}`, ""},
		{`{"queryType":42}`, ""}, {`[]`, ""}, {`{`, "drift"}, {``, ""}, {`null`, "traffic"},
	} {
		f.Add([]byte(s.json), s.queryType, int64(3600_000), int64(1000))
	}
	to := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte, queryType string, intervalMs, maxDataPoints int64) {
		req := Request{JSON: raw, QueryType: queryType, RefID: "A", From: to.Add(-30 * 24 * time.Hour), To: to,
			Interval: time.Duration(intervalMs) * time.Millisecond, MaxDataPoints: maxDataPoints}
		q, err := Parse(req, Limits{})
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("rejection is not a *QueryError: %T %v\nquery %q", err, err, raw)
			}
			if qe.Option == "" && !strings.Contains(qe.Msg, "JSON") {
				t.Fatalf("rejection names no option: %v\nquery %q", err, raw)
			}
			return
		}
		saved, err := json.Marshal(q)
		if err != nil {
			t.Fatalf("an accepted query cannot be saved: %v\nquery %q", err, raw)
		}
		req.JSON = saved
		again, err := Parse(req, Limits{})
		if err != nil {
			t.Fatalf("an accepted query, saved, is rejected: %v\nquery %q\nsaved %s", err, raw, saved)
		}
		resaved, _ := json.Marshal(again)
		if string(resaved) != string(saved) || !again.From.Equal(q.From) || !again.To.Equal(q.To) || again.IntervalDur != q.IntervalDur {
			t.Fatalf("the query does not round-trip:\n first  %s (%s)\n second %s (%s)", saved, q.IntervalDur, resaved, again.IntervalDur)
		}
	})
}
