#!/usr/bin/env bash
# Sets up a development machine (Debian 12 / Ubuntu 22.04+ / Raspberry Pi OS): system packages, Node modules,
# model weights and demo photos; checks that the shared test data is beside the checkout. Safe to run again: each
# step skips what is already in place.
# Usage: scripts/setup-dev.sh        (as root, or with sudo rights for apt-get)
# Env:   TILSYN_MIRROR=DIR  take models/ and samples/ from this folder instead of upstream (default: ../shared if present)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
step() { printf '==> %s\n' "$*"; }

APT_PACKAGES=(
  mosquitto mosquitto-clients gpsd gpsd-clients
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-libav gstreamer1.0-plugins-ugly python3-gi gir1.2-gst-rtsp-server-1.0
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev pkg-config
  build-essential python3 python3-numpy python3-pil curl ca-certificates
  systemd
  openssl
  chromium
)

step "system packages"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "    installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "    all present"
fi

step "Node.js"
command -v node >/dev/null || { echo "Node.js 20 is required (e.g. Debian/Ubuntu package nodejs 20, or NodeSource's nodejs 20)" >&2; exit 1; }
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" = "20" ] || { echo "Node.js 20 is required, found $(node --version)" >&2; exit 1; }
echo "    $(node --version)"

step "node modules"
# onnxruntime-node's install script downloads GPU parts and fails offline; the CPU binaries ship in the package.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ -f node_modules/.package-lock.json ] && cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; then
  echo "    up to date"
else
  npm ci --no-audit --no-fund --loglevel=error
fi

mirror="${TILSYN_MIRROR:-}"
[ -z "$mirror" ] && [ -d "$here/../shared/models" ] && mirror="$here/../shared"

step "models"
if [ -n "$mirror" ]; then
  scripts/fetch-models.sh --from "$mirror/models"
else
  scripts/fetch-models.sh
fi

step "demo photos"
if [ -n "$mirror" ]; then
  scripts/fetch-assets.sh --manifest fixtures/demo/samples.json --dest demo-data/samples --from "$mirror/samples"
else
  scripts/fetch-assets.sh --manifest fixtures/demo/samples.json --dest demo-data/samples
fi

step "test data"
# Not in the repository: the annotated eval sets, street photos, coco.names and the reference scoring tool, beside the
# checkout in ../shared. The tests that need them fail (never skip) without them; the demo does not need them.
shared="$(cd "$here/.." && pwd)/shared"
missing_data=()
for p in eval/dashcam-dev eval/plates-openalpr-eu eval/plates-openalpr-us eval/faces-wider-street \
  samples/hyperlpr_test_img.jpg models/coco.names models/yunet_n_dynamic.onnx tools/redaction_score.py; do
  [ -e "$shared/$p" ] || missing_data+=("$p")
done
if [ ${#missing_data[@]} -eq 0 ]; then
  echo "    present in $shared"
else
  echo "    MISSING in $shared: ${missing_data[*]}"
  echo "    (npm test fails the tests that need them; put the shared test data there)"
fi

step "ready: npm run demo · npm test"
