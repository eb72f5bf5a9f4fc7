package engine

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// noticeTexts joins a result's notices for error messages.
func noticeTexts(res *Result) string {
	var parts []string
	for _, n := range res.Notices {
		parts = append(parts, n.Text)
	}
	return strings.Join(parts, "\n")
}

func wantNotice(t *testing.T, res *Result, sev NoticeSeverity, parts ...string) {
	t.Helper()
	if !hasNotice(res, sev, parts...) {
		t.Errorf("no notice with %q; notices:\n%s", parts, noticeTexts(res))
	}
}

func wantNoNotice(t *testing.T, res *Result, part string) {
	t.Helper()
	if strings.Contains(noticeTexts(res), part) {
		t.Errorf("unexpected notice with %q:\n%s", part, noticeTexts(res))
	}
}

// TestPerformanceNullPointsAreExplained runs every performance metric on
// buckets where it is undefined and checks the notice for each reason.
func TestPerformanceNullPointsAreExplained(t *testing.T) {
	h := func(m int) time.Time { return qualityT0.Add(time.Duration(m) * time.Minute) }
	// Hour 0: every actual and prediction is "0"; hour 1: mixed.
	batch := []store.Record{
		clfRecord(0, h(1), "v1", "production", "0", 0.1, "0"),
		clfRecord(1, h(2), "v1", "production", "0", 0.2, "0"),
		clfRecord(2, h(61), "v1", "production", "1", 0.9, "1"),
		clfRecord(3, h(62), "v1", "production", "0", 0.3, "1"),
		clfRecord(4, h(63), "v1", "production", "1", 0.6, "0"),
	}
	e := qualityEngine(t, Limits{}, batch)
	for _, c := range []struct{ metric, reason string }{
		{"precision", `nothing is predicted positive ("1") there, so precision (true positives / predicted positives) is undefined`},
		{"recall", `no actual is positive ("1") there, so recall (true positives / actual positives) is undefined`},
		{"f1", `neither a prediction nor an actual is positive ("1") there, so F1 is undefined`},
		{"auc", `no actual is positive ("1") there: AUC needs records of both classes`},
	} {
		res := mustRunQuality(t, e, `{"queryType":"performance","model":"churn","interval":"1h","positive":"1","metric":"`+c.metric+`"}`)
		wantNotice(t, res, Warning, "1 of 2 "+c.metric+" points are null (first at 2026-11-01T00:00:00Z, version v1 production)", c.reason)
	}
	// Every actual positive in a bucket: AUC undefined for the other reason.
	res := mustRunQuality(t, e, `{"queryType":"performance","model":"churn","interval":"1h","metric":"auc","filters":[{"field":"actual.label","value":"1"}]}`)
	wantNotice(t, res, Warning, "1 of 1 auc points are null", `every actual is positive ("1") there`)
	// Accuracy and log loss are defined wherever a record counts.
	for _, m := range []string{"accuracy", "log_loss"} {
		res := mustRunQuality(t, e, `{"queryType":"performance","model":"churn","interval":"1h","metric":"`+m+`"}`)
		wantNoNotice(t, res, "points are null")
	}

	// R² is undefined where the actual values do not vary.
	reg := []store.Record{regRecord(0, h(1), "v1", 10, 12), regRecord(1, h(61), "v1", 10, 12), regRecord(2, h(62), "v1", 11, 14)}
	e = qualityEngine(t, Limits{}, reg)
	res = mustRunQuality(t, e, `{"queryType":"performance","model":"demand","interval":"1h","metric":"r2"}`)
	wantNotice(t, res, Warning, "1 of 2 r2 points are null", "the actual values do not vary there")
	for _, m := range []string{"rmse", "mae", "mape"} {
		res := mustRunQuality(t, e, `{"queryType":"performance","model":"demand","interval":"1h","metric":"`+m+`"}`)
		wantNoNotice(t, res, "points are null")
	}
}

