//go:build mage

package main

import (
	"github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/magefile/mage/mg"
)

func init() {
	// DuckDB is a C++ library linked through cgo, so the backend is built with
	// cgo on, for the platforms whose C toolchain is at hand (linux/amd64 here).
	_ = build.SetBeforeBuildCallback(func(cfg build.Config) (build.Config, error) {
		cfg.EnableCGo = true
		return cfg, nil
	})
}

// Backend builds the datasource's backend for linux/amd64 into dist/datasource.
func Backend() {
	mg.Deps(build.Build.Linux)
}

// Default is what `mage` with no target builds.
var Default = Backend
