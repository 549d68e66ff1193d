// Package promleak exports leakhound's live monitor to Prometheus: a
// prometheus.Collector that reads the monitor's last sample, so a scrape
// never captures goroutines, stops the world or runs a GC itself.
//
//	m := monitor.New(monitor.Config{})
//	if err := m.Start(ctx); err != nil { ... }
//	c, err := promleak.New(m)
//	if err != nil { ... }
//	prometheus.MustRegister(c)
//
// The metrics:
//
//	leakhound_goroutines{class,verdict}                  goroutines by class and verdict (leak, suspect, parked, ok)
//	leakhound_suspect_groups                             groups with verdict suspect
//	leakhound_leaked_goroutines                          goroutines the runtime proved leaked
//	leakhound_group_goroutines{class,blocked_at}         size of the top groups
//	leakhound_group_growth{class,blocked_at}             their growth since the monitor first saw them
//	leakhound_group_leaked_goroutines{class,blocked_at}  their proven leaks
//	leakhound_leak_proof                                 1 when the runtime's leak proof is in the samples
//	leakhound_samples_total                              samples taken (a counter)
//	leakhound_last_sample_timestamp_seconds              when the last sample started
//	leakhound_sample_duration_seconds                    how long it took
//	leakhound_sample_max_pause_seconds                   the longest stop-the-world pause while it ran
//
// All but leakhound_samples_total are gauges. The per-group metrics cover
// the top groups of a leak class only (TopGroups, 10 by default), so their
// cardinality is bounded whatever the service does. The rules in
// deploy/prometheus/alerts.yml and the dashboard in deploy/grafana use these
// names; docs/prometheus.md explains them.
//
// This is the only package of leakhound that imports client_golang: the
// monitor itself stays dependency-free.
package promleak
