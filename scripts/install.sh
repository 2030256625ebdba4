#!/usr/bin/env bash
# Installs tilsyn-agent on a vehicle computer (Debian 12, Raspberry Pi OS, Ubuntu 20.04+) and starts it at boot.
#
# Usage (as root, from a checkout or release folder of tilsyn-agent):
#   scripts/install.sh --vehicle-id ID --fleet-id ID --broker URL --ingest-url URL --ingest-token TOKEN --task-key KEY
# Values not given are asked for when a terminal is attached. Safe to run again: each step leaves alone what is
# already in place (the config and the device key are never overwritten), so a failed run is resumed by re-running.
#
# Options:
#   --vehicle-id ID  --fleet-id ID  --broker URL  --ingest-url URL  --ingest-token TOKEN   config values
#   --task-key KEY        public key of the city's task signing (base64, as `tilsyn sign-task --new-key` prints it)
#   --models-from DIR     copy the model weights from this folder instead of their upstream URLs (sha256 checked)
#   --prefix DIR          install under DIR instead of / (tests, images): no apt, no user, no systemctl
#   --node-modules-from DIR  link this node_modules instead of running npm ci (tests, offline images)
#   --node-apt-repo LINE  apt source line (URI SUITE COMPONENT) of a Node.js 20 repository, when the system has no Node 20
#   --node-apt-key KEY    that repository's signing key: a file or an https URL
#   --skip-packages       do not install apt packages, Node.js or node modules
#   --force               install on an operating system that is not recognised
#   --os-release FILE     recognise the system from FILE instead of /etc/os-release (tests)
#   --dry-run             print every step and command, change nothing
#
# Node.js 20 must be there already (a fleet image, or the distribution where it ships 20), or come from the apt
# repository the fleet uses for it: --node-apt-repo "DEB-LINE" with --node-apt-key URL-OR-FILE (its signing key).
# Exit codes: 0 done · 2 bad arguments · 3 unsupported system · 4 a step failed (re-run to resume).
set -Eeuo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="/"
dry_run=0
skip_packages=0
force=0
models_from=""
os_release="/etc/os-release"
node_modules_from=""
node_apt_repo="" node_apt_key=""
vehicle_id="" fleet_id="" broker="" ingest_url="" ingest_token="" task_key=""

die() { echo "install: $1" >&2; exit "${2:-2}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --vehicle-id) vehicle_id="${2:?--vehicle-id needs a value}"; shift 2 ;;
    --fleet-id) fleet_id="${2:?--fleet-id needs a value}"; shift 2 ;;
    --broker) broker="${2:?--broker needs a URL}"; shift 2 ;;
    --ingest-url) ingest_url="${2:?--ingest-url needs a URL}"; shift 2 ;;
    --ingest-token) ingest_token="${2:?--ingest-token needs a value}"; shift 2 ;;
    --task-key) task_key="${2:?--task-key needs a public key}"; shift 2 ;;
    --models-from) models_from="${2:?--models-from needs a folder}"; shift 2 ;;
    --node-modules-from) node_modules_from="${2:?--node-modules-from needs a folder}"; shift 2 ;;
    --node-apt-repo) node_apt_repo="${2:?--node-apt-repo needs an apt source line}"; shift 2 ;;
    --node-apt-key) node_apt_key="${2:?--node-apt-key needs a file or URL}"; shift 2 ;;
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --skip-packages) skip_packages=1; shift ;;
    --os-release) os_release="${2:?--os-release needs a file}"; shift 2 ;;
    --force) force=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

root="${prefix%/}"          # "" for the real system, else the image/test root
system=0; [ -z "$root" ] && system=1
opt="$root/opt/tilsyn-agent"
etc="$root/etc/tilsyn"
data="$root/var/lib/tilsyn"
unit_dir="$root/etc/systemd/system"
bin_link="$root/usr/local/bin/tilsyn"

step_no=0
current="start"
step() { step_no=$((step_no + 1)); current="$*"; printf '==> [%d/10] %s\n' "$step_no" "$*"; }
say() { printf '    %s\n' "$*"; }
run() { say "+ $*"; [ "$dry_run" -eq 1 ] || "$@"; }
trap 'rc=$?; echo "install: FAILED at step \"$current\" (exit $rc). Nothing after it was changed; fix the cause and run again to resume." >&2; exit 4' ERR

[ "$system" -eq 0 ] || [ "$dry_run" -eq 1 ] || [ "$(id -u)" -eq 0 ] || die "run as root (or use --prefix DIR / --dry-run)" 2

ask() { # ask VAR "question" — keeps a value given as a flag, asks on a terminal, else fails naming the flag
  local var="$1" question="$2" flag="$3" answer
  [ -n "${!var}" ] && return 0
  if [ "$dry_run" -eq 1 ] && [ ! -t 0 ]; then say "would ask: $question ($flag)"; return 0; fi
  if [ -t 0 ]; then read -r -p "$question: " answer; printf -v "$var" '%s' "$answer"; fi
  [ -n "${!var}" ] || die "$flag is required (no terminal to ask on)" 2
}

