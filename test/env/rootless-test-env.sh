#!/usr/bin/env bash
# Brings up (and tears down) an isolated ROOTLESS Podman for the test suite: a new non-root user
# made for the run, whose own `podman system service` answers on DIR/podman.sock, with the test
# image built by that user's Podman and the same two loopback registries as podman-test-env.sh.
#
#   rootless-test-env.sh up DIR     create everything, write DIR/env (KEY=VALUE), print it
#   rootless-test-env.sh down DIR   remove everything `up DIR` created, by id (idempotent)
#
# Everything made here is recorded in DIR/created, and only that is ever removed.
set -euo pipefail
shopt -s inherit_errexit
readonly ENV_SCRIPTS=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
# shellcheck source=podman-test-env.sh
source "$ENV_SCRIPTS/podman-test-env.sh"
# shellcheck source=device-claims.sh
source "$ENV_SCRIPTS/device-claims.sh"

# tool:package
readonly ROOTLESS_TOOLS=(newuidmap:uidmap newgidmap:uidmap slirp4netns:slirp4netns
  fuse-overlayfs:fuse-overlayfs setpriv:util-linux flock:util-linux)

USER_NAME=
USER_UID=
USER_HOME=
AS_USER=()

log() { echo "rootless-test-env: $*" >&2; }
record() { echo "$1=$2" >>"$DIR/created"; }
recorded() { sed -n "s/^$1=//p" "$DIR/created" 2>/dev/null || true; }

