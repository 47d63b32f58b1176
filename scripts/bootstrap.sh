#!/usr/bin/env bash
# Bootstrap the project on a machine that has only Python 3.12 and make.
#
#   1. find a Python 3.12 that really runs (a pyenv shim that fails does not count);
#   2. create .tools/ (a venv with that Python) and pip-install a pinned uv into it;
#   3. .tools/bin/uv sync --frozen into .venv/ (with the dev group).
#
# Quick and idempotent: a stamp in .venv/ remembers the hash of uv.lock + pyproject.toml, the
# Python and the uv version; when nothing changed nothing runs.
#
# Usage: scripts/bootstrap.sh            bootstrap if needed
#        scripts/bootstrap.sh --force    run uv sync even if the stamp matches (make sync)
#        scripts/bootstrap.sh --print-python   only print the Python 3.12 found
#
# Environment: PYTHON=/path/to/python3.12 picks the interpreter; UV_VERSION overrides the pin.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

UV_VERSION="${UV_VERSION:-0.13.9}"   # the uv that made uv.lock
TOOLS="$ROOT/.tools"
VENV="$ROOT/.venv"
STAMP="$VENV/.bootstrap-stamp"

mode="ensure"
case "${1:-}" in
    "") ;;
    --force) mode="force" ;;
    --print-python) mode="print-python" ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bootstrap: unknown argument: $1" >&2; exit 2 ;;
esac

log() { echo "bootstrap: $*" >&2; }

# Prints the real path of the interpreter if "$1" runs and is CPython 3.12; fails otherwise.
probe_python() {
    local cand="$1"
    [ -n "$cand" ] || return 1
    "$cand" -c 'import sys
if sys.version_info[:2] != (3, 12):
    raise SystemExit(1)
print(sys.executable)' 2>/dev/null
}

find_python() {
    local cand found pyenv_root
    local -a cands=()
    [ -n "${PYTHON:-}" ] && cands+=("$PYTHON")
    command -v python3.12 >/dev/null 2>&1 && cands+=("$(command -v python3.12)")
    command -v python3 >/dev/null 2>&1 && cands+=("$(command -v python3)")
    pyenv_root=""
    if command -v pyenv >/dev/null 2>&1; then
        pyenv_root="$(pyenv root 2>/dev/null || true)"
    fi
    [ -n "$pyenv_root" ] || pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
    # newest 3.12.x first
    for cand in $(ls -d "$pyenv_root"/versions/3.12*/bin/python3.12 2>/dev/null | sort -rV); do
        cands+=("$cand")
    done
    cands+=(/usr/bin/python3.12 /usr/local/bin/python3.12)
    for cand in "${cands[@]}"; do
        if found="$(probe_python "$cand")" && [ -n "$found" ]; then
            echo "$found"
            return 0
        fi
    done
    return 1
}

if ! PY="$(find_python)"; then
    log "no working Python 3.12 found."
    log "tried: \$PYTHON, python3.12, python3, \$(pyenv root)/versions/3.12*/bin/python3.12, /usr/bin/python3.12, /usr/local/bin/python3.12"
    log "install Python 3.12 or point PYTHON=/path/to/python3.12 at one."
    exit 1
fi

if [ "$mode" = "print-python" ]; then
    echo "$PY"
    exit 0
fi

hash_file() {
    "$PY" -c 'import hashlib, sys
h = hashlib.sha256()
for p in sys.argv[1:]:
    with open(p, "rb") as f:
        h.update(f.read())
print(h.hexdigest())' "$@"
}

want_stamp="$(hash_file uv.lock pyproject.toml) $PY uv-$UV_VERSION"

if [ "$mode" = "ensure" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ] \
        && [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c '' 2>/dev/null; then
    exit 0
fi

# --- .tools/: a venv holding the pinned uv ---------------------------------------------
uv_ok() {
    [ -x "$TOOLS/bin/uv" ] && [ "$("$TOOLS/bin/uv" --version 2>/dev/null | awk '{print $2}')" = "$UV_VERSION" ]
}
if ! uv_ok; then
    if [ ! -x "$TOOLS/bin/python" ] || ! "$TOOLS/bin/python" -c 'import pip' 2>/dev/null; then
        log "creating $TOOLS with $PY"
        rm -rf "$TOOLS"
        if ! "$PY" -m venv "$TOOLS"; then
            log "'$PY -m venv' failed (on Debian/Ubuntu: apt-get install python3.12-venv)"
            exit 1
        fi
    fi
    log "installing uv $UV_VERSION into $TOOLS"
    "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
    uv_ok || { log "uv $UV_VERSION did not install into $TOOLS"; exit 1; }
fi

# --- .venv/: the project's environment, exactly as locked -------------------------------
log "uv sync --frozen (Python $PY)"
unset VIRTUAL_ENV UV_PROJECT_ENVIRONMENT || true
export UV_PYTHON_DOWNLOADS=never
# without SSL_CERT_FILE, trust the system's certificate store (as pip does), not uv's bundled one
[ -n "${SSL_CERT_FILE:-}" ] || export UV_NATIVE_TLS=1
"$TOOLS/bin/uv" sync --frozen --group dev --python "$PY"
echo "$want_stamp" > "$STAMP"
log "ready: $VENV"
