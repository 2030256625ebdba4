#!/usr/bin/env bash
# Fetches the model weights listed in models/manifest.json into models/ (or --dest DIR), checking each sha256.
# Usage: scripts/fetch-models.sh [--from MIRROR_DIR] [--dest DIR]
#   --from DIR   copy from a local mirror (a folder holding the same file names) instead of the upstream URLs
# Idempotent: a file already present with the right sha256 is left alone; a wrong one is replaced.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest="$here/models/manifest.json"
dest="$here/models"
mirror=""

while [ $# -gt 0 ]; do
  case "$1" in
    --from) mirror="${2:?--from needs a folder}"; shift 2 ;;
    --dest) dest="${2:?--dest needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "fetch-models: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

command -v node >/dev/null || { echo "fetch-models: node is required to read $manifest" >&2; exit 1; }
mkdir -p "$dest"

# One line per model: file, sha256, url.
entries="$(node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const x of m.models) console.log([x.file, x.sha256, x.url].join(" "));
' "$manifest")"

failed=0
while read -r file sha url; do
  target="$dest/$file"
  if [ -f "$target" ] && echo "$sha  $target" | sha256sum -c --status; then
    echo "ok       $file (already present)"
    continue
  fi
  tmp="$(mktemp "$dest/.$file.XXXXXX")"
  if [ -n "$mirror" ]; then
    if ! cp "$mirror/$file" "$tmp" 2>/dev/null; then
      echo "MISSING  $file: not in mirror $mirror" >&2; rm -f "$tmp"; failed=1; continue
    fi
  else
    if ! curl -fsSL --retry 3 -o "$tmp" "$url"; then
      echo "FAILED   $file: download from $url failed" >&2; rm -f "$tmp"; failed=1; continue
    fi
  fi
  if echo "$sha  $tmp" | sha256sum -c --status; then
    mv -f "$tmp" "$target"
    echo "fetched  $file"
  else
    echo "BAD HASH $file: expected $sha, got $(sha256sum "$tmp" | cut -c1-64)" >&2
    rm -f "$tmp"; failed=1
  fi
done <<< "$entries"

exit "$failed"
