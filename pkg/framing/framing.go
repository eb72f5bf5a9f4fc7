// Package framing encodes engine results as Grafana data frames: time series
// as dataplane timeseries-multi (one frame per series, so each series is its
// own alert instance), tables as table frames.
package framing

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vigil-mlobs/vigil/pkg/engine"
	"github.com/vigil-mlobs/vigil/pkg/metrics"
)

// Frames encodes one result for the query with the given refId.
func Frames(refID string, res *engine.Result) data.Frames {
	var frames data.Frames
	notices := make([]data.Notice, 0, len(res.Notices))
	for _, n := range res.Notices {
		sev := data.NoticeSeverityInfo
		if n.Severity == engine.Warning {
			sev = data.NoticeSeverityWarning
		}
		notices = append(notices, data.Notice{Severity: sev, Text: n.Text})
	}
	for _, s := range res.Series {
		frames = append(frames, seriesFrame(refID, s))
	}
	if len(res.Series) == 0 && len(res.Tables) == 0 {
		// An empty result is still a typed, valid timeseries-multi response.
		f := data.NewFrame("", data.NewField("time", nil, []time.Time{}), data.NewField("value", nil, []*float64{}))
		f.SetMeta(&data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}})
		frames = append(frames, f)
	}
	for _, t := range res.Tables {
		frames = append(frames, tableFrame(t))
	}
	if len(frames) > 0 {
		m := frames[0].Meta
		if m == nil {
			m = &data.FrameMeta{}
			frames[0].SetMeta(m)
		}
		m.Notices = append(m.Notices, notices...)
		if len(res.Meta) > 0 {
			m.Custom = res.Meta
		}
	}
	for _, f := range frames {
		f.RefID = refID
	}
	return frames
}

func seriesFrame(refID string, s engine.Series) *data.Frame {
	times := make([]time.Time, len(s.Points))
	values := make([]*float64, len(s.Points))
	for i, p := range s.Points {
		times[i] = p.Time
		values[i] = optionalPtr(p.Value)
	}
	labels := data.Labels{}
	for _, l := range s.Labels {
		labels[l.Name] = l.Value
	}
	valueField := data.NewField("value", labels, values)
	valueField.Config = &data.FieldConfig{DisplayNameFromDS: s.Name, Unit: s.Unit}
	f := data.NewFrame(s.Name, data.NewField("time", nil, times), valueField)
	f.SetMeta(&data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}})
	return f
}

func optionalPtr(o metrics.Optional) *float64 {
	if v, ok := o.Get(); ok {
		return &v
	}
	return nil
}

func tableFrame(t engine.Table) *data.Frame {
	f := data.NewFrame(t.Name)
	for _, c := range t.Columns {
		f.Fields = append(f.Fields, tableField(c))
	}
	f.SetMeta(&data.FrameMeta{Type: data.FrameTypeTable, TypeVersion: data.FrameTypeVersion{0, 1}})
	return f
}

func tableField(c engine.Column) *data.Field {
	switch c.Type {
	case engine.ColNumber:
		vals := make([]*float64, len(c.Values))
		for i, v := range c.Values {
			switch x := v.(type) {
			case metrics.Optional:
				vals[i] = optionalPtr(x)
			case float64:
				vals[i] = optionalPtr(metrics.Some(x))
			}
		}
		return data.NewField(c.Name, nil, vals)
	case engine.ColInt:
		vals := make([]int64, len(c.Values))
		for i, v := range c.Values {
			vals[i], _ = v.(int64)
		}
		return data.NewField(c.Name, nil, vals)
	case engine.ColBool:
		vals := make([]bool, len(c.Values))
		for i, v := range c.Values {
			vals[i], _ = v.(bool)
		}
		return data.NewField(c.Name, nil, vals)
	case engine.ColTime:
		vals := make([]*time.Time, len(c.Values))
		for i, v := range c.Values {
			if t, ok := v.(time.Time); ok && !t.IsZero() {
				t := t
				vals[i] = &t
			}
		}
		return data.NewField(c.Name, nil, vals)
	}
	vals := make([]string, len(c.Values))
	for i, v := range c.Values {
		vals[i], _ = v.(string)
	}
	return data.NewField(c.Name, nil, vals)
}
