package main

import (
	"context"
	"io"

	"github.com/spf13/pflag"

	"github.com/slotcache/slotcache/node"
)

// runNode runs one storage node until ctx is cancelled or SHUTDOWN.
func runNode(ctx context.Context, args []string, stderr io.Writer) error {
	fs := pflag.NewFlagSet("node", pflag.ContinueOnError)
	addNodeFlags(fs)
	fs.String("loglevel", "info", "log level: debug, info, warn, error")
	v, err := loadConfig(fs, args, stderr)
	if err != nil {
		return err
	}
	cfg, err := nodeConfig(v)
	if err != nil {
		return err
	}
	log := newLogger(stderr, v.GetString("loglevel"))
	srv, err := node.New(cfg, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv.OnShutdown(cancel)
	tuneGC(ctx)
	log.Info("node ready", "port", cfg.Port, "dir", cfg.Dir)
	return srv.ListenAndServe(ctx)
}
