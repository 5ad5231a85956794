#!/usr/bin/env bash
# Set up a development / CI machine: Debian packages (when root), .venv, the project with extras.
# Idempotent: installs only what is missing. Called by `make setup` (and so by run and test).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
pkgs=$(grep -v '^\s*#' packaging/debian-packages.txt | awk 'NF && $2 != "@term" {print $1}')

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in $pkgs; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$st" == "install ok installed" ]] || missing+=("$p")
  done
  if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
      echo "setup: installing Debian packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get -o DPkg::Lock::Timeout=600 update -qq
      apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
    else
      echo "setup: these Debian packages are missing; install them as root:" >&2
      echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
    fi
  fi
fi

# Prefer a Python >= 3.11 found on PATH (pyenv, Debian's python3).
py=${PYTHON:-python3}
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: Python 3.11 or newer is needed (found $($py --version))" >&2
  exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv with $($py --version)"
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
# Message catalogs: .po -> .mo (not in git; the kiosk reads .mo at start, parsing a .po only
# when its .mo is missing or compiled from another version of it).
.venv/bin/python -m kiosk.i18n compile
echo "setup: done ($here/.venv)"
