#!/usr/bin/env bash
# capture.sh starts healthy open-source Go servers from Debian packages on
# loopback, captures their goroutine state in every form their pprof endpoint
# serves (debug=2, debug=1, debug=0), once fresh and once after light load,
# and writes the fixtures next to this script. Tests never run it; it needs
# the packages named in README.md and curl, and takes about three minutes.
#
# Besides the Debian packages, it builds one current server with Go 1.27
# (nats-server v2.15.3, through the Go module proxy) so that the fixtures
# hold Go 1.27's dump format as well as Go 1.19's.
#
# Usage: testdata/healthy/capture.sh [workdir]
set -euo pipefail

out=$(cd "$(dirname "$0")" && pwd)
work=${1:-$(mktemp -d /tmp/healthy-capture.XXXXXX)}
mkdir -p "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# Ports, all on 127.0.0.1.
PROM=29190 AM=29193 NODE=29100 PUSH=29191 BBOX=29115
ETCD=29379 ETCDPEER=29380 NATS=29422 NATSMON=29222 NATSPROF=29065
CADDYADMIN=29019 CADDYSITE=29080
NATS2=29423 NATS2MON=29223 NATS2PROF=29066

start() { # name cmd...: start a server, log to $work/name.log
	local name=$1; shift
	"$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
}

ready() { # url: wait up to 30 s for a 2xx answer
	for _ in $(seq 300); do
		curl -sf -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "not ready: $1" >&2
	return 1
}

capture() { # name pprofbase phase
	local dir=$out/$1 base=$2 phase=$3
	mkdir -p "$dir"
	curl -sf --max-time 20 -o "$dir/$phase.debug2.txt" "$base/debug/pprof/goroutine?debug=2"
	curl -sf --max-time 20 -o "$dir/$phase.debug1.txt" "$base/debug/pprof/goroutine?debug=1"
	curl -sf --max-time 20 -o "$dir/$phase.pb.gz" "$base/debug/pprof/goroutine?debug=0"
	# The runtime's leak profile, where the server's Go has it (1.27 on).
	if curl -sf --max-time 20 -o /dev/null "$base/debug/pprof/goroutineleak?debug=1"; then
		curl -sf --max-time 20 -o "$dir/$phase.leak2.txt" "$base/debug/pprof/goroutineleak?debug=2"
		curl -sf --max-time 20 -o "$dir/$phase.leak1.txt" "$base/debug/pprof/goroutineleak?debug=1"
		curl -sf --max-time 20 -o "$dir/$phase.leak.pb.gz" "$base/debug/pprof/goroutineleak?debug=0"
	fi
	for f in "$dir/$phase".*; do
		if [ "$(stat -c %s "$f")" -gt 1048576 ]; then
			echo "too big, dropped: $f" >&2
			rm -f "$f"
		fi
	done
}

# --- the Go 1.27 build ------------------------------------------------------
nats2=$work/bin/nats-server
if [ ! -x "$nats2" ]; then
	GOTOOLCHAIN=go1.27.3 GOBIN=$work/bin go install github.com/nats-io/nats-server/v2@v2.15.3
fi
go version "$nats2"

# --- configuration -------------------------------------------------------
mkdir -p "$work/www" "$work/prom" "$work/am" "$work/etcd" "$work/caddy"
for i in $(seq 20); do head -c $((i * 1024)) /dev/zero | tr '\0' 'x' >"$work/www/f$i.txt"; done
echo '<html><body>healthy</body></html>' >"$work/www/index.html"

cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files: ["$work/rules.yml"]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["127.0.0.1:$AM"]}]
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ["127.0.0.1:$PROM"]}]
  - job_name: alertmanager
    static_configs: [{targets: ["127.0.0.1:$AM"]}]
  - job_name: node
    static_configs: [{targets: ["127.0.0.1:$NODE"]}]
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{targets: ["127.0.0.1:$PUSH"]}]
  - job_name: blackbox
    static_configs: [{targets: ["127.0.0.1:$BBOX"]}]
  - job_name: etcd
    static_configs: [{targets: ["127.0.0.1:$ETCD"]}]
  - job_name: caddy
    static_configs: [{targets: ["127.0.0.1:$CADDYADMIN"]}]
  - job_name: probe-caddy
    metrics_path: /probe
    params: {module: [http_2xx]}
    static_configs: [{targets: ["http://127.0.0.1:$CADDYSITE/"]}]
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {target_label: __address__, replacement: "127.0.0.1:$BBOX"}
YML
cat >"$work/rules.yml" <<YML
groups:
  - name: healthy
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels: {severity: none}
      - record: job:up:sum
        expr: sum by (job) (up)
YML
cat >"$work/alertmanager.yml" <<YML
route:
  receiver: devnull
  group_wait: 1s
  group_interval: 5s
