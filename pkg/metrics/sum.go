package metrics

// compensatedSum accumulates float64 values with Neumaier's compensation, so sums
// of many terms of mixed magnitude stay accurate to a few ulps.
type compensatedSum struct {
	sum, carry float64
}

func (s *compensatedSum) add(x float64) {
	t := s.sum + x
	if abs(s.sum) >= abs(x) {
		s.carry += (s.sum - t) + x
	} else {
		s.carry += (x - t) + s.sum
	}
	s.sum = t
}

func (s *compensatedSum) value() float64 { return s.sum + s.carry }

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
