#!/usr/bin/env bash
# Fetches the model weights of models/manifest.json into models/ (sha256 checked).
# Usage: scripts/fetch-models.sh [--from MIRROR_DIR] [--dest DIR]   (default: upstream URLs, into models/)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$here/models"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) dest="${2:?--dest needs a folder}"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
exec "$here/scripts/fetch-assets.sh" --manifest "$here/models/manifest.json" --dest "$dest" "${args[@]}"
