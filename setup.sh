#!/usr/bin/env bash
# One-time (and idempotent) setup on a fresh machine: system libraries for
# WeasyPrint, a virtual environment with cnn-report installed, and a link to
# an MNIST file if one is already on this machine. Safe to run again.
#
#   ./setup.sh          what building the report needs
#   ./setup.sh --test   also the tools the tests need (Chromium, axe-core from npm)
set -euo pipefail
cd "$(dirname "$0")"
WITH_TEST_TOOLS=false
case "${1:-}" in
  --test) WITH_TEST_TOOLS=true ;;
  "") ;;
  *) echo "usage: ./setup.sh [--test]" >&2; exit 2 ;;
esac

# WeasyPrint renders with Pango; the report's fonts are DejaVu. Install them
# where we can (root on Debian/Ubuntu, as in CI and SageMaker containers).
if ! ldconfig -p 2>/dev/null | grep -q libpango-1.0 || ! ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset \
    || ! fc-list 2>/dev/null | grep -qi "DejaVu Serif"; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null
  else
    echo "setup.sh: install Pango and the DejaVu fonts for PDF output (e.g. apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)" >&2
  fi
fi

# The browser tests (tests/system/test_browser.py) drive Debian's Chromium through Playwright and check the
# HTML with axe-core from npm (package.json). Playwright's own browser download needs internet we may
# not have; Debian's package does not.
# Only with --test: a student building the report needs neither, and offline neither installs.
if $WITH_TEST_TOOLS; then
  # Only what is missing: where Node.js came with its own npm, Debian's npm package conflicts with it.
  missing=""
  command -v chromium >/dev/null || missing="$missing chromium"
  command -v npm >/dev/null || missing="$missing npm"
  if [ -n "$missing" ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      apt-get update -qq && apt-get install -y -qq $missing >/dev/null
    else
      echo "setup.sh: install Chromium and npm for the browser test (e.g. apt-get install chromium npm)" >&2
    fi
  fi
  if command -v npm >/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
  fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# Link the first MNIST found into data/ so `cnn-report build` needs no flags.
# Without one, the build falls back to Keras's download (needs internet).
if [ ! -e data/mnist.npz ]; then
  for candidate in "${CNN_REPORT_DATA:-}" ../shared/data/mnist.npz "$HOME/.keras/datasets/mnist.npz"; do
    if [ -n "$candidate" ] && [ -f "$candidate" ]; then
      ln -s "$(cd "$(dirname "$candidate")" && pwd)/$(basename "$candidate")" data/mnist.npz
      echo "setup.sh: data/mnist.npz -> $candidate"
      break
    fi
  done
fi
