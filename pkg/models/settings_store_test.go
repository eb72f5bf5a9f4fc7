package models

import (
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func TestLoadSettingsClickHouse(t *testing.T) {
	s, err := LoadSettings(backend.DataSourceInstanceSettings{
		JSONData:                []byte(`{"store":"clickhouse","clickhouseHost":"ch","clickhousePort":9440,"clickhouseDatabase":"vigil","clickhouseCluster":"prod","clickhouseUser":"u","clickhouseTls":true}`),
		DecryptedSecureJSONData: map[string]string{"clickhousePassword": "pw"}})
	if err != nil || s.Store != StoreClickHouse || s.ClickHouseHost != "ch" || s.ClickHousePort != 9440 || s.ClickHouseCluster != "prod" ||
		!s.ClickHouseTLS || s.Secrets.ClickHousePassword != "pw" {
		t.Fatalf("%+v %v", s, err)
	}
	for js, want := range map[string]string{
		`{"store":"postgres"}`:   `setting store: "postgres" is neither`,
		`{"store":"clickhouse"}`: "setting clickhouseHost",
		`{"store":"clickhouse","clickhouseHost":"h","clickhousePort":70000}`: "setting clickhousePort",
	} {
		_, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(js)})
		if err == nil || !strings.Contains(err.Error(), want) || !backend.IsDownstreamError(err) {
			t.Errorf("%s: %v, want a downstream error containing %q", js, err, want)
		}
	}
}
