package graft

import (
	"os"
	"time"
)

// Settings are a module's client settings at one level. A zero field means "not set at this
// level", so a lower level may supply it (docs/go-client.md, "Configuration").
type Settings struct {
	URL            string // tcp://, tls://, tcp+tls://, ws://, wss://; host:port gets Transport's scheme
	Transport      string // "tcp", "tls", "ws" or "wss" ("" follows the URL)
	Timeout        time.Duration
	ConnectTimeout time.Duration
	Metadata       map[string]string
	Token          string // HELLO auth token; Token and TokenFile are one setting (see Resolve)
	TokenFile      string // a file whose content (trimmed) is the token
	TLS            *TLSSettings
}

// TLSSettings configure tls:// and wss://. They are one setting: a level that sets TLS sets
// all of it.
type TLSSettings struct {
	CAFile     string // PEM roots to trust instead of the system's
	CertFile   string // client certificate (PEM), with KeyFile
	KeyFile    string
	SkipVerify bool   // accept any certificate (tests only: it disables authentication)
	ServerName string // the name to verify instead of the URL's host
}

// Resolved are a module's final settings, and where each came from.
type Resolved struct {
	Module string
	Settings
	// Sources maps each setting that was set ("url", "timeout", ...) to the level that set
	// it: "code", "$GRAFT_SHOP_*", "$GRAFT_*", "<file> [modules.shop]", "<file> [defaults]" or
	// "default". No value appears there.
	Sources map[string]string
}

// Resolve gives module's settings from four levels, the first level that sets a key winning
// key by key: code (the generated package's Configure/Connect arguments), then the
// environment (GRAFT_<MODULE>_URL, _TIMEOUT, _CONNECT_TIMEOUT, _METADATA, _TOKEN,
// _TOKEN_FILE, _TRANSPORT, _TLS_CA, _TLS_CERT, _TLS_KEY, _TLS_VERIFY, then the same GRAFT_*
// variables without the module, except URL), then the config file ($GRAFT_CONFIG, else
// ./graftcode.toml: [modules.<module>], then [defaults]), then baked (the default the package
// was generated with). The same rules as runtime/python/graftcode_runtime/config.py.
func Resolve(module string, code, baked Settings) (Resolved, error) {
	return resolve(module, code, baked, os.LookupEnv)
}

// EnvPrefix is the prefix of module's variables: "GRAFT_SHOP_" for "shop", "GRAFT_MY_MOD_"
// for "my.mod".
func EnvPrefix(module string) string {
	b := []byte("GRAFT_")
	for _, r := range module {
		switch {
		case r >= 'a' && r <= 'z':
			b = append(b, byte(r-'a'+'A'))
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b = append(b, byte(r))
		default:
			b = append(b, '_')
		}
	}
	return string(append(b, '_'))
}

// Options are the Dial options these settings give (reading the token file and the TLS
// files).
func (r Resolved) Options() (Options, error) {
	return r.options()
}
