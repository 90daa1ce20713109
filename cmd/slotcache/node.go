package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/slotcache/slotcache/node"
)

// runNode runs one storage node until ctx is cancelled or SHUTDOWN.
func runNode(ctx context.Context, args []string, stderr io.Writer) error {
	fs := pflag.NewFlagSet("node", pflag.ContinueOnError)
	addNodeFlags(fs)
	addClusterFlags(fs)
	fs.String("loglevel", "info", "log level: debug, info, warn, error")
	v, err := loadConfig(fs, args, stderr)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (a flag's value goes after '=' for --cluster-enabled)", fs.Arg(0))
	}
	cfg, err := nodeConfig(v)
	if err != nil {
		return err
	}
	cc, err := clusterConfig(v, &cfg)
	if err != nil {
		return err
	}
	log := newLogger(stderr, v.GetString("loglevel"))
	srv, err := node.New(cfg, log)
	if err != nil {
		return err
	}
	lns, err := srv.Listen() // before joining: a busy port must not register
	if err != nil {
		return err
	}
	if cfg.ClusterEnabled {
		if err := srv.StartCluster(cc); err != nil {
			lns.Close()
			return err
		}
		defer srv.LeaveCluster(2 * time.Second)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv.OnShutdown(cancel)
	tuneGC(ctx)
	log.Info("node ready", "port", cfg.Port, "dir", cfg.Dir, "cluster", cfg.ClusterEnabled)
	return srv.ServeListeners(ctx, lns)
}
