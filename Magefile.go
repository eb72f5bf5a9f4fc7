//go:build mage

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/magefile/mage/sh"
)

// Backend builds the datasource's backend for linux/amd64 into dist/datasource.
//
// It follows the SDK's build target (executable named from plugin.json, the
// SDK's arrow_json_stdlib tag, stripped binary, build manifest), with two
// differences: cgo is on, since DuckDB is a C++ library linked through cgo
// (linux/amd64 is the platform whose C toolchain is at hand), and the
// duckdb_arrow tag is added, which the store needs to load batches through
// DuckDB's Arrow interface. The SDK's target sets -tags itself, which would
// override a tag given in GOFLAGS, so the command is spelled out here.
func Backend() error {
	raw, err := os.ReadFile(filepath.Join("src", "datasource", "plugin.json"))
	if err != nil {
		return err
	}
	var plugin struct {
		Executable string `json:"executable"`
	}
	if err := json.Unmarshal(raw, &plugin); err != nil || plugin.Executable == "" {
		return fmt.Errorf("src/datasource/plugin.json: no executable (%v)", err)
	}
	out := filepath.Join("dist", "datasource", plugin.Executable+"_linux_amd64")
	env := map[string]string{"CGO_ENABLED": "1", "GOOS": "linux", "GOARCH": "amd64"}
	if err := sh.RunWithV(env, "go", "build", "-o", out, "-tags", "arrow_json_stdlib,duckdb_arrow", "-ldflags", "-w -s", "./pkg"); err != nil {
		return err
	}
	return build.Build{}.GenerateManifestFile()
}

// Default is what `mage` with no target builds.
var Default = Backend
