package engine

import (
	"fmt"

	"github.com/vigil-mlobs/vigil/pkg/models"
)

// Response-size limits (DESIGN §9): a result is measured before it is framed,
// so a query past the datasource's maxPoints or maxResponseBytes answers with
// an error naming the setting instead of building and sending a huge frame.

// Size returns the values a result holds (points of its series plus cells of
// its tables) and an estimate of its size as Grafana frames: 8 bytes per
// time and per number, the bytes of each string plus a 4-byte offset, one
// byte per boolean, and each series' name and labels.
func (r *Result) Size() (points int, bytes int64) {
	for _, s := range r.Series {
		points += len(s.Points)
		bytes += int64(len(s.Points)) * 16
		bytes += int64(len(s.Name) + len(s.Unit))
		for _, l := range s.Labels {
			bytes += int64(len(l.Name) + len(l.Value))
		}
	}
	for _, t := range r.Tables {
		for _, c := range t.Columns {
			points += len(c.Values)
			bytes += int64(len(c.Name))
			for _, v := range c.Values {
				bytes += valueBytes(v)
			}
		}
	}
	return points, bytes
}

func valueBytes(v any) int64 {
	switch x := v.(type) {
	case string:
		return int64(len(x)) + 4
	case bool:
		return 1
	}
	return 8 // numbers, times, integers
}

// ResponseTooLargeError is a result past a response-size limit.
type ResponseTooLargeError struct {
	Setting string // maxPoints or maxResponseBytes
	Size    int64
	Limit   int64
}

func (e *ResponseTooLargeError) Error() string {
	what := fmt.Sprintf("%d values (series points and table cells)", e.Size)
	if e.Setting == "maxResponseBytes" {
		what = fmt.Sprintf("about %d bytes", e.Size)
	}
	return fmt.Sprintf("the result has %s, more than the datasource's %s of %d; narrow the time range, use a longer interval, or ask for fewer features, versions or rows (an administrator can raise %s in the datasource settings)",
		what, e.Setting, e.Limit, e.Setting)
}

// checkSize refuses a result past MaxPoints or MaxResponseBytes with a
// *models.QueryError (a downstream error: the user can narrow the query).
func (e *Engine) checkSize(res *Result) error {
	if res == nil {
		return nil
	}
	points, bytes := res.Size()
	var big *ResponseTooLargeError
	switch {
	case points > e.Limits.MaxPoints:
		big = &ResponseTooLargeError{Setting: "maxPoints", Size: int64(points), Limit: int64(e.Limits.MaxPoints)}
	case bytes > e.Limits.MaxResponseBytes:
		big = &ResponseTooLargeError{Setting: "maxResponseBytes", Size: bytes, Limit: e.Limits.MaxResponseBytes}
	default:
		return nil
	}
	return &models.QueryError{Msg: big.Error(), Err: big}
}

// embeddingColumns is the number of columns of the embeddings table.
const embeddingColumns = 11

// checkSampleSize fails fast, before any record is read, when the largest
// sample the query may draw (reference plus current points, each a row of
// columns values) is past MaxPoints.
func (e *Engine) checkSampleSize(q *models.Query, columns int) error {
	ref, cur, _, err := e.sampleSizes(q)
	if err != nil {
		return err
	}
	if n := (ref + cur) * columns; n > e.Limits.MaxPoints {
		big := &ResponseTooLargeError{Setting: "maxPoints", Size: int64(n), Limit: int64(e.Limits.MaxPoints)}
		return &models.QueryError{Option: "limit", Msg: fmt.Sprintf("a sample of %d reference and %d current points of %d columns could reach %d values, more than the datasource's maxPoints of %d; lower limit, referenceLimit or currentLimit",
			ref, cur, columns, n, e.Limits.MaxPoints), Err: big}
	}
	return nil
}
