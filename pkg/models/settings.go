package models

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Settings are the datasource settings: jsonData for everything but secrets,
// secureJsonData for secrets (the ClickHouse password).
type Settings struct {
	// Path is the embedded DuckDB file; "" keeps an in-memory store.
	Path string `json:"path"`
	// QueryTimeout bounds one query, in seconds.
	QueryTimeout int `json:"queryTimeout"`
	// MaxGroups bounds the groups one store aggregate may return.
	MaxGroups int `json:"maxGroups"`
	// MaxSampleSize bounds sampled points (embeddings).
	MaxSampleSize int `json:"maxSampleSize"`
	// MaxBuckets bounds the time buckets of one query.
	MaxBuckets int `json:"maxBuckets"`
	// MaxPoints bounds the values one query may answer with: the points of
	// its series plus the cells of its tables (0: engine.DefaultLimits).
	MaxPoints int `json:"maxPoints"`
	// MaxResponseBytes bounds the estimated size of one query's frames
	// (0: engine.DefaultLimits).
	MaxResponseBytes int64 `json:"maxResponseBytes"`
	// IngestMaxBytes bounds one ingest request body.
	IngestMaxBytes int64 `json:"ingestMaxBytes"`
	// IngestQueue bounds ingest requests waiting for the single writer.
	IngestQueue int `json:"ingestQueue"`
	// Threads and MemoryLimit tune DuckDB (0 / "": its defaults).
	Threads     int    `json:"threads"`
	MemoryLimit string `json:"memoryLimit"`

	Secrets SecureSettings `json:"-"`
}

// SecureSettings are decrypted secureJsonData.
type SecureSettings struct {
	ClickHousePassword string
}

// Defaults of the settings.
const (
	DefaultQueryTimeout   = 30
	DefaultIngestMaxBytes = 64 << 20
	DefaultIngestQueue    = 4
)

// QueryTimeoutDuration is the query timeout as a duration.
func (s Settings) QueryTimeoutDuration() time.Duration {
	return time.Duration(s.QueryTimeout) * time.Second
}

// LoadSettings reads and validates datasource settings; a bad value is a
// downstream error naming the setting.
func LoadSettings(src backend.DataSourceInstanceSettings) (Settings, error) {
	var s Settings
	if len(src.JSONData) > 0 {
		if err := json.Unmarshal(src.JSONData, &s); err != nil {
			return s, backend.DownstreamError(fmt.Errorf("datasource settings are not valid JSON: %w", err))
		}
	}
	s.Secrets.ClickHousePassword = src.DecryptedSecureJSONData["clickhousePassword"]
	if s.QueryTimeout == 0 {
		s.QueryTimeout = DefaultQueryTimeout
	}
	if s.IngestMaxBytes == 0 {
		s.IngestMaxBytes = DefaultIngestMaxBytes
	}
	if s.IngestQueue == 0 {
		s.IngestQueue = DefaultIngestQueue
	}
	if err := s.validate(); err != nil {
		return s, backend.DownstreamError(err)
	}
	return s, nil
}

func (s Settings) validate() error {
	switch {
	case s.QueryTimeout < 0 || s.QueryTimeout > 3600:
		return fmt.Errorf("setting queryTimeout: %d seconds is outside 1…3600", s.QueryTimeout)
	case s.MaxGroups < 0:
		return fmt.Errorf("setting maxGroups: must not be negative")
	case s.MaxSampleSize < 0:
		return fmt.Errorf("setting maxSampleSize: must not be negative")
	case s.MaxBuckets < 0:
		return fmt.Errorf("setting maxBuckets: must not be negative")
	case s.MaxPoints < 0:
		return fmt.Errorf("setting maxPoints: must not be negative")
	case s.MaxResponseBytes < 0:
		return fmt.Errorf("setting maxResponseBytes: must not be negative")
	case s.IngestMaxBytes < 0:
		return fmt.Errorf("setting ingestMaxBytes: must not be negative")
	case s.IngestQueue < 0 || s.IngestQueue > 1000:
		return fmt.Errorf("setting ingestQueue: %d is outside 1…1000", s.IngestQueue)
	case s.Threads < 0:
		return fmt.Errorf("setting threads: must not be negative")
	}
	return nil
}