func TestPerformanceLabelSanity(t *testing.T) {
	h := func(m int) time.Time { return qualityT0.Add(time.Duration(m) * time.Minute) }
	// Labels ">50K"/"<=50K" predicted, ">50K."/"<=50K." actual: they never meet.
	batch := []store.Record{
		clfRecord(0, h(1), "v1", "production", ">50K", 0.8, ">50K."),
		clfRecord(1, h(2), "v1", "production", "<=50K", 0.2, "<=50K."),
		clfRecord(2, h(3), "v1", "production", "<=50K", 0.1, "<=50K."),
	}
	e := qualityEngine(t, Limits{}, batch)
	res := mustRunQuality(t, e, `{"queryType":"performance","model":"churn","interval":"1d","metric":"accuracy"}`)
	checkOptional(t, "accuracy", onlyPoint(t, res), 0, true)
	wantNotice(t, res, Warning, `the predicted labels ("<=50K" (2), ">50K" (1)) and the actual labels ("<=50K." (2), ">50K." (1)) never meet`,
		`vigil ingest --label-map '{"<=50K.":"<=50K",">50K.":">50K"}'`)
	// The default positive label "1" occurs nowhere: said, with the labels seen.
	res = mustRunQuality(t, e, `{"queryType":"performance","model":"churn","interval":"1d","metric":"log_loss"}`)
	wantNotice(t, res, Warning, `the positive label "1" (the default: the query sets no positive) occurs in no actual label`, `actual labels: "<=50K." (2), ">50K." (1)`)
	// A positive label given that only the predictions hold.
	res = mustRunQuality(t, e, `{"queryType":"performance","model":"churn","interval":"1d","metric":"recall","positive":">50K"}`)
	wantNotice(t, res, Warning, `the positive label ">50K" occurs in no actual label`)
	wantNoNotice(t, res, "the default")
	// A positive label no prediction carries (the actuals have it).
	batch2 := []store.Record{
		clfRecord(10, h(1), "v2", "production", "no", 0.2, "yes"),
		clfRecord(11, h(2), "v2", "production", "no", 0.3, "no"),
	}
	e2 := qualityEngine(t, Limits{}, batch2)
	res = mustRunQuality(t, e2, `{"queryType":"performance","model":"churn","interval":"1d","metric":"precision","positive":"yes"}`)
	wantNotice(t, res, Warning, `the positive label "yes" occurs in no predicted label; predicted labels: "no" (2)`)
	// Labels that meet give no warning.
	res = mustRunQuality(t, e2, `{"queryType":"performance","model":"churn","interval":"1d","metric":"accuracy"}`)
	wantNoNotice(t, res, "never meet")
}

func TestPerformanceScoresOutsideUnitInterval(t *testing.T) {
	h := func(m int) time.Time { return qualityT0.Add(time.Duration(m) * time.Minute) }
	batch := []store.Record{
		clfRecord(0, h(1), "v1", "production", "1", 2.5, "1"),
		clfRecord(1, h(2), "v1", "production", "0", -1.25, "0"),
		clfRecord(2, h(3), "v1", "production", "0", 0.5, "1"),
	}
	e := qualityEngine(t, Limits{}, batch)
	for _, c := range []struct{ metric, how string }{
		{"log_loss", "log loss clips them to [ε, 1 − ε]"},
		{"auc", "AUC only ranks them"},
	} {
		res := mustRunQuality(t, e, `{"queryType":"performance","model":"churn","interval":"1d","metric":"`+c.metric+`"}`)
		wantNotice(t, res, Warning, "prediction scores range from -1.25 to 2.5, outside [0, 1]", c.how)
	}
	ok := []store.Record{clfRecord(5, h(1), "v2", "production", "1", 0.9, "1"), clfRecord(6, h(2), "v2", "production", "0", 0.1, "0")}
	e = qualityEngine(t, Limits{}, ok)
	res := mustRunQuality(t, e, `{"queryType":"performance","model":"churn","interval":"1d","metric":"auc"}`)
	wantNoNotice(t, res, "outside [0, 1]")
	if v, _ := onlyPoint(t, res).Get(); v != 1 || math.IsNaN(v) {
		t.Errorf("auc %v, want 1", v)
	}
}

