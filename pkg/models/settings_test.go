package models

import (
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func TestLoadSettingsResponseLimits(t *testing.T) {
	s, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(`{"maxPoints":5000,"maxResponseBytes":1048576}`)})
	if err != nil || s.MaxPoints != 5000 || s.MaxResponseBytes != 1<<20 {
		t.Fatalf("%+v %v", s, err)
	}
	for js, want := range map[string]string{
		`{"maxPoints":-1}`:         "setting maxPoints: must not be negative",
		`{"maxResponseBytes":-5}`:  "setting maxResponseBytes: must not be negative",
		`{"maxPoints":"a lot"}`:    "not valid JSON",
		`{"maxResponseBytes":1.5}`: "not valid JSON",
	} {
		_, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(js)})
		if err == nil || !strings.Contains(err.Error(), want) || !backend.IsDownstreamError(err) {
			t.Errorf("%s: %v, want a downstream error containing %q", js, err, want)
		}
	}
}
