package graft

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(vars map[string]string) lookupEnv {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "graftcode.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const sampleConfig = `
# shared by every graft
[defaults]
timeout = 7
connect_timeout = 3.5
metadata = { x-app = "demo" }
interceptors = ["pkg.mod:Python"]  # Python-only: ignored here

[modules.shop]
url = "shop.internal:7470"   # no scheme: the transport's, else tcp
transport = "tls"
token_file = "secrets/shop.token"
tls = { ca_file = "ca.pem", verify = true, server_hostname = "shop" }

[modules."my.mod"]
url = 'ws://127.0.0.1:1/x'
[modules."my.mod".tls]
verify = false
`

func TestPrecedenceKeyByKey(t *testing.T) {
	path := writeConfig(t, sampleConfig)
	env := map[string]string{"GRAFT_CONFIG": path}
	r, err := resolve("shop", Settings{}, Settings{URL: "tcp://baked:1", Timeout: time.Second}, envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	if r.URL != "tls://shop.internal:7470" || r.Timeout != 7*time.Second || r.ConnectTimeout != 3500*time.Millisecond {
		t.Fatalf("from the file: %+v", r)
	}
	if r.TokenFile != filepath.Join(dir, "secrets/shop.token") || r.TLS.CAFile != filepath.Join(dir, "ca.pem") || r.TLS.ServerName != "shop" || r.TLS.SkipVerify {
		t.Fatalf("paths are relative to the file: %+v %+v", r.Settings, r.TLS)
	}
	if r.Metadata["x-app"] != "demo" || r.Sources["url"] != path+" [modules.shop]" || r.Sources["timeout"] != path+" [defaults]" {
		t.Fatalf("sources: %v", r.Sources)
	}
	env["GRAFT_TIMEOUT"] = "2.5"
	env["GRAFT_SHOP_TIMEOUT"] = "4"
	env["GRAFT_URL"] = "tcp://everyone:1" // never: a URL is per module
	env["GRAFT_SHOP_TOKEN"] = "from-env"
	env["GRAFT_METADATA"] = "x-app=env, x-b = 2"
	r, err = resolve("shop", Settings{Timeout: time.Minute}, Settings{}, envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	if r.Timeout != time.Minute || r.Sources["timeout"] != "code" {
		t.Fatalf("code wins: %+v", r.Sources)
	}
	if r.URL != "tls://shop.internal:7470" || r.Metadata["x-b"] != "2" || r.Metadata["x-app"] != "env" {
		t.Fatalf("env over file: %+v", r.Settings)
	}
	if r.Token != "from-env" || r.TokenFile != "" || r.Sources["token"] != "$GRAFT_SHOP_*" {
		t.Fatalf("token and token_file are one setting: %+v", r.Settings)
	}
	r, _ = resolve("shop", Settings{}, Settings{}, envOf(env))
	if r.Timeout != 4*time.Second {
		t.Fatalf("module variable over global: %v", r.Timeout)
	}
	m, err := resolve("my.mod", Settings{}, Settings{}, envOf(map[string]string{"GRAFT_CONFIG": path, "GRAFT_MY_MOD_TLS_CA": "/ca.pem"}))
	if err != nil || m.URL != "ws://127.0.0.1:1/x" || m.TLS.CAFile != "/ca.pem" || m.TLS.SkipVerify {
		t.Fatalf("TLS is one setting, from the first level that sets it: %+v %+v %v", m.Settings, m.TLS, err)
	}
}

func TestTheConfigFileInTheWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, configFile), []byte("[modules.calc]\nurl = \"ws://h:1/\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(old)
	r, err := resolve("calc", Settings{}, Settings{URL: "tcp://baked:1"}, envOf(nil))
	if err != nil || r.URL != "ws://h:1/" {
		t.Fatalf("./graftcode.toml: %+v %v", r, err)
	}
	if _, err := resolve("calc", Settings{}, Settings{}, envOf(map[string]string{"GRAFT_CONFIG": filepath.Join(dir, "missing.toml")})); err == nil {
		t.Fatal("a named config file that is missing is an error")
	}
}

func TestConfigurationErrors(t *testing.T) {
	cases := map[string]struct {
		file string
		env  map[string]string
		code Settings
		want string
	}{
		"no url":             {want: "GRAFT_SHOP_URL"},
		"url in defaults":    {file: "[defaults]\nurl = \"tcp://x:1\"\n", want: "url belongs in [modules.<name>]"},
		"unknown key":        {file: "[modules.shop]\ncolour = \"red\"\n", want: "unknown setting \"colour\""},
		"bad toml":           {file: "[modules.shop]\nurl = \"x\n", want: "line 2"},
		"date value":         {file: "[defaults]\ntimeout = 1979-05-27\n", want: "line 2"},
		"bad timeout":        {env: map[string]string{"GRAFT_SHOP_TIMEOUT": "soon"}, want: "$GRAFT_SHOP_TIMEOUT"},
		"zero timeout":       {env: map[string]string{"GRAFT_TIMEOUT": "0"}, want: "$GRAFT_TIMEOUT"},
		"bad transport":      {env: map[string]string{"GRAFT_SHOP_TRANSPORT": "carrier-pigeon"}, want: "transport"},
		"contradiction":      {code: Settings{URL: "ws://h:1", Transport: "tcp"}, want: "contradicts"},
		"inmemory":           {code: Settings{URL: "inmemory:shop"}, want: "Python-only"},
		"metadata pairs":     {env: map[string]string{"GRAFT_METADATA": "novalue"}, want: "key=value"},
		"tls table":          {file: "[modules.shop]\ntls = \"yes\"\n", want: "tls must be a table"},
		"modules not table":  {file: "modules = 3\n", want: "must be tables"},
		"duplicate key":      {file: "[defaults]\ntimeout = 1\ntimeout = 2\n", want: "defined twice"},
		"duplicate table":    {file: "[defaults]\n[defaults]\n", want: "defined twice"},
		"multi-line string":  {file: "[defaults]\nmetadata = \"\"\"a\"\"\"\n", want: "multi-line"},
		"array of tables":    {file: "[[modules]]\n", want: "arrays of tables"},
		"junk after a value": {file: "[defaults]\ntimeout = 1 2\n", want: "line 2"},
	}
	for name, tc := range cases {
		env := map[string]string{}
		for k, v := range tc.env {
			env[k] = v
		}
		if tc.file != "" {
			env["GRAFT_CONFIG"] = writeConfig(t, tc.file)
		} else if tc.code.URL == "" && tc.want != "GRAFT_SHOP_URL" {
			tc.code.URL = "tcp://h:1"
		}
		_, err := resolve("shop", tc.code, Settings{}, envOf(env))
		if err == nil || !strings.Contains(err.Error(), tc.want) || CodeOf(err) != InvalidArgument {
			t.Errorf("%s: %v (want %q)", name, err, tc.want)
		}
	}
}

func TestTOMLValues(t *testing.T) {
	doc, err := parseTOML("a = \"t\\u00e9\\n\\\"q\\\"\"\nb = 'C:\\raw'\nc = [1, 2.5, true,\n  \"x\", ]\nd.e = { f = 1_000, g = {} }\n\"quoted key\" = -3 # comment\n")
	if err != nil {
		t.Fatal(err)
	}
	d := doc["d"].(map[string]any)["e"].(map[string]any)
	if doc["a"] != "té\n\"q\"" || doc["b"] != `C:\raw` || len(doc["c"].([]any)) != 4 || d["f"] != int64(1000) || doc["quoted key"] != int64(-3) {
		t.Fatalf("parsed: %#v", doc)
	}
}

func TestTokensStayOutOfErrors(t *testing.T) {
	env := envOf(map[string]string{"GRAFT_SHOP_TOKEN": "s3cret-token", "GRAFT_SHOP_URL": "tcp://user:s3cret-pass@h"})
	r, err := resolve("shop", Settings{}, Settings{}, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseURL(r.URL); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("a URL error shows credentials: %v", err)
	}
	_, err = resolve("shop", Settings{Transport: "ws"}, Settings{}, env)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("a config error shows credentials: %v", err)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("  from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := Resolved{Settings: Settings{TokenFile: tokenFile}}.Options()
	if err != nil || o.Token != "from-file" {
		t.Fatalf("token file: %q %v", o.Token, err)
	}
	if _, err := (Resolved{Settings: Settings{TokenFile: tokenFile + ".missing"}}).Options(); err == nil {
		t.Fatal("a missing token file")
	}
}

func TestTLSSettings(t *testing.T) {
	s, err := envLevel(envOf(map[string]string{"GRAFT_X_TLS_VERIFY": "off", "GRAFT_X_TLS_CERT": "c.pem"}), "GRAFT_X_")
	if err != nil || !s.TLS.SkipVerify || s.TLS.CertFile != "c.pem" {
		t.Fatalf("TLS variables: %+v %v", s.TLS, err)
	}
	cfg, err := (&TLSSettings{ServerName: "gw", SkipVerify: true}).Config()
	if err != nil || cfg.ServerName != "gw" || !cfg.InsecureSkipVerify {
		t.Fatalf("tls.Config: %v", err)
	}
	if _, err := (&TLSSettings{CAFile: "/nonexistent/ca.pem"}).Config(); err == nil {
		t.Fatal("a missing CA file")
	}
	if EnvPrefix("my.mod") != "GRAFT_MY_MOD_" || EnvPrefix("Shop-2") != "GRAFT_SHOP_2_" {
		t.Fatal("EnvPrefix")
	}
}
