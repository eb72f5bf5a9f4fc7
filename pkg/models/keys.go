package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Strict parsing: every key of a saved query is either one Grafana itself
// adds, an option every query type reads, or an option of the query's type in
// QueryTypeOptions. Anything else is a *QueryError naming the key (and the
// closest valid key), never silently dropped: a misspelt "feature" must not
// quietly run over every feature.
//
// TO ADD AN OPTION: add its field to Query, then its JSON key to the entry of
// each query type that reads it in QueryTypeOptions (and, for a new query
// type, a new entry). TestEveryQueryFieldHasAnEntry fails until you do.

// GrafanaKeys are the keys Grafana adds to a query it saves or sends: the
// DataQuery schema of @grafana/schema (refId, hide, key, queryType,
// datasource), the SDK's CommonQueryProperties (datasourceId, intervalMs,
// maxDataPoints, resultAssertions, timeRange) and what @grafana/runtime's
// DataSourceWithBackend adds to each query it sends (queryCachingTTL). Vigil
// reads only refId and queryType of them; the others are accepted on every
// query type.
var GrafanaKeys = []string{
	"refId", "queryType", "datasource", "datasourceId", "hide", "key",
	"intervalMs", "maxDataPoints", "resultAssertions", "timeRange", "queryCachingTTL",
}

// CommonOptions are the options every query type reads: the model (optional
// for traffic and models), its versions and one environment.
var CommonOptions = []string{"model", "versions", "environment"}

// QueryTypeOptions is the one table of the options (JSON keys of Query) each
// query type reads, besides GrafanaKeys and CommonOptions. A known option on
// a query type that does not read it (e.g. "positive" on fairness) is an
// error; so is a key no query type reads. The frontend's QUERY_TYPE_OPTIONS
// (src/datasource/queryOptions.ts), which says what the editor keeps when the
// query type changes, must agree on every option it lists.
var QueryTypeOptions = map[string][]string{
	TypeDrift:                {"target", "features", "metric", "reference", "binning", "filters", "interval", "adjust"},
	TypeDistribution:         {"target", "features", "metric", "reference", "binning", "filters"},
	TypeEmbeddingDrift:       {"metric", "reference", "filters", "interval"},
	TypePerformance:          {"metric", "groupBy", "positive", "filters", "interval"},
	TypeFairness:             {"metric", "fairness", "filters", "interval", "confidence", "minGroupSize", "bound"},
	TypeBiasTrace:            {"metric", "fairness", "features", "reference", "binning", "minCount", "limit", "overTime", "pairs", "interval", "filters", "confidence"},
	TypeTraffic:              {"metric", "status", "filters", "interval"},
	TypeEmbeddings:           {"reference", "limit", "referenceLimit", "currentLimit", "reduce", "minClusterSize", "filters"},
	TypeModels:               {"status"},
	TypeDataQuality:          {"features", "metric", "reference", "filters", "interval"},
	TypeEstimatedPerformance: {"metric", "calibration", "reference", "positive", "filters", "interval"},
	TypePerformanceTrace:     {"metric", "features", "reference", "binning", "minCount", "limit", "positive", "filters"},
}

// ReferenceFields are the keys of the reference block each reference type
// reads besides "type".
var ReferenceFields = map[string][]string{
	"environment": {"environment", "version"},
	"version":     {"version"},
	"window":      {"from", "to"},
	"rolling":     {"window"},
}

// blockKeys are the keys of the option blocks (objects inside a query).
var blockKeys = map[string][]string{
	"reference": {"type", "environment", "version", "from", "to", "window"},
	"fairness":  {"attribute", "protected", "reference", "favorable"},
	"binning":   {"strategy", "bins"},
	"filters":   {"field", "op", "value"},
}

