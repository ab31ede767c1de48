package graft

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Resolving settings level by level, as runtime/python/graftcode_runtime/config.py does.

const configFile = "graftcode.toml"

type lookupEnv func(string) (string, bool)

type level struct {
	name string
	s    Settings
}

func configError(format string, args ...any) *Error {
	return &Error{Code: InvalidArgument, Message: sprintf(format, args...)}
}

func resolve(module string, code, baked Settings, env lookupEnv) (Resolved, error) {
	prefix := EnvPrefix(module)
	mine, err := envLevel(env, prefix)
	if err != nil {
		return Resolved{}, err
	}
	global, err := envLevel(env, "GRAFT_")
	if err != nil {
		return Resolved{}, err
	}
	files, err := fileLevels(module, env)
	if err != nil {
		return Resolved{}, err
	}
	levels := append([]level{{"code", code}, {"$" + prefix + "*", mine}, {"$GRAFT_*", global}}, files...)
	levels = append(levels, level{"default", baked})
	r := Resolved{Module: module, Sources: map[string]string{}}
	f := &r.Settings
	for _, l := range levels {
		s := l.s
		take := func(key string, unset, set bool, apply func()) {
			if unset && set {
				apply()
				r.Sources[key] = l.name
			}
		}
		take("url", f.URL == "", s.URL != "", func() { f.URL = s.URL })
		take("transport", f.Transport == "", s.Transport != "", func() { f.Transport = s.Transport })
		take("timeout", f.Timeout == 0, s.Timeout != 0, func() { f.Timeout = s.Timeout })
		take("connect_timeout", f.ConnectTimeout == 0, s.ConnectTimeout != 0, func() { f.ConnectTimeout = s.ConnectTimeout })
		take("metadata", f.Metadata == nil, s.Metadata != nil, func() { f.Metadata = s.Metadata })
		take("tls", f.TLS == nil, s.TLS != nil, func() { f.TLS = s.TLS })
		// token and token_file are one setting: a level that gives either replaces both
		take("token", f.Token == "" && f.TokenFile == "", s.Token != "" || s.TokenFile != "", func() {
			f.Token, f.TokenFile = s.Token, s.TokenFile
		})
	}
	url, err := effectiveURL(module, prefix, f.URL, f.Transport)
	if err != nil {
		return Resolved{}, err
	}
	f.URL = url
	return r, nil
}

func effectiveURL(module, prefix, url, transport string) (string, error) {
	if transport == "inmemory" || strings.HasPrefix(url, "inmemory") {
		return "", configError("module %q: the in-memory transport is Python-only; give a tcp://, tls://, ws:// or wss:// URL", module)
	}
	if url == "" {
		return "", configError("no gateway URL for module %q: set %sURL, the URL in code, or [modules.%s] url in %s", module, prefix, module, configFile)
	}
	if !strings.Contains(url, "://") {
		if transport == "" {
			transport = "tcp"
		}
		return transport + "://" + url, nil
	}
	scheme := strings.ToLower(url[:strings.Index(url, "://")])
	if scheme == "tcp+tls" {
		scheme = "tls"
	}
	if transport != "" && scheme != transport {
		return "", configError("module %q: transport %q contradicts the URL %q", module, transport, redactURL(url))
	}
	return url, nil
}

// raw is one setting as read from the environment or a file, before checking.
func coerce(s *Settings, key string, value any, where, base string) error {
	str, isStr := value.(string)
	switch key {
	case "url", "transport", "token", "token_file":
		if !isStr || str == "" {
			return configError("%s: %s must be a non-empty string", where, key)
		}
		switch key {
		case "url":
			s.URL = str
		case "transport":
			if !strings.Contains(" tcp tls ws wss inmemory ", " "+str+" ") {
				return configError("%s: transport must be one of tcp, tls, ws, wss", where)
			}
			s.Transport = str
		case "token":
			s.Token = str
		default:
			s.TokenFile = relativeTo(base, str)
		}
	case "timeout", "connect_timeout":
		var secs float64
		switch x := value.(type) {
		case int64:
			secs = float64(x)
		case float64:
			secs = x
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return configError("%s: %s must be a number of seconds", where, key)
			}
			secs = f
		default:
			return configError("%s: %s must be a positive number of seconds", where, key)
		}
		if !(secs > 0) || secs > maxTimeout.Seconds() {
			return configError("%s: %s must be a positive number of seconds", where, key)
		}
		d := time.Duration(secs * float64(time.Second))
		if key == "timeout" {
			s.Timeout = d
		} else {
			s.ConnectTimeout = d
		}
	case "metadata":
		m, err := metadataValue(value, where)
		if err != nil {
			return err
		}
		s.Metadata = m
	case "tls":
		t, ok := value.(map[string]any)
		if !ok {
			return configError("%s: tls must be a table of ca_file/cert_file/key_file/verify/server_hostname", where)
		}
		tl, err := tlsValue(t, where, base)
		if err != nil {
			return err
		}
		s.TLS = tl
	case "interceptors", "inmemory_module":
		// Python-only settings: a config file shared with Python clients may hold them
	default:
		return configError("%s: unknown setting %q (known: url, transport, timeout, connect_timeout, metadata, tls, token, token_file)", where, key)
	}
	return nil
}

func relativeTo(base, path string) string {
	if base == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(base, path)
}