// TestFairnessNullPointsAreExplained covers each fairness metric's reasons
// for a null point (groups above the minimum size, so only the metric's own
// definition leaves the point null).
func TestFairnessNullPointsAreExplained(t *testing.T) {
	at := qualityT0.Add(10 * time.Minute)
	var batch []store.Record
	add := func(n int, group, pred, actual string) {
		for i := 0; i < n; i++ {
			batch = append(batch, fairRecord(len(batch), at, "v1", group, pred, actual))
		}
	}
	// The reference group M is never predicted favourable, and no actual of
	// either group is favourable.
	add(3, "F", "1", "0")
	add(2, "F", "0", "0")
	add(4, "M", "0", "0")
	e := qualityEngine(t, Limits{}, batch)
	for _, c := range []struct{ metric, reason string }{
		{"disparate_impact", `no record of the reference group is predicted favourable ("1") there, so its selection rate is 0`},
		{"average_odds_difference", `no record of the protected group has a favourable actual ("1") there`},
		{"predictive_parity_ratio", `no record of the reference group with an actual is predicted favourable ("1") there`},
	} {
		res := mustRunQuality(t, e, fairQuery(c.metric, "tags.sex", []string{"F"}, []string{"M"}, `,"interval":"1d","minGroupSize":1`))
		wantNotice(t, res, Warning, "1 of 1 "+c.metric+" points are null (first at 2026-11-01T00:00:00Z, version v1)", c.reason)
	}
	// The favourable label occurs in no actual; for equal opportunity the
	// groups' sizes are their favourable actuals, so the point is absent
	// under the minimum group size, which says so.
	res := mustRunQuality(t, e, fairQuery("equal_opportunity_difference", "tags.sex", []string{"F"}, []string{"M"}, `,"interval":"1d","minGroupSize":1`))
	wantNotice(t, res, Info, `1 of 1 points are absent: the protected or the reference group has fewer than 1 records with a favourable actual ("1") there`)
	wantNotice(t, res, Warning, `the favourable label "1" occurs in no actual label of the protected and reference groups; actual labels: "0" (9)`)
	// Statistical parity and selection rates are defined here.
	for _, m := range []string{"statistical_parity_difference", "selection_rate"} {
		res := mustRunQuality(t, e, fairQuery(m, "tags.sex", []string{"F"}, []string{"M"}, `,"interval":"1d","minGroupSize":1`))
		wantNoNotice(t, res, "points are null")
	}

	// Every actual favourable: no unfavourable actual for the false positive rate.
	batch = nil
	add(2, "F", "1", "1")
	add(2, "M", "1", "1")
	e = qualityEngine(t, Limits{}, batch)
	res = mustRunQuality(t, e, fairQuery("average_odds_difference", "tags.sex", []string{"F"}, []string{"M"}, `,"interval":"1d","minGroupSize":1`))
	wantNotice(t, res, Warning, "no record of the protected group has an unfavourable actual there, so its false positive rate is undefined")
	// Predicted favourable but never actually favourable in the reference.
	batch = nil
	add(2, "F", "1", "1")
	add(2, "M", "1", "0")
	e = qualityEngine(t, Limits{}, batch)
	res = mustRunQuality(t, e, fairQuery("predictive_parity_ratio", "tags.sex", []string{"F"}, []string{"M"}, `,"interval":"1d","minGroupSize":1`))
	wantNotice(t, res, Warning, "no record of the reference group predicted favourable is actually favourable there")

	// A favourable label no prediction carries, left to its default.
	batch = nil
	add(2, "F", "yes", "yes")
	add(2, "M", "no", "no")
	e = qualityEngine(t, Limits{}, batch)
	res = mustRunQuality(t, e, `{"queryType":"fairness","model":"credit","interval":"1d","minGroupSize":1,"fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"]}}`)
	wantNotice(t, res, Warning, `the favourable label "1" (the default: the query sets no fairness.favorable) occurs in no predicted label`, `predicted labels: "no" (2), "yes" (2)`)
	wantNotice(t, res, Warning, "1 of 1 disparate_impact points are null")
}

func TestSelectionRateNullGroupIsExplained(t *testing.T) {
	b := &fairBucket{}
	b.selReference.TN = 3
	q := parseForTest(t, fairQuery("selection_rate", "tags.sex", []string{"F"}, []string{"M"}, ""))
	if r := fairNullReason(q, b, "protected"); r != "the protected group has no record with a predicted label there" {
		t.Errorf("reason %q", r)
	}
	q = parseForTest(t, fairQuery("disparate_impact", "tags.sex", []string{"F"}, []string{"M"}, ""))
	if r := fairNullReason(q, b, ""); r != "the protected group has no record with a predicted label there" {
		t.Errorf("reason %q", r)
	}
	b = &fairBucket{}
	b.selProtected.TN = 3
	if r := fairNullReason(q, b, ""); r != "the reference group has no record with a predicted label there" {
		t.Errorf("reason %q", r)
	}
}

func TestUnknownVersionOrEnvironmentIsAnError(t *testing.T) {
	h := qualityT0.Add(time.Minute)
	e := qualityEngine(t, Limits{}, []store.Record{
		clfRecord(0, h, "v1", "production", "1", 0.5, "1"),
		clfRecord(1, h, "v2", "staging", "1", 0.5, "1"),
	})
	_, err := runQuality(t, e, `{"queryType":"performance","model":"churn","environment":"prod"}`)
	checkQueryError(t, err, "environment", `"prod" is not an environment of model "churn"; its environments: production, staging`)
	_, err = runQuality(t, e, `{"queryType":"performance","model":"churn","versions":["v1","v3"]}`)
	checkQueryError(t, err, "versions[1]", `"v3" is not a version of model "churn"; its versions: v1, v2`)
	_, err = runQuality(t, e, `{"queryType":"traffic","environment":"prod"}`)
	checkQueryError(t, err, "environment", `"prod" is not an environment of any model; its environments: production, staging`)
	_, err = runQuality(t, e, `{"queryType":"models","model":"churn","versions":["v9"]}`)
	checkQueryError(t, err, "versions[0]", `"v9" is not a version of model "churn"`)
	// Known names pass, with or without records in the time range.
	mustRunQuality(t, e, `{"queryType":"performance","model":"churn","environment":"staging","versions":["v2"]}`)
	// An unknown model is still named as such.
	_, err = runQuality(t, e, `{"queryType":"performance","model":"chrun","environment":"prod"}`)
	checkQueryError(t, err, "model", `"chrun" is not a known model`)
}

func parseForTest(t *testing.T, query string) *models.Query {
	t.Helper()
	q, err := models.Parse(models.Request{JSON: []byte(query), RefID: "A", From: qualityT0, To: qualityT0.Add(time.Hour)}, models.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return q
}