// allOptions lists every key some query type reads, sorted.
func allOptions() []string {
	set := map[string]bool{}
	for _, k := range GrafanaKeys {
		set[k] = true
	}
	for _, k := range CommonOptions {
		set[k] = true
	}
	for _, opts := range QueryTypeOptions {
		for _, k := range opts {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// OptionsOf lists the options a query type reads (CommonOptions first).
func OptionsOf(queryType string) []string {
	return append(append([]string(nil), CommonOptions...), QueryTypeOptions[queryType]...)
}

// typesReading lists the query types that read an option.
func typesReading(option string) []string {
	var out []string
	for _, t := range QueryTypes {
		if contains(QueryTypeOptions[t], option) {
			out = append(out, t)
		}
	}
	return out
}

// checkKeys refuses keys that no query type reads and options the query type
// does not read. extra are keys the caller reads itself; only, when not nil,
// narrows the query type's options. An option that does not apply but holds
// an empty value (null, "", [], {}, false, 0) is accepted: it asks for
// nothing.
func checkKeys(raw map[string]json.RawMessage, queryType string, extra, only []string) error {
	known := append(allOptions(), extra...)
	applies := append(append(append([]string(nil), GrafanaKeys...), CommonOptions...), extra...)
	typeOpts := QueryTypeOptions[queryType]
	if only != nil {
		typeOpts = only
	}
	applies = append(applies, typeOpts...)
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !contains(known, k) {
			if b := blockOf(k); b != "" && closest(k, known) != "versions" {
				return qerr(k, "is not a Vigil query option; did you mean %s inside %s, as in \"%s\": {\"%s\": …}?", k, b, b, k)
			}
			return unknownKey(k, k, known)
		}
		if contains(applies, k) || isEmptyJSON(raw[k]) {
			continue
		}
		if only != nil {
			return qerr(k, "does not apply here; this query reads %s", oneOf(append(append([]string(nil), CommonOptions...), append(extra, only...)...)))
		}
		return qerr(k, "does not apply to %s queries (it is read by %s); %s queries read %s",
			queryType, oneOf(typesReading(k)), queryType, oneOf(OptionsOf(queryType)))
	}
	for block, fields := range blockKeys {
		v, ok := raw[block]
		if !ok || !contains(applies, block) || isEmptyJSON(v) {
			continue
		}
		if block == "filters" {
			var list []map[string]json.RawMessage
			if json.Unmarshal(v, &list) != nil {
				continue // the typed decode names the option
			}
			for i, f := range list {
				if err := checkBlock(fmt.Sprintf("filters[%d]", i), f, fields); err != nil {
					return err
				}
			}
			continue
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(v, &obj) != nil {
			continue
		}
		if err := checkBlock(block, obj, fields); err != nil {
			return err
		}
		if block == "reference" {
			if err := checkReferenceFields(obj); err != nil {
				return err
			}
		}
	}
	return nil
}

// blockOf names the option block that has a field named key, or "".
func blockOf(key string) string {
	for _, b := range []string{"binning", "fairness", "reference", "filters"} {
		if contains(blockKeys[b], key) {
			return b
		}
	}
	return ""
}

func checkBlock(prefix string, obj map[string]json.RawMessage, fields []string) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !contains(fields, k) {
			return unknownKey(prefix+"."+k, k, fields)
		}
	}
	return nil
}

// checkReferenceFields refuses fields the reference's type does not read,
// such as a window on an environment reference.
func checkReferenceFields(obj map[string]json.RawMessage) error {
	var typ string
	if t, ok := obj["type"]; ok {
		if json.Unmarshal(t, &typ) != nil {
			return nil
		}
	}
	if typ == "" {
		typ = "environment"
	}
	fields, ok := ReferenceFields[typ]
	if !ok {
		return nil // validateReference names the type
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "type" || contains(fields, k) || isEmptyJSON(obj[k]) {
			continue
		}
		var readers []string
		for _, t := range ReferenceTypes {
			if contains(ReferenceFields[t], k) {
				readers = append(readers, t)
			}
		}
		return qerr("reference."+k, "does not apply to %s %s reference (it is read by %s references); %s %s reference reads %s",
			article(typ), typ, oneOf(readers), article(typ), typ, oneOf(fields))
	}
	return nil
}

// article is "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func unknownKey(option, key string, valid []string) error {
	if s := closest(key, valid); s != "" {
		return qerr(option, "is not a Vigil query option; did you mean %s?", s)
	}
	return qerr(option, "is not a Vigil query option; valid options: %s", oneOf(valid))
}

// isEmptyJSON reports whether a JSON value asks for nothing.
func isEmptyJSON(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case "", "null", `""`, "[]", "{}", "false", "0":
		return true
	}
	return false
}

// Closest returns the valid key nearest to key (case-insensitive edit
// distance at most a third of its length, at least 2), or "". Callers that
// check other JSON bodies' keys use it to suggest the key meant.
func Closest(key string, valid []string) string { return closest(key, valid) }

// closest returns the valid key nearest to key (case-insensitive edit
// distance at most a third of its length, at least 2), or "".
func closest(key string, valid []string) string {
	best, bestD := "", 1<<30
	limit := max(2, len(key)/3)
	lk := strings.ToLower(key)
	for _, v := range valid {
		d := editDistance(lk, strings.ToLower(v))
		if strings.HasPrefix(strings.ToLower(v), lk) || strings.HasPrefix(lk, strings.ToLower(v)) {
			d = min(d, 1+abs(len(v)-len(key))/4)
		}
		if d < bestD {
			best, bestD = v, d
		}
	}
	if bestD > limit {
		return ""
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// editDistance is the Levenshtein distance of two strings.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// typeError names the option whose value has the wrong JSON type, by
// decoding the keys one at a time.
func typeError(raw map[string]json.RawMessage, whole error) error {
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		one, _ := json.Marshal(map[string]json.RawMessage{k: raw[k]})
		var q Query
		if err := json.Unmarshal(one, &q); err != nil {
			msg := err.Error()
			var te *json.UnmarshalTypeError
			if asTypeError(err, &te) {
				msg = fmt.Sprintf("a JSON %s cannot be read as %s", te.Value, goTypeName(te.Type.String()))
				if te.Field != "" && te.Field != k {
					return qerr(k+"."+strings.TrimPrefix(te.Field, k+"."), "%s", msg)
				}
			}
			return qerr(k, "%s", msg)
		}
	}
	return qerr("", "the query is not valid JSON for Vigil: %v", whole)
}

func asTypeError(err error, target **json.UnmarshalTypeError) bool {
	te, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = te
	}
	return ok
}

func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "float"):
		return "a number"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "*models."), strings.HasPrefix(t, "models."):
		return "an object"
	}
	return t
}