step "system"
[ -r "$os_release" ] || die "cannot read $os_release to recognise the system" 3
os_id="$(. "$os_release"; echo "${ID:-}")"
os_version="$(. "$os_release"; echo "${VERSION_ID:-}")"
case "$os_id:$os_version" in
  debian:12|raspbian:12|debian:13|raspbian:13) say "$os_id $os_version (Debian family)" ;;
  ubuntu:20.04|ubuntu:22.04|ubuntu:24.04) say "ubuntu $os_version" ;;
  *) [ "$force" -eq 1 ] || die "unsupported system '$os_id $os_version' (Debian 12, Raspberry Pi OS, Ubuntu 20.04+); --force to try anyway" 3
     say "unrecognised $os_id $os_version, going on (--force)" ;;
esac
say "source $src → $opt$([ "$dry_run" -eq 1 ] && echo ' (dry run: nothing is changed)')"

step "apt packages"
APT_PACKAGES=(gpsd gpsd-clients gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-libav
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev pkg-config build-essential python3 curl ca-certificates systemd)
if [ "$skip_packages" -eq 1 ] || [ "$system" -eq 0 ]; then
  say "skipped ($([ "$system" -eq 0 ] && echo "--prefix" || echo "--skip-packages"))"
else
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then say "all present"; else
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

step "Node.js 20"
node_major() { command -v node >/dev/null && node -p 'process.versions.node.split(".")[0]' || echo none; }
if [ "$skip_packages" -eq 1 ] || [ "$system" -eq 0 ]; then
  say "skipped; found: $(node_major)"
elif [ "$(node_major)" = "20" ]; then
  say "present: $(node --version)"
else
  if [ -z "$node_apt_repo" ] || [ -z "$node_apt_key" ]; then
    die "Node.js 20 is needed and this system has $(node_major): install it, or pass --node-apt-repo and --node-apt-key for the Node.js 20 apt repository your fleet uses" 4
  fi
  say "found $(node_major); adding the Node.js 20 apt repository given"
  run install -d -m 0755 /etc/apt/keyrings
  if [ -f "$node_apt_key" ]; then
    run sh -c "gpg --dearmor --yes -o /etc/apt/keyrings/tilsyn-node.gpg < '$node_apt_key'"
  else
    run sh -c "curl -fsSL '$node_apt_key' | gpg --dearmor --yes -o /etc/apt/keyrings/tilsyn-node.gpg"
  fi
  run sh -c "echo 'deb [signed-by=/etc/apt/keyrings/tilsyn-node.gpg] $node_apt_repo' > /etc/apt/sources.list.d/tilsyn-node.list"
  run apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs
fi

step "user and folders"
if [ "$system" -eq 1 ]; then
  if getent passwd tilsyn >/dev/null; then say "user tilsyn exists"; else
    run useradd --system --user-group --home-dir /var/lib/tilsyn --no-create-home --shell /usr/sbin/nologin \
      --comment "tilsyn-agent" tilsyn
  fi
  id -nG tilsyn 2>/dev/null | grep -qw video || run usermod -a -G video tilsyn
else
  say "user tilsyn: skipped (--prefix)"
fi
run install -d -m 0755 "$opt" "$root/usr/local/bin" "$unit_dir"
run install -d -m 0750 "$etc" "$data"
if [ "$system" -eq 1 ]; then run chown root:tilsyn "$etc"; run chown tilsyn:tilsyn "$data"; fi

step "agent files"
# The whole tree is replaced, so files dropped by a newer version do not linger; node_modules is kept for the next step.
say "+ copy agent bin scripts systemd package.json package-lock.json tsconfig.json README.md"
for part in agent bin scripts systemd package.json package-lock.json tsconfig.json README.md; do
  [ -e "$src/$part" ] || continue
  [ "$dry_run" -eq 1 ] || { rm -rf "$opt/$part"; cp -R "$src/$part" "$opt/$part"; }
done
run install -d -m 0755 "$opt/models"
run install -m 0644 "$src/models/manifest.json" "$opt/models/manifest.json"
run ln -sfn /opt/tilsyn-agent/bin/tilsyn "$bin_link"

step "node modules"
if [ -n "$node_modules_from" ]; then
  run ln -sfn "$(cd "$node_modules_from" && pwd)" "$opt/node_modules"
elif [ "$skip_packages" -eq 1 ]; then
  say "skipped (--skip-packages)"
elif [ -f "$opt/node_modules/.tilsyn-installed-lock.json" ] && cmp -s "$opt/package-lock.json" "$opt/node_modules/.tilsyn-installed-lock.json"; then
  # (npm's own node_modules/.package-lock.json lists only what --omit=dev installed, so it never equals the lockfile.)
  say "up to date"
else
  # Runtime packages only (tsx runs the TypeScript; no compiler or test tools on a vehicle). onnxruntime-node's
  # install script downloads GPU parts; the CPU binaries ship in the package.
  # (A dry run only prints: on a fresh machine $opt does not exist yet to cd into.)
  say "+ cd $opt && env ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund --loglevel=error"
  [ "$dry_run" -eq 1 ] || (cd "$opt" && env ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund --loglevel=error)
  run cp "$opt/package-lock.json" "$opt/node_modules/.tilsyn-installed-lock.json"
