package compose

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Grafana expands $NAME and ${NAME} from the environment in provisioned
// alert rule values (annotations and labels included) and reads $$ as a
// literal $. A template's {{ $labels.model }} written with one $ reaches the
// rule as {{ .model }}, so every $ that is not an environment reference must
// be doubled.
var loneDollar = regexp.MustCompile(`\$\$|\$`)

func TestProvisionedAlertTemplatesEscapeDollar(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "provisioning", "alerting", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no alerting provisioning files (%v)", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(raw), "\n") {
			if !strings.Contains(line, "{{") {
				continue
			}
			for _, m := range loneDollar.FindAllString(line, -1) {
				if m == "$" {
					t.Errorf("%s:%d: a single $ inside a template is expanded from the environment by Grafana; write $$: %s", filepath.Base(f), i+1, strings.TrimSpace(line))
					break
				}
			}
		}
	}
}
