package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/slotcache/slotcache/node"
)

var errHelp = errors.New("help requested")

// loadConfig builds a viper instance from flags, SLOTCACHE_* environment
// variables and an optional YAML file (--config), in that order of priority.
func loadConfig(fs *pflag.FlagSet, args []string, stderr io.Writer) (*viper.Viper, error) {
	fs.String("config", "", "YAML configuration file (keys as in redis.conf)")
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, errHelp
		}
		return nil, err
	}
	v := viper.New()
	v.SetEnvPrefix("SLOTCACHE")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	if err := v.BindPFlags(fs); err != nil {
		return nil, err
	}
	if f := v.GetString("config"); f != "" {
		v.SetConfigFile(f)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
	}
	return v, nil
}

// addNodeFlags declares one flag per node parameter, named as in redis.conf.
func addNodeFlags(fs *pflag.FlagSet) {
	def := node.DefaultConfig()
	for _, name := range node.ParamNames() {
		val, _ := def.Get(name)
		fs.String(name, val, "redis.conf '"+name+"'")
	}
}

// nodeConfig fills a node.Config from v; every parameter goes through
// node.Config.Set so that the file, flags, env and CONFIG SET agree.
func nodeConfig(v *viper.Viper) (node.Config, error) {
	cfg := node.DefaultConfig()
	for _, name := range node.ParamNames() {
		if !v.IsSet(name) {
			continue
		}
		val := v.GetString(name)
		if name == "bind" {
			// a YAML list or a space-separated string, as in redis.conf
			if list := v.GetStringSlice(name); len(list) > 0 {
				val = strings.Join(list, " ")
			}
		}
		if err := cfg.Set(name, val); err != nil {
			return cfg, err
		}
	}
	cfg.ConfigFile = v.GetString("config")
	return cfg, cfg.Validate()
}
