package engine

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

func opNames() string {
	names := make([]string, len(store.FilterOps))
	for i, op := range store.FilterOps {
		names[i] = string(op)
	}
	return strings.Join(names, ", ")
}

// buildFilter types a filter's JSON value by its field's kind.
func buildFilter(option string, col store.Column, kind store.Kind, f models.Filter) (store.Filter, error) {
	op := store.FilterOp(strings.ToLower(strings.TrimSpace(f.Op)))
	valid := false
	for _, o := range store.FilterOps {
		if o == op {
			valid = true
		}
	}
	if !valid {
		return store.Filter{}, &models.QueryError{Option: option + ".op", Msg: fmt.Sprintf("%q is not an operator; one of %s", f.Op, opNames())}
	}
	out := store.Filter{Col: col, Op: op}
	if op == store.OpIsNull || op == store.OpNotNull {
		return out, nil
	}
	var raw []json.RawMessage
	if len(f.Value) > 0 && f.Value[0] == '[' {
		if err := json.Unmarshal(f.Value, &raw); err != nil {
			return out, &models.QueryError{Option: option + ".value", Msg: "is not a valid list"}
		}
	} else if len(f.Value) > 0 {
		raw = []json.RawMessage{f.Value}
	}
	if len(raw) == 0 {
		return out, &models.QueryError{Option: option + ".value", Msg: fmt.Sprintf("operator %q needs a value", op)}
	}
	if len(raw) > 1 && op != store.OpIn && op != store.OpNotIn {
		if op != store.OpEq && op != store.OpNe {
			return out, &models.QueryError{Option: option + ".value", Msg: fmt.Sprintf("operator %q takes one value", op)}
		}
		// A multi-value template variable expands into a list: = becomes in.
		if op == store.OpEq {
			out.Op = store.OpIn
		} else {
			out.Op = store.OpNotIn
		}
	}
	for _, r := range raw {
		v, err := typedValue(r, kind)
		if err != nil {
			return out, &models.QueryError{Option: option + ".value", Msg: fmt.Sprintf("%s: %v", col, err)}
		}
		out.Values = append(out.Values, v)
	}
	return out, nil
}

func typedValue(raw json.RawMessage, kind store.Kind) (store.Value, error) {
	var s string
	isString := json.Unmarshal(raw, &s) == nil
	var x float64
	isNumber := json.Unmarshal(raw, &x) == nil
	switch kind {
	case store.Numeric:
		if isNumber {
			return store.Num(x), nil
		}
		if isString {
			// Template variables arrive as text.
			if _, err := fmt.Sscanf(s, "%g", &x); err == nil && strings.TrimSpace(s) != "" {
				return store.Num(x), nil
			}
		}
		return store.Value{}, fmt.Errorf("is numeric; %s is not a number", string(raw))
	default:
		if isString {
			return store.Str(s), nil
		}
		if isNumber {
			return store.Str(strings.TrimSpace(string(raw))), nil
		}
		return store.Value{}, fmt.Errorf("needs a string value, got %s", string(raw))
	}
}