receivers:
  - name: devnull
YML
cat >"$work/blackbox.yml" <<YML
modules:
  http_2xx:
    prober: http
    timeout: 5s
  tcp_connect:
    prober: tcp
    timeout: 5s
YML
cat >"$work/Caddyfile" <<YML
{
	admin 127.0.0.1:$CADDYADMIN
	auto_https off
	servers {
		metrics
	}
}
http://127.0.0.1:$CADDYSITE {
	bind 127.0.0.1
	root * $work/www
	file_server
	handle_path /prom/* {
		reverse_proxy 127.0.0.1:$PROM
	}
}
YML

# --- start ----------------------------------------------------------------
t0=$(date +%s)
start prometheus prometheus --config.file="$work/prometheus.yml" \
	--web.listen-address=127.0.0.1:$PROM --storage.tsdb.path="$work/prom" --web.enable-lifecycle
start alertmanager prometheus-alertmanager --config.file="$work/alertmanager.yml" \
	--web.listen-address=127.0.0.1:$AM --storage.path="$work/am" --cluster.listen-address=
start node-exporter prometheus-node-exporter --web.listen-address=127.0.0.1:$NODE
start pushgateway prometheus-pushgateway --web.listen-address=127.0.0.1:$PUSH
start blackbox-exporter prometheus-blackbox-exporter --config.file="$work/blackbox.yml" \
	--web.listen-address=127.0.0.1:$BBOX
start etcd etcd --name healthy --data-dir "$work/etcd" --enable-pprof \
	--listen-client-urls http://127.0.0.1:$ETCD --advertise-client-urls http://127.0.0.1:$ETCD \
	--listen-peer-urls http://127.0.0.1:$ETCDPEER --initial-advertise-peer-urls http://127.0.0.1:$ETCDPEER \
	--initial-cluster healthy=http://127.0.0.1:$ETCDPEER
start nats-server nats-server -a 127.0.0.1 -p $NATS -m $NATSMON --profile $NATSPROF
start nats-server-go1.27 "$nats2" -a 127.0.0.1 -p $NATS2 -m $NATS2MON --profile $NATS2PROF -js -sd "$work/js"
XDG_DATA_HOME=$work/caddy XDG_CONFIG_HOME=$work/caddy start caddy caddy run --config "$work/Caddyfile" --adapter caddyfile

ready http://127.0.0.1:$PROM/-/ready
ready http://127.0.0.1:$AM/-/ready
ready http://127.0.0.1:$NODE/metrics
ready http://127.0.0.1:$PUSH/-/ready
ready http://127.0.0.1:$BBOX/metrics
ready http://127.0.0.1:$ETCD/health
ready http://127.0.0.1:$NATSMON/healthz
ready http://127.0.0.1:$NATSPROF/debug/pprof/
ready http://127.0.0.1:$NATS2MON/healthz
ready http://127.0.0.1:$NATS2PROF/debug/pprof/
ready http://127.0.0.1:$CADDYSITE/
ready http://127.0.0.1:$CADDYADMIN/config/
# Let the first scrapes and rule evaluations happen, as on any fresh start.
sleep 12

capture prometheus http://127.0.0.1:$PROM fresh
capture alertmanager http://127.0.0.1:$AM fresh
capture node-exporter http://127.0.0.1:$NODE fresh
capture pushgateway http://127.0.0.1:$PUSH fresh
capture blackbox-exporter http://127.0.0.1:$BBOX fresh
capture etcd http://127.0.0.1:$ETCD fresh
capture nats-server http://127.0.0.1:$NATSPROF fresh
capture nats-server-go1.27 http://127.0.0.1:$NATS2PROF fresh
capture caddy http://127.0.0.1:$CADDYADMIN fresh

# --- light load: a few hundred requests per server, on loopback ------------
urls() { # base path count: a curl config with count URLs, one connection
	for i in $(seq "$3"); do echo "url = \"$1$2\""; echo "output = /dev/null"; done
}
load_get() { urls "$@" | curl -sf --max-time 60 -K - ; }

load_get http://127.0.0.1:$PROM '/api/v1/query?query=up' 100
load_get http://127.0.0.1:$PROM '/api/v1/query_range?query=rate(prometheus_http_requests_total%5B1m%5D)&start='"$t0"'&end='"$(date +%s)"'&step=5' 100
load_get http://127.0.0.1:$PROM '/api/v1/targets' 50
load_get http://127.0.0.1:$PROM '/metrics' 50

for i in $(seq 100); do
	echo "[{\"labels\":{\"alertname\":\"Load$((i % 10))\",\"instance\":\"i$i\"}}]"
done | while read -r body; do
	curl -sf -o /dev/null -H 'Content-Type: application/json' -d "$body" http://127.0.0.1:$AM/api/v2/alerts
done
load_get http://127.0.0.1:$AM '/api/v2/alerts' 100
load_get http://127.0.0.1:$AM '/api/v2/alerts/groups' 50
load_get http://127.0.0.1:$AM '/metrics' 50

load_get http://127.0.0.1:$NODE '/metrics' 200

for i in $(seq 100); do
	printf 'load_metric{n="%d"} %d\n' "$i" "$i" |
		curl -sf -o /dev/null --data-binary @- http://127.0.0.1:$PUSH/metrics/job/load/instance/i$((i % 20))
done
load_get http://127.0.0.1:$PUSH '/metrics' 100
load_get http://127.0.0.1:$PUSH '/api/v1/metrics' 50

load_get http://127.0.0.1:$BBOX "/probe?module=http_2xx&target=http://127.0.0.1:$CADDYSITE/" 150
load_get http://127.0.0.1:$BBOX "/probe?module=tcp_connect&target=127.0.0.1:$NATS" 50

for i in $(seq 200); do
	k=$(printf 'key%d' "$((i % 50))" | base64) v=$(printf 'value%d' "$i" | base64)
	echo "url = \"http://127.0.0.1:$ETCD/v3/kv/put\""; echo "data = \"{\\\"key\\\":\\\"$k\\\",\\\"value\\\":\\\"$v\\\"}\""; echo "output = /dev/null"
done | curl -sf --max-time 60 -K -
for i in $(seq 100); do
	echo "url = \"http://127.0.0.1:$ETCD/v3/kv/range\""; echo "data = \"{\\\"key\\\":\\\"$(printf key1 | base64)\\\"}\""; echo "output = /dev/null"
done | curl -sf --max-time 60 -K -

# NATS: two clients speak the text protocol; one subscriber stays connected
# through the loaded capture (on fd $3), as clients of a broker do.
nats_load() { # port monport subscriber-fd
	eval "exec $3<>/dev/tcp/127.0.0.1/$1"
	printf 'CONNECT {"verbose":false}\r\nSUB load.> 1\r\nPING\r\n' >&"$3"
	exec 4<>/dev/tcp/127.0.0.1/"$1"
	{
		printf 'CONNECT {"verbose":false}\r\n'
		for i in $(seq 300); do printf 'PUB load.%d 5\r\nhello\r\n' "$((i % 7))"; done
		printf 'PING\r\n'
	} >&4
	timeout 10 grep -m1 -a PONG <&4 >/dev/null
	exec 4>&-
	load_get http://127.0.0.1:"$2" '/varz' 50
	load_get http://127.0.0.1:"$2" '/connz' 50
}
nats_load $NATS $NATSMON 3
nats_load $NATS2 $NATS2MON 5
# JetStream on the Go 1.27 server: a stream and 100 requests to its API.
exec 6<>/dev/tcp/127.0.0.1/$NATS2
{
	printf 'CONNECT {"verbose":false}\r\nSUB _INBOX.load.* 1\r\n'
	cfg='{"name":"LOAD","subjects":["load.>"],"storage":"file"}'
	printf 'PUB $JS.API.STREAM.CREATE.LOAD _INBOX.load.0 %d\r\n%s\r\n' "${#cfg}" "$cfg"
	for i in $(seq 100); do printf 'PUB $JS.API.STREAM.INFO.LOAD _INBOX.load.%d 0\r\n\r\n' "$i"; done
	printf 'PING\r\n'
} >&6
timeout 10 grep -m1 -a PONG <&6 >/dev/null
exec 6>&-

load_get http://127.0.0.1:$CADDYSITE '/' 100
for i in $(seq 20); do load_get http://127.0.0.1:$CADDYSITE "/f$i.txt" 5; done
load_get http://127.0.0.1:$CADDYSITE '/prom/api/v1/query?query=up' 100
load_get http://127.0.0.1:$CADDYADMIN '/config/' 20

# Run on until every server has been up for three minutes, so the longest
# waits show in minutes as on a long-running service.
while [ $(( $(date +%s) - t0 )) -lt 185 ]; do sleep 1; done

capture prometheus http://127.0.0.1:$PROM loaded
capture alertmanager http://127.0.0.1:$AM loaded
capture node-exporter http://127.0.0.1:$NODE loaded
capture pushgateway http://127.0.0.1:$PUSH loaded
capture blackbox-exporter http://127.0.0.1:$BBOX loaded
capture etcd http://127.0.0.1:$ETCD loaded
capture nats-server http://127.0.0.1:$NATSPROF loaded
capture nats-server-go1.27 http://127.0.0.1:$NATS2PROF loaded
capture caddy http://127.0.0.1:$CADDYADMIN loaded
exec 3>&- 5>&-

ls -l "$out"/*/
