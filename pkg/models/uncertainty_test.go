package models

import (
	"testing"
)

const fairBlock = `"fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"]}`

func TestParseUncertaintyOptions(t *testing.T) {
	cases := []parsedCase{
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
	checkParsed(t, cases)
}

func TestParseUncertaintyErrors(t *testing.T) {
	cases := []parseErrorCase{
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
	checkParseErrors(t, cases)
}
