package metrics

import (
	"math"
	"strconv"
)

// Optional is a metric value that may be absent because it is undefined for the
// input, such as a rate whose denominator is empty. It is never NaN or infinite.
type Optional struct {
	value float64
	ok    bool
}

// Some returns a present value, or an absent one when v is NaN or infinite.
func Some(v float64) Optional {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Optional{}
	}
	return Optional{value: v, ok: true}
}

// Absent returns an absent value.
func Absent() Optional { return Optional{} }

// Get returns the value and whether it is present.
func (o Optional) Get() (float64, bool) { return o.value, o.ok }

// Valid reports whether the value is present.
func (o Optional) Valid() bool { return o.ok }

// String returns the value in shortest form, or "absent".
func (o Optional) String() string {
	if !o.ok {
		return "absent"
	}
	return strconv.FormatFloat(o.value, 'g', -1, 64)
}

// MarshalJSON encodes a present value as a number and an absent one as null.
func (o Optional) MarshalJSON() ([]byte, error) {
	if !o.ok {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, o.value, 'g', -1, 64), nil
}

// ratio returns num/den, absent when den is zero.
func ratio(num, den float64) Optional {
	if den == 0 {
		return Optional{}
	}
	return Some(num / den)
}

// difference returns a−b, absent when either is absent.
func difference(a, b Optional) Optional {
	if !a.ok || !b.ok {
		return Optional{}
	}
	return Some(a.value - b.value)
}
