#!/usr/bin/env bash
# Removes tilsyn-agent: stops and disables the service, removes the unit, the program and the `tilsyn` command.
# Keeps the configuration, the device key and the evidence queue (/etc/tilsyn, /var/lib/tilsyn) unless --purge.
#
# Usage (as root):  scripts/uninstall.sh [--purge] [--prefix DIR] [--dry-run]
#   --purge      also delete /etc/tilsyn, /var/lib/tilsyn (evidence not yet uploaded is lost) and the user tilsyn
#   --prefix DIR act on an install made with install.sh --prefix DIR (no systemctl, no user)
#   --dry-run    print every step, change nothing
# Safe to run again: what is already gone is skipped.
set -Eeuo pipefail

prefix="/"
dry_run=0
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --purge) purge=1; shift ;;
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "uninstall: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

root="${prefix%/}"
system=0; [ -z "$root" ] && system=1
[ "$system" -eq 0 ] || [ "$dry_run" -eq 1 ] || [ "$(id -u)" -eq 0 ] || { echo "uninstall: run as root" >&2; exit 2; }

current="start"
step() { current="$*"; printf '==> %s\n' "$*"; }
say() { printf '    %s\n' "$*"; }
run() { say "+ $*"; [ "$dry_run" -eq 1 ] || "$@"; }
remove() { if [ -e "$1" ] || [ -L "$1" ]; then run rm -rf "$1"; else say "already gone: $1"; fi; }
trap 'rc=$?; echo "uninstall: FAILED at \"$current\" (exit $rc); run again to resume." >&2; exit 4' ERR

step "service"
if [ "$system" -eq 1 ] && command -v systemctl >/dev/null; then
  if systemctl list-unit-files tilsyn-agent.service >/dev/null 2>&1; then
    # stop waits for the agent's own clean stop (TimeoutStopSec): the frame in hand and the queue are finished.
    run systemctl disable --now tilsyn-agent.service || say "was not enabled"
  else
    say "not installed"
  fi
else
  say "skipped (--prefix)"
fi

step "unit and program"
remove "$root/etc/systemd/system/tilsyn-agent.service"
[ "$system" -eq 0 ] || [ "$dry_run" -eq 1 ] || systemctl daemon-reload
remove "$root/usr/local/bin/tilsyn"
remove "$root/opt/tilsyn-agent"

step "data"
if [ "$purge" -eq 1 ]; then
  remove "$root/etc/tilsyn"
  remove "$root/var/lib/tilsyn"
  if [ "$system" -eq 1 ] && getent passwd tilsyn >/dev/null; then run userdel tilsyn; fi
else
  for kept in "$root/etc/tilsyn" "$root/var/lib/tilsyn"; do [ ! -e "$kept" ] || say "kept $kept (--purge deletes it)"; done
fi
trap - ERR
echo "==> uninstalled$([ "$dry_run" -eq 1 ] && echo ' (dry run)') from ${prefix}"
