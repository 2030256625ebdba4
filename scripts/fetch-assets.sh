#!/usr/bin/env bash
# Fetches the files a manifest lists (model weights, demo photos) into a folder, checking each sha256.
# Usage: scripts/fetch-assets.sh --manifest FILE --dest DIR [--from MIRROR_DIR]
#   --manifest   JSON with a list "models" or "files" of {file, sha256, url}
#   --from DIR   copy from a local mirror (a folder holding the same file names) instead of the upstream URLs
# Idempotent: a file already present with the right sha256 is left alone; a wrong one is replaced.
set -euo pipefail

manifest=""
dest=""
mirror=""

while [ $# -gt 0 ]; do
  case "$1" in
    --from) mirror="${2:?--from needs a folder}"; shift 2 ;;
    --dest) dest="${2:?--dest needs a folder}"; shift 2 ;;
    --manifest) manifest="${2:?--manifest needs a file}"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "fetch-assets: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$manifest" ] && [ -n "$dest" ] || { echo "fetch-assets: --manifest and --dest are required" >&2; exit 2; }

command -v node >/dev/null || { echo "fetch-assets: node is required to read $manifest" >&2; exit 1; }
mkdir -p "$dest"

# One line per model: file, sha256, url.
entries="$(node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const x of m.models ?? m.files) console.log([x.file, x.sha256, x.url].join(" "));
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