func metadataValue(value any, where string) (map[string]string, error) {
	out := map[string]string{}
	switch x := value.(type) {
	case string:
		for _, part := range strings.Split(x, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			k, v, ok := strings.Cut(part, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return nil, configError("%s: metadata entries are key=value, got %q", where, part)
			}
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	case map[string]any:
		for k, v := range x {
			s, ok := v.(string)
			if !ok {
				return nil, configError("%s: metadata must map strings to strings", where)
			}
			out[k] = s
		}
	default:
		return nil, configError("%s: metadata must map strings to strings", where)
	}
	return out, nil
}

func tlsValue(t map[string]any, where, base string) (*TLSSettings, error) {
	out := &TLSSettings{}
	for k, v := range t {
		s, isStr := v.(string)
		switch k {
		case "ca_file", "cert_file", "key_file", "server_hostname":
			if !isStr {
				return nil, configError("%s: tls.%s must be a string", where, k)
			}
			switch k {
			case "ca_file":
				out.CAFile = relativeTo(base, s)
			case "cert_file":
				out.CertFile = relativeTo(base, s)
			case "key_file":
				out.KeyFile = relativeTo(base, s)
			default:
				out.ServerName = s
			}
		case "verify":
			switch x := v.(type) {
			case bool:
				out.SkipVerify = !x
			case string:
				out.SkipVerify = strings.Contains(" 0 false no off ", " "+strings.ToLower(strings.TrimSpace(x))+" ")
			default:
				return nil, configError("%s: tls.verify must be true or false", where)
			}
		default:
			return nil, configError("%s: unknown tls setting %q", where, k)
		}
	}
	return out, nil
}

var envKeys = [][2]string{
	{"URL", "url"}, {"TRANSPORT", "transport"}, {"TIMEOUT", "timeout"},
	{"CONNECT_TIMEOUT", "connect_timeout"}, {"METADATA", "metadata"}, {"TOKEN", "token"},
	{"TOKEN_FILE", "token_file"},
}

var envTLS = [][2]string{{"TLS_CA", "ca_file"}, {"TLS_CERT", "cert_file"}, {"TLS_KEY", "key_file"}, {"TLS_VERIFY", "verify"}}

// envLevel reads one prefix's variables; each value is checked under its own variable's name.
func envLevel(env lookupEnv, prefix string) (Settings, error) {
	var s Settings
	for _, kv := range envKeys {
		if prefix == "GRAFT_" && kv[1] == "url" {
			continue // a URL is always per module: one global URL would send every graft there
		}
		if v, ok := env(prefix + kv[0]); ok && v != "" {
			if err := coerce(&s, kv[1], v, "$"+prefix+kv[0], ""); err != nil {
				return s, err
			}
		}
	}
	t := map[string]any{}
	for _, kv := range envTLS {
		if v, ok := env(prefix + kv[0]); ok && v != "" {
			t[kv[1]] = v
		}
	}
	if len(t) > 0 {
		if err := coerce(&s, "tls", t, "$"+prefix+"TLS_*", ""); err != nil {
			return s, err
		}
	}
	return s, nil
}

// fileLevels are the config file's [modules.<module>] and [defaults] levels.
func fileLevels(module string, env lookupEnv) ([]level, error) {
	path, named := env("GRAFT_CONFIG")
	if !named || path == "" {
		path = configFile
		if _, err := os.Stat(path); err != nil {
			return nil, nil
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, configError("cannot read config file %s: %v", path, err)
	}
	doc, err := parseTOML(string(data))
	if err != nil {
		return nil, configError("%s: not valid TOML: %v", path, err)
	}
	modules, ok1 := tableOr(doc["modules"])
	defaults, ok2 := tableOr(doc["defaults"])
	if !ok1 || !ok2 {
		return nil, configError("%s: [modules.<name>] and [defaults] must be tables", path)
	}
	mine, ok := tableOr(modules[module])
	if !ok {
		return nil, configError("%s: [modules.%s] must be a table", path, module)
	}
	if _, ok := defaults["url"]; ok {
		return nil, configError("%s: url belongs in [modules.<name>], not [defaults]", path)
	}
	base := filepath.Dir(path)
	var out []level
	for _, t := range []struct {
		name  string
		table map[string]any
	}{{sprintf("%s [modules.%s]", path, module), mine}, {path + " [defaults]", defaults}} {
		var s Settings
		for k, v := range t.table {
			if err := coerce(&s, k, v, t.name, base); err != nil {
				return nil, err
			}
		}
		out = append(out, level{t.name, s})
	}
	return out, nil
}

func tableOr(v any) (map[string]any, bool) {
	if v == nil {
		return map[string]any{}, true
	}
	t, ok := v.(map[string]any)
	return t, ok
}

func (r Resolved) options() (Options, error) {
	o := Options{
		Module: r.Module, Timeout: r.Timeout, ConnectTimeout: r.ConnectTimeout,
		Metadata: r.Metadata, Token: r.Token,
	}
	if o.Token == "" && r.TokenFile != "" {
		data, err := os.ReadFile(r.TokenFile)
		if err != nil {
			return o, configError("cannot read the token file %s: %v", r.TokenFile, errText(err))
		}
		o.Token = strings.TrimSpace(string(data))
	}
	if r.TLS != nil {
		cfg, err := r.TLS.Config()
		if err != nil {
			return o, err
		}
		o.TLS = cfg
	}
	return o, nil
}

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// Config is the crypto/tls configuration these settings describe.
func (t *TLSSettings) Config() (*tls.Config, error) {
	cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.SkipVerify, MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, configError("cannot read the TLS CA file %s: %v", t.CAFile, errText(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, configError("the TLS CA file %s holds no PEM certificate", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" {
		key := t.KeyFile
		if key == "" {
			key = t.CertFile
		}
		cert, err := tls.LoadX509KeyPair(t.CertFile, key)
		if err != nil {
			return nil, configError("cannot load the TLS client certificate %s: %v", t.CertFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
