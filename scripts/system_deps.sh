#!/usr/bin/env bash
# System packages the tests and the demo need beyond the Python wheels, from Debian:
#   chromium    the ops page test loads the page in headless chromium
#   prometheus  for /usr/bin/promtool: tests/test_alert_rules.py runs `promtool test rules`
#
# Idempotent and quiet: nothing happens when both are already installed. Installs only as root
# (apt-get update once, then apt-get install -y); otherwise prints how to install them and
# exits 0 so `make` goes on (those tests then fail or skip with the same instruction).
set -euo pipefail

log() { echo "system_deps: $*" >&2; }

find_chromium() {
    local name
    for name in chromium chromium-browser; do
        if command -v "$name" >/dev/null 2>&1; then
            return 0
        fi
    done
    return 1
}

missing=()
find_chromium || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)

if [ "${#missing[@]}" = "0" ]; then
    exit 0
fi

if [ "$(id -u)" != "0" ]; then
    log "missing: ${missing[*]}, and this is not root: skipping the install."
    log "install with: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    log "(tests/test_ops_page.py needs chromium; tests/test_alert_rules.py needs promtool, from prometheus)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    log "missing: ${missing[*]}, and there is no apt-get here: install them by hand."
    exit 0
fi

log "installing Debian's ${missing[*]} (apt-get), once"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if find_chromium; then log "chromium ready: $(command -v chromium || command -v chromium-browser)"; fi
if command -v promtool >/dev/null 2>&1; then log "promtool ready: $(command -v promtool)"; fi
