// Package compose checks docker-compose.yml the way `docker compose config`
// would resolve it, without a Docker engine: the Grafana service's image,
// user, mounts and environment, and that the provisioning files find the
// variables they interpolate.
package compose

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const root = "../.."

type service struct {
	Image       string            `yaml:"image"`
	User        string            `yaml:"user"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Profiles    []string          `yaml:"profiles"`
}

type composeFile struct {
	Services map[string]service `yaml:"services"`
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// interpolate resolves ${VAR}, ${VAR:-default}, ${VAR-default} and $VAR as
// Compose does, from env; an unterminated ${ is an error.
func interpolate(s string, env map[string]string) (string, error) {
	if strings.Count(s, "${") != strings.Count(s, "}") {
		return "", fmt.Errorf("unterminated variable in %q", s)
	}
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		g := varRef.FindStringSubmatch(m)
		name, def := g[1], g[2]
		if name == "" {
			name = g[3]
		}
		if v, ok := env[name]; ok && v != "" {
			return v
		}
		return def
	}), nil
}

type mount struct {
	source, target string
	readOnly       bool
}

func parseMount(v string) (mount, error) {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return mount{}, fmt.Errorf("volume %q is not SOURCE:TARGET[:MODE]", v)
	}
	m := mount{source: parts[0], target: parts[1]}
	if len(parts) == 3 {
		m.readOnly = slices.Contains(strings.Split(parts[2], ","), "ro")
	}
	return m, nil
}

// nestedPluginIDs are the ids of the app and of every plugin.json below src/.
func pluginIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	err := filepath.WalkDir(filepath.Join(root, "src"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "plugin.json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var meta struct {
			ID string `yaml:"id"`
		}
		if err := yaml.Unmarshal(b, &meta); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		ids = append(ids, meta.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// checkGrafana returns what is wrong with the Grafana service, resolved with env.
func checkGrafana(svc service, env map[string]string, ids []string) []string {
	var problems []string
	if !strings.HasPrefix(svc.Image, "grafana/grafana:13.2.3") {
		problems = append(problems, fmt.Sprintf("image %q is not Grafana 13.2.3", svc.Image))
	}
	user, err := interpolate(svc.User, env)
	if err != nil {
		problems = append(problems, "user: "+err.Error())
	}
	if svc.User == "" || !strings.Contains(svc.User, "VIGIL_UID") {
		problems = append(problems, "user is not set from VIGIL_UID: the data folder's owner cannot run Grafana")
	}
	want := env["VIGIL_UID"]
	if want == "" {
		want = "472"
	}
	if uid, _, _ := strings.Cut(user, ":"); uid != want {
		problems = append(problems, fmt.Sprintf("user resolves to %q, want uid %s", user, want))
	}
	mounts := map[string]mount{}
	for _, v := range svc.Volumes {
		resolved, err := interpolate(v, env)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		m, err := parseMount(resolved)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		mounts[m.target] = m
	}
	if m, ok := mounts["/var/lib/grafana/plugins/vigil-mlobs-app"]; !ok || m.source != "./dist" || !m.readOnly {
		problems = append(problems, "dist/ is not mounted read-only as /var/lib/grafana/plugins/vigil-mlobs-app")
	}
	if m, ok := mounts["/etc/grafana/provisioning"]; !ok || m.source != "./provisioning" {
		problems = append(problems, "provisioning/ is not mounted at /etc/grafana/provisioning")
	}
	vars := map[string]string{}
	for k, v := range svc.Environment {
		resolved, err := interpolate(v, env)
		if err != nil {
			problems = append(problems, fmt.Sprintf("environment %s: %v", k, err))
		}
		vars[k] = resolved
	}
	db := vars["VIGIL_DB"]
	data, ok := mounts[path.Dir(db)]
	switch {
	case db == "":
		problems = append(problems, "VIGIL_DB is not set")
	case !ok:
		problems = append(problems, fmt.Sprintf("the folder of VIGIL_DB %s is not a mount: the WAL beside the file would be lost or unwritable", db))
	case data.readOnly:
		problems = append(problems, fmt.Sprintf("the folder of VIGIL_DB %s is mounted read-only", db))
	}
	if d := vars["VIGIL_DASHBOARDS"]; !strings.HasPrefix(d, "/var/lib/grafana/plugins/vigil-mlobs-app/") {
		problems = append(problems, fmt.Sprintf("VIGIL_DASHBOARDS %q is not inside the mounted app", d))
	}
	allowed := strings.Split(vars["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"], ",")
	for _, id := range ids {
		if !slices.Contains(allowed, id) {
			problems = append(problems, fmt.Sprintf("unsigned plugin %s is not allowed to load", id))
		}
	}
	return problems
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

func TestGrafanaService(t *testing.T) {
	c := readCompose(t)
	svc, ok := c.Services["grafana"]
	if !ok {
		t.Fatal("docker-compose.yml has no grafana service")
	}
	if len(svc.Profiles) > 0 {
		t.Errorf("the grafana service is in profiles %v: docker compose up would not start it", svc.Profiles)
	}
	ids := pluginIDs(t)
	if len(ids) < 4 {
		t.Fatalf("found plugin ids %v, want the app and its nested plugins", ids)
	}
	for _, env := range []map[string]string{
		{},
		{"VIGIL_UID": "1000", "VIGIL_GID": "1000", "VIGIL_DATA_DIR": "/home/me/vigil/.demo"},
	} {
		if problems := checkGrafana(svc, env, ids); len(problems) > 0 {
			t.Errorf("with %v:\n%s", env, strings.Join(problems, "\n"))
		}
	}
}

func TestCheckFindsBrokenServices(t *testing.T) {
	svc := readCompose(t).Services["grafana"]
	ids := pluginIDs(t)
	tests := []struct {
		name   string
		change func(s *service)
		want   string
	}{
		{"no user", func(s *service) { s.User = "" }, "user is not set from VIGIL_UID"},
		{"unterminated variable", func(s *service) { s.User = "${VIGIL_UID:-472" }, "unterminated variable"},
		{"data folder read-only", func(s *service) {
			s.Volumes = slices.Clone(s.Volumes)
			for i, v := range s.Volumes {
				if strings.HasSuffix(v, ":/var/lib/vigil") {
					s.Volumes[i] = v + ":ro"
				}
			}
		}, "mounted read-only"},
		{"database outside the mount", func(s *service) {
			s.Environment = map[string]string{}
			for k, v := range svc.Environment {
				s.Environment[k] = v
			}
			s.Environment["VIGIL_DB"] = "/tmp/demo.duckdb"
		}, "is not a mount"},
		{"a nested plugin not allowed", func(s *service) {
			s.Environment = map[string]string{}
			for k, v := range svc.Environment {
				s.Environment[k] = v
			}
			s.Environment["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"] = "vigil-mlobs-app"
		}, "unsigned plugin vigil-mlobs-datasource"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := svc
			tc.change(&s)
			problems := strings.Join(checkGrafana(s, map[string]string{}, ids), "\n")
			if !strings.Contains(problems, tc.want) {
				t.Errorf("problems %q do not say %q", problems, tc.want)
			}
		})
	}
}

// Grafana interpolates $VAR and ${VAR} in provisioning files from its
// environment: every variable they use must be set on the service.
func TestProvisioningFindsItsVariables(t *testing.T) {
	svc := readCompose(t).Services["grafana"]
	files, err := filepath.Glob(filepath.Join(root, "provisioning", "*", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no provisioning files: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			// Alert templates ({{ $labels.x }}) are Grafana's own, not the environment's.
			line = goTemplate.ReplaceAllString(line, "")
			for _, g := range varRef.FindAllStringSubmatch(line, -1) {
				name := g[1] + g[3]
				if _, ok := svc.Environment[name]; !ok {
					t.Errorf("%s uses $%s, which the grafana service does not set", filepath.Base(f), name)
				}
			}
		}
	}
}

var goTemplate = regexp.MustCompile(`\{\{.*?\}\}`)

func TestDemoScriptRunsGrafanaAsTheDataOwner(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "scripts", "demo.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`VIGIL_UID=\$\(id -u\).*docker compose up`).Match(b) {
		t.Error("scripts/demo.sh does not pass VIGIL_UID=$(id -u) to docker compose up")
	}
}

func TestInterpolate(t *testing.T) {
	env := map[string]string{"A": "1", "EMPTY": ""}
	for in, want := range map[string]string{
		"${A}":         "1",
		"${B:-x}":      "x",
		"${EMPTY:-y}":  "y",
		"$A/b":         "1/b",
		"${A:-2}:${C}": "1:",
	} {
		got, err := interpolate(in, env)
		if err != nil || got != want {
			t.Errorf("interpolate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := interpolate("${A", env); err == nil {
		t.Error("an unterminated variable is not an error")
	}
}