ensure_rootless_packages() {
  local entry missing=()
  ensure_packages
  for entry in "${ROOTLESS_TOOLS[@]}"; do
    command -v "${entry%%:*}" >/dev/null || missing+=("${entry#*:}")
  done
  ((${#missing[@]} == 0)) && return
  log "installing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >&2
  for entry in "${ROOTLESS_TOOLS[@]}"; do
    command -v "${entry%%:*}" >/dev/null || die "${entry%%:*} still missing after apt-get"
  done
}

# ---------------------------------------------------------------- the user

use_user() {
  USER_NAME=$1
  USER_UID=$(id -u "$USER_NAME")
  USER_HOME=$(getent passwd "$USER_NAME" | cut -d: -f6)
  AS_USER=(setpriv --reuid "$USER_UID" --regid "$(id -g "$USER_NAME")" --init-groups --reset-env --
    env HOME="$USER_HOME" USER="$USER_NAME" LOGNAME="$USER_NAME" XDG_RUNTIME_DIR="$DIR/runtime"
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin)
}

as_user() { "${AS_USER[@]}" "$@"; }

create_user() {
  local name try
  name=mcpr$(random_hex 4)
  # useradd fails while another one (a concurrent test environment's) holds the passwd lock.
  for ((try = 0; try < 30; try++)); do
    useradd -m -s /bin/bash "$name" 2>"$DIR/useradd.log" && break
    grep -q "cannot lock" "$DIR/useradd.log" || { cat "$DIR/useradd.log" >&2; return 1; }
    sleep 1
  done
  id "$name" >/dev/null 2>&1 || die "useradd $name kept failing"
  record user "$name"
  use_user "$name"
  grep -q "^$name:" /etc/subuid && grep -q "^$name:" /etc/subgid ||
    die "useradd gave $name no subordinate ids"
  # The user creates its socket here; the sticky bit keeps it off root's files. Podman makes
  # every parent of its runtime directory searchable by all (o+x) and fails if it cannot.
  chgrp "$(id -g "$name")" "$DIR"
  chmod 1771 "$DIR"
  mkdir -m 0700 "$DIR/runtime"
  chown "$USER_UID:$(id -g "$name")" "$DIR/runtime"
}

user_file() { as_user mkdir -p "$(dirname "$1")" && as_user tee "$1" >/dev/null; }

write_user_config() {
  local n=$1 driver=$2
  user_file "$USER_HOME/.config/containers/containers.conf" <<EOF
[containers]
log_driver = "k8s-file"

[engine]
# crun fails on hybrid cgroups; cgroupfs and file events because there is no systemd or bus.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
default_network = "pte$n"
default_subnet_pools = [{"base" = "10.$n.0.0/16", "size" = 24}]
EOF
  user_file "$USER_HOME/.config/containers/storage.conf" <<EOF
[storage]
driver = "$driver"
EOF
  user_file "$USER_HOME/.local/share/containers/storage/networks/pte$n.json" <<EOF
{
  "name": "pte$n",
  "id": "$(random_hex 32)",
  "driver": "bridge",
  "network_interface": "pte$n",
  "created": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "subnets": [{"subnet": "10.$n.0.0/24", "gateway": "10.$n.0.1"}],
  "ipv6_enabled": false,
  "internal": false,
  "dns_enabled": false,
  "ipam_options": {"driver": "host-local"}
}
EOF
}

# Native overlay in a user namespace needs kernel 5.13; vfs always works but copies every layer.
choose_storage_driver() {
  local n=$1 driver
  write_user_config "$n" overlay
  driver=$(as_user podman info --format '{{.Store.GraphDriverName}}' 2>"$DIR/storage-probe.log" || true)
  if [[ $driver != overlay ]]; then
    log "overlay storage does not work here ($(tail -n 1 "$DIR/storage-probe.log")), using vfs"
    # Podman's database remembers the driver it first saw: start the store afresh.
    stop_user_processes
    rm -rf "$USER_HOME/.local/share/containers/storage" "$DIR/runtime/containers" "$DIR/runtime/libpod"
    write_user_config "$n" vfs
    driver=vfs
  fi
  echo "$driver"
}

start_user_service() {
  start_daemon podman-service "${AS_USER[@]}" podman system service --time=0 "unix://$DIR/podman.sock"
  if ! wait_for "podman service" 30 api_pings; then
    tail -n 30 "$DIR/podman-service.log" >&2 || true
    return 1
  fi
}

# ---------------------------------------------------------------- up / down

write_rootless_env_file() {
  local registry=$1 auth_registry=$2 password=$3 n=$4 driver=$5
  {
    cat <<EOF
PODMAN_TEST_FLAVOUR=rootless
PODMAN_TEST_VERSION=$(podman --version | awk '{print $3}')
PODMAN_TEST_USER=$USER_NAME
PODMAN_TEST_UID=$USER_UID
PODMAN_TEST_HOME=$USER_HOME
PODMAN_TEST_STORAGE_DRIVER=$driver
PODMAN_TEST_PODMAN='${AS_USER[*]} podman'
PODMAN_TEST_PODMAN_REMOTE='podman --url unix://$DIR/podman.sock'
EOF
    common_env_lines "$registry" "$auth_registry" "$password" "$n"
  } >"$DIR/env.tmp"
  mv "$DIR/env.tmp" "$DIR/env"
}

cmd_up() {
  local n driver registry auth_registry password
  ((EUID == 0)) || die "must run as root (it creates a user)"
  [[ ! -e "$DIR/created" && ! -e "$DIR/env" ]] || die "$DIR is already up (run: $0 down $DIR)"
  ensure_rootless_packages
  mkdir -p "$DIR"/{registry,registry-auth}
  : >"$DIR/created"
  cd "$DIR"
  trap on_up_exit EXIT

  record devices claimed
  claim_devices "$DIR"
  create_user
  n=$(claim_net_index)
  driver=$(choose_storage_driver "$n")
  start_user_service
  build_test_image

  password=$(random_hex 12)
  htpasswd -B -b -c "$DIR/htpasswd" "$REGISTRY_USER" "$password" 2>/dev/null
  registry=$(start_registry registry 200)
  auth_registry=$(start_registry registry-auth 401)

  write_rootless_env_file "$registry" "$auth_registry" "$password" "$n" "$driver"
  cat "$DIR/env"
}

# The user's processes and its subordinate ids' (its containers run as those).
user_pids() {
  local uid=$1 lo=$2 count=$3 pid owner
  for pid in /proc/[0-9]*; do
    owner=$(stat -c %u "$pid" 2>/dev/null) || continue
    if ((owner == uid || (count > 0 && owner >= lo && owner < lo + count))); then
      echo "${pid#/proc/}"
    fi
  done
}

stop_user_processes() {
  local lo count signal pid i
  IFS=: read -r _ lo count < <(grep "^$USER_NAME:" /etc/subuid || echo "x:0:0")
  for signal in TERM KILL; do
    for pid in $(user_pids "$USER_UID" "$lo" "$count"); do kill -s "$signal" "$pid" 2>/dev/null || true; done
    for ((i = 0; i < 50; i++)); do
      [[ -z $(user_pids "$USER_UID" "$lo" "$count") ]] && return 0
      sleep 0.1
    done
  done
  log "warning: processes of $USER_NAME outlived KILL: $(user_pids "$USER_UID" "$lo" "$count" | tr '\n' ' ')"
}

unmount_under() {
  local mnt
  awk -v dir="$1/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
}

cmd_down() {
  [[ -d "$DIR" ]] || return 0
  local name
  cd /
  stop_recorded registry
  stop_recorded registry-auth
  name=$(recorded user)
  if [[ -n $name ]] && id "$name" >/dev/null 2>&1; then
    use_user "$name"
    timeout 60 "${AS_USER[@]}" podman rm -af -t 0 >/dev/null 2>&1 || true
    timeout 60 "${AS_USER[@]}" podman pod rm -af -t 0 >/dev/null 2>&1 || true
    stop_recorded podman-service
    stop_user_processes
    unmount_under "$USER_HOME"
    unmount_under "$DIR"
    userdel -r "$name" 2>/dev/null || [[ ! -d $USER_HOME ]] || rm -rf -- "$USER_HOME"
    if id "$name" >/dev/null 2>&1; then log "warning: could not remove user $name"; fi
  fi
  stop_recorded podman-service
  unmount_under "$DIR"
  [[ -z $(recorded devices) ]] || release_devices "$DIR"
  release_net_index
  rm -rf "$DIR"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
