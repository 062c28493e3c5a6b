#!/bin/sh
# Idempotent bootstrap for a fresh Debian machine with Node 20 (run by `npm start` and `npm test`).
# Installs only what is missing, and says what it installs:
#   - Debian packages: nats-server, prometheus (with promtool), prometheus-alertmanager, and with
#     `--test` (npm test) chromium for the wallboard's browser test
#   - npm dependencies (npm install, at the lockfile's versions) when node_modules is missing or
#     older than package-lock.json. Not `npm ci`: chdb lists macOS/arm64 engine packages that the
#     registry does not serve, so the lockfile cannot name them and `npm ci` refuses it.
#   - dist/ (`npm run build`: the TypeScript compiled to JavaScript, which bin/deskpulse.js runs)
#     when it is missing or older than a source, so `npm start` after a clone or a pull runs
#     compiled code that matches the sources.
set -eu
cd "$(dirname "$0")/.."

say() { printf 'bootstrap: %s\n' "$*" >&2; }

missing=""
command -v nats-server >/dev/null 2>&1 || missing="$missing nats-server"
command -v prometheus >/dev/null 2>&1 || missing="$missing prometheus"
command -v promtool >/dev/null 2>&1 || missing="$missing prometheus"
command -v prometheus-alertmanager >/dev/null 2>&1 || missing="$missing prometheus-alertmanager"
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
fi

if [ -n "$missing" ]; then
  pkgs=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
  say "installing Debian packages:$missing"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=""; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
  # Debian starts these as system services; deskpulse starts its own on its own ports.
  for svc in nats-server prometheus prometheus-alertmanager prometheus-node-exporter; do
    if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
  done
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm install)"
  npm install --no-audit --no-fund --loglevel=error
fi

node scripts/build.mjs --if-stale
