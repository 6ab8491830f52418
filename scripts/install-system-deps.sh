#!/usr/bin/env bash
# Installs the system programs the test suite runs for real: redis-server, redis-sentinel, nginx,
# chromium, curl, docker-compose (to validate the compose file; no engine needed), kubectl (renders
# infra/k8s with `kubectl kustomize`; Debian's package is kubernetes-client) and promtool (checks
# infra/prometheus; Debian's package is prometheus).
# Debian/Ubuntu only; does nothing when they are already present.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# Validates docker-compose.yml without a Docker engine (`docker-compose config -q`).
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
# The network fault suites (test/network) cut and thin out loopback links with iptables rules.
command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || missing+=(iptables)
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing system packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
command -v apt-get >/dev/null 2>&1 || { echo "apt-get not found: install ${missing[*]} yourself" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged services on install; the tests start their own on free ports.
for service in nginx redis-sentinel prometheus prometheus-node-exporter; do
  if command -v service >/dev/null 2>&1; then $sudo service "$service" stop >/dev/null 2>&1 || true; fi
done
# Whatever was asked for must now be there: a package that installed without its command fails here.
for command in redis-server redis-sentinel curl docker-compose kubectl promtool; do
  command -v "$command" >/dev/null 2>&1 || { echo "still missing after install: $command" >&2; exit 1; }
done
