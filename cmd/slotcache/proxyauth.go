package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/slotcache/slotcache/proxy"
)

// addProxyAccessFlags declares the proxy's client authentication, read
// policy, backend credentials and timeouts.
func addProxyAccessFlags(fs *pflag.FlagSet) {
	fs.String("requirepass", "", "password of the default user: clients must AUTH first (prefer SLOTCACHE_REQUIREPASS or the config file to a flag)")
	fs.StringSlice("user", nil, "client account name:password[:readonly], repeatable; in the config file, a 'users' list")
	fs.String("read-policy", "master", "where read-only commands go: master, prefer-replica or replica-only")
	fs.String("backend-user", "", "user the proxy authenticates as on the storage nodes (default: the nodes' default user)")
	fs.String("backend-password", "", "password the proxy authenticates with on the storage nodes (their requirepass)")
	fs.Duration("backend-dial-timeout", time.Second, "timeout of a connection attempt to a node")
	fs.Duration("backend-read-timeout", 5*time.Second, "longest wait for a node's reply before its connection is declared dead")
	fs.Duration("backend-write-timeout", 5*time.Second, "timeout of a write to a node")
	fs.Duration("idle-timeout", 0, "close client connections idle that long (0: never)")
}

// proxyAccessConfig fills the settings of addProxyAccessFlags into cfg.
func proxyAccessConfig(v *viper.Viper, cfg *proxy.Config) error {
	cfg.RequirePass = v.GetString("requirepass")
	users, err := proxyUsers(v)
	if err != nil {
		return err
	}
	cfg.Users = users
	if cfg.ReadPolicy, err = proxy.ParseReadPolicy(strings.ToLower(v.GetString("read-policy"))); err != nil {
		return err
	}
	cfg.Backend.Username = v.GetString("backend-user")
	cfg.Backend.Password = v.GetString("backend-password")
	if cfg.Backend.Username != "" && cfg.Backend.Password == "" {
		return fmt.Errorf("--backend-user needs --backend-password")
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{"backend-dial-timeout", &cfg.Backend.DialTimeout},
		{"backend-read-timeout", &cfg.Backend.ReadTimeout},
		{"backend-write-timeout", &cfg.Backend.WriteTimeout},
		{"idle-timeout", &cfg.IdleTimeout},
	} {
		val, err := time.ParseDuration(v.GetString(d.name))
		if err != nil || val < 0 {
			return fmt.Errorf("--%s %q: not a duration (like 500ms or 5s)", d.name, v.GetString(d.name))
		}
		*d.dst = val
	}
	return nil
}

// proxyUsers reads the --user flags (or SLOTCACHE_USER, comma-separated)
// and the config file's users list, whose entries are maps (name,
// password, readonly) or name:password[:readonly] strings.
func proxyUsers(v *viper.Viper) ([]proxy.User, error) {
	var users []proxy.User
	var specs []string
	switch raw := v.Get("user").(type) {
	case string: // from the environment
		specs = strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' })
	default:
		specs = v.GetStringSlice("user")
	}
	list, ok := v.Get("users").([]any)
	if v.Get("users") != nil && !ok {
		return nil, fmt.Errorf("users: a list is expected")
	}
	for _, e := range list {
		switch e := e.(type) {
		case string:
			specs = append(specs, e)
		case map[string]any:
			name, _ := e["name"].(string)
			u := proxy.User{Name: name, Password: fmt.Sprint(e["password"])}
			if e["password"] == nil {
				u.Password = ""
			}
			if ro, ok := e["readonly"]; ok {
				if u.ReadOnly, ok = ro.(bool); !ok {
					return nil, fmt.Errorf("users: %q: readonly must be true or false", u.Name)
				}
			}
			for k := range e {
				if k != "name" && k != "password" && k != "readonly" {
					return nil, fmt.Errorf("users: %q: unknown field %q", u.Name, k)
				}
			}
			users = append(users, u)
		default:
			return nil, fmt.Errorf("users: an entry is a map (name, password, readonly) or a name:password string")
		}
	}
	for _, s := range specs {
		u, err := parseUserSpec(s)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, nil
}

// parseUserSpec parses name:password[:readonly].
func parseUserSpec(s string) (proxy.User, error) {
	name, rest, ok := strings.Cut(s, ":")
	if !ok {
		return proxy.User{}, fmt.Errorf("--user %q: want name:password[:readonly]", name)
	}
	u := proxy.User{Name: name, Password: rest}
	if p, ok := strings.CutSuffix(rest, ":readonly"); ok {
		u.Password, u.ReadOnly = p, true
	}
	return u, nil
}
