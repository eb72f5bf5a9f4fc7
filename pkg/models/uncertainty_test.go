package models

import (
	"errors"
	"strings"
	"testing"
)

const fairBlock = `"fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"]}`

func TestParseUncertaintyOptions(t *testing.T) {
	cases := []struct {
		js    string
		check func(q *Query) bool
	}{
		{`{"queryType":"fairness","model":"m",` + fairBlock + `}`, func(q *Query) bool {
			return q.MinGroupSize == DefaultMinGroupSize && q.Confidence == 0 && q.Bound == ""
		}},
		{`{"queryType":"fairness","model":"m","confidence":0.9,"minGroupSize":1,"bound":"upper",` + fairBlock + `}`, func(q *Query) bool {
			return q.Confidence == 0.9 && q.MinGroupSize == 1 && q.Bound == "upper"
		}},
		{`{"queryType":"fairness","model":"m","metric":"selection_rate","confidence":0.95,` + fairBlock + `}`, func(q *Query) bool { return q.Confidence == 0.95 }},
		{`{"queryType":"biasTrace","model":"m","confidence":0.95,` + fairBlock + `}`, func(q *Query) bool { return q.Confidence == 0.95 && q.MinGroupSize == 0 }},
		{`{"queryType":"drift","model":"m","metric":"ks_pvalue","adjust":"bh"}`, func(q *Query) bool { return q.Adjust == "bh" }},
		{`{"queryType":"drift","model":"m","metric":"chi2_pvalue","adjust":"bonferroni"}`, func(q *Query) bool { return q.Adjust == "bonferroni" }},
	}
	for _, c := range cases {
		q, err := parse(t, c.js)
		if err != nil {
			t.Errorf("%s: %v", c.js, err)
			continue
		}
		if !c.check(q) {
			t.Errorf("%s: got %+v", c.js, q)
		}
	}
}

func TestParseUncertaintyErrors(t *testing.T) {
	cases := []struct {
		js, option, msg string
	}{
		{`{"queryType":"fairness","model":"m","confidence":95,` + fairBlock + `}`, "confidence", "between 0 and 1, such as 0.95"},
		{`{"queryType":"fairness","model":"m","confidence":-0.5,` + fairBlock + `}`, "confidence", "not a confidence level"},
		{`{"queryType":"fairness","model":"m","metric":"average_odds_difference","confidence":0.95,` + fairBlock + `}`, "confidence", "average_odds_difference has no confidence interval"},
		{`{"queryType":"drift","model":"m","confidence":0.95}`, "confidence", "(it is read by fairness, biasTrace)"},
		{`{"queryType":"fairness","model":"m","minGroupSize":-3,` + fairBlock + `}`, "minGroupSize", "must be at least 1"},
		{`{"queryType":"biasTrace","model":"m","minGroupSize":10,` + fairBlock + `}`, "minGroupSize", "(it is read by fairness)"},
		{`{"queryType":"fairness","model":"m","bound":"upper",` + fairBlock + `}`, "bound", "set confidence"},
		{`{"queryType":"fairness","model":"m","confidence":0.95,"bound":"middle",` + fairBlock + `}`, "bound", "one of lower, upper"},
		{`{"queryType":"drift","model":"m","metric":"ks_pvalue","adjust":"holm"}`, "adjust", `"holm" is not a p-value adjustment; one of bh, bonferroni`},
		{`{"queryType":"drift","model":"m","metric":"psi","adjust":"bh"}`, "adjust", "psi is not one; use it with ks_pvalue, chi2_pvalue"},
		{`{"queryType":"distribution","model":"m","features":["a"],"metric":"ks_pvalue","adjust":"bh"}`, "adjust", "(it is read by drift)"},
	}
	for _, c := range cases {
		_, err := parse(t, c.js)
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("%s: want a QueryError, got %v", c.js, err)
			continue
		}
		if qe.Option != c.option || !strings.Contains(qe.Msg, c.msg) {
			t.Errorf("%s: got option %q msg %q; want %q and %q", c.js, qe.Option, qe.Msg, c.option, c.msg)
		}
	}
}
