#!/usr/bin/env bash
# One command from a fresh clone to a live channel: installs what is missing (npm
# dependencies, ffmpeg), builds, and runs `retrovue serve` on port 8080. On first run with
# no media configured, serve answers at once and makes the demo library in the background
# (its channels sign on within seconds; http://localhost:8080/ shows the progress).
# Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."

need_ffmpeg() { ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; }

if need_ffmpeg; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing ffmpeg (Debian package)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "Installing ffmpeg with sudo (Debian package)…"
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg
  else
    echo "Retrovue needs ffmpeg. Install it with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ffmpeg" >&2
    echo "then run this script again." >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
exec node dist/cli/main.js serve "$@"