fi

step "device key"
key="$etc/device-key.pem"
if [ -f "$key" ]; then
  say "kept existing $key"
else
  # Ed25519, made by Node's crypto: the vehicle's identity towards the central side; the private half never leaves.
  say "+ new Ed25519 key pair: $key (0640), $etc/device-key.pub.pem"
  [ "$dry_run" -eq 1 ] || node -e '
    const { generateKeyPairSync } = require("node:crypto"); const fs = require("node:fs");
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    fs.writeFileSync(process.argv[1], privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o640, flag: "wx" });
    fs.writeFileSync(process.argv[2], publicKey.export({ type: "spki", format: "pem" }), { mode: 0o644 });
  ' "$key" "$etc/device-key.pub.pem"
  [ "$system" -eq 0 ] || run chown root:tilsyn "$key"
fi
[ "$dry_run" -eq 1 ] || [ ! -f "$etc/device-key.pub.pem" ] || say "public key (register it centrally): $etc/device-key.pub.pem"

step "configuration"
config="$etc/agent.yaml"
if [ -f "$config" ]; then
  say "kept existing $config (edit it, or remove it to write a new one)"
else
  ask vehicle_id "Vehicle id (e.g. sweeper-07)" --vehicle-id
  ask fleet_id "Fleet id (e.g. kbh-sweepers)" --fleet-id
  ask broker "MQTT broker URL (e.g. mqtts://broker.example.org:8883)" --broker
  ask ingest_url "Evidence ingest URL (https://…)" --ingest-url
  ask ingest_token "Ingest bearer token" --ingest-token
  ask task_key "Public key of the city's task signing (base64)" --task-key
  yaml_quote() { local v="${1//\\/\\\\}"; v="${v//\"/\\\"}"; printf '"%s"' "$v"; }
  say "+ write $config from scripts/templates/agent.yaml"
  if [ "$dry_run" -eq 0 ]; then
    tmp="$(mktemp "$etc/.agent.yaml.XXXXXX")"
    VEHICLE_ID="$(yaml_quote "$vehicle_id")" FLEET_ID="$(yaml_quote "$fleet_id")" BROKER_URL="$(yaml_quote "$broker")" \
      INGEST_URL="$(yaml_quote "$ingest_url")" INGEST_TOKEN="$(yaml_quote "$ingest_token")" TASK_PUBLIC_KEY="$(yaml_quote "$task_key")" \
      node -e '
        const fs = require("node:fs"); let text = fs.readFileSync(process.argv[1], "utf8");
        for (const k of ["VEHICLE_ID", "FLEET_ID", "BROKER_URL", "INGEST_URL", "INGEST_TOKEN", "TASK_PUBLIC_KEY"]) text = text.replaceAll(`@${k}@`, process.env[k]);
        fs.writeFileSync(process.argv[2], text);
      ' "$src/scripts/templates/agent.yaml" "$tmp"
    chmod 0640 "$tmp"
    [ "$system" -eq 0 ] || chown root:tilsyn "$tmp"
    mv -f "$tmp" "$config"
  fi
fi
if [ "$dry_run" -eq 0 ] && [ -e "$opt/node_modules" ]; then
  # The check reads the file as the agent will; paths in it refer to the real system, not to --prefix.
  "$opt/bin/tilsyn" run --config "$config" --validate-config | sed 's/^/    /' \
    || { echo "install: $config is not valid (see above); fix it and run again" >&2; exit 4; }
else
  say "validation skipped ($([ "$dry_run" -eq 1 ] && echo "dry run" || echo "no node modules yet"))"
fi

step "models"
fetch_args=(--dest "$opt/models")
[ -z "$models_from" ] || fetch_args+=(--from "$models_from")
if [ "$dry_run" -eq 1 ]; then say "+ scripts/fetch-models.sh ${fetch_args[*]}"; else
  "$opt/scripts/fetch-models.sh" "${fetch_args[@]}" | sed 's/^/    /'
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "install: models could not be fetched (see above); run again to resume" >&2; exit 4; }
fi

step "systemd unit"
run install -m 0644 "$opt/systemd/tilsyn-agent.service" "$unit_dir/tilsyn-agent.service"
if [ "$system" -eq 1 ]; then
  run systemctl daemon-reload
  run systemctl enable tilsyn-agent.service
  # restart rather than start: a re-run after an update picks up the new files.
  run systemctl restart tilsyn-agent.service
  say "$([ "$dry_run" -eq 1 ] && echo "then running" || echo running); check with: tilsyn doctor --config /etc/tilsyn/agent.yaml · journalctl -u tilsyn-agent -f"
else
  say "enable/start skipped (--prefix); on the target: systemctl enable --now tilsyn-agent"
fi
trap - ERR
echo "==> installed$([ "$dry_run" -eq 1 ] && echo ' (dry run)') into ${prefix}"
