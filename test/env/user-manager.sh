#!/usr/bin/env bash
# A real build host for the deploy test: a new non-root user with rootless Podman and a real
# `systemd --user` manager, plus a second "host" (a network namespace joined by a veth pair).
#
#   user-manager.sh up DIR     create everything, write DIR/env (KEY=VALUE), print it
#   user-manager.sh down DIR   remove everything `up DIR` created, by id (idempotent)
#
# PID 1 here is not systemd and there is no logind, so what they do on a real host is done by
# hand: a private mount namespace that says systemd is booted (nothing outside it sees that),
# /run/user/UID on tmpfs, a delegated cgroup for user@UID.service, and a journald.
# Everything the script makes is recorded in DIR/created, and only that is ever removed.
set -euo pipefail
shopt -s inherit_errexit
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

readonly APT_PACKAGES=(systemd dbus-user-session uidmap slirp4netns fuse-overlayfs podman runc
  iproute2 openssl busybox-static util-linux)
readonly APPLETS=(sh ls cat echo sleep httpd wget true)
readonly IMAGE=localhost/mcp-podman-test/busybox:latest
# shellcheck source=device-claims.sh
source "$(dirname "${BASH_SOURCE[0]}")/device-claims.sh"

DIR=

log() { echo "user-manager: $*" >&2; }
die() { log "error: $*"; exit 1; }
random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
record() { echo "$1=$2" >>"$DIR/created"; }
recorded() { sed -n "s/^$1=//p" "$DIR/created" 2>/dev/null; }

set_dir() {
  [[ -n "${1:-}" ]] || { echo "usage: $0 up|down DIR" >&2; exit 2; }
  DIR=$(realpath -m -- "$1")
  [[ "$DIR" =~ ^/[A-Za-z0-9._/-]+$ && "$DIR" != / ]] || die "DIR must be a plain path: $DIR"
}

wait_for() {
  local what=$1 tries=$2
  shift 2
  for ((i = 0; i < tries * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  log "timed out waiting for $what"
  return 1
}

# ---------------------------------------------------------------- install

missing_tools() {
  local tool
  for tool in systemctl journalctl newuidmap slirp4netns fuse-overlayfs podman runc ip openssl \
    nsenter unshare setpriv; do
    command -v "$tool" >/dev/null || echo "$tool"
  done
  [[ -x /lib/systemd/systemd-journald ]] || echo systemd-journald
  [[ -e /usr/lib/systemd/user/dbus.socket ]] || echo dbus-user-session
  [[ -e /usr/lib/systemd/user/podman.socket ]] || echo podman.socket
  [[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1 || echo "busybox(static)"
}

ensure_packages() {
  local missing
  missing=$(missing_tools | tr '\n' ' ')
  [[ -z "$missing" ]] && return
  log "installing packages (missing: $missing)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >&2
  missing=$(missing_tools | tr '\n' ' ')
  [[ -z "$missing" ]] || die "still missing after apt-get: $missing"
}

# No udev here: these are 0600, and rootless networking and fuse need them as a real host has them.
open_devices() {
  record devices claimed
  claim_devices "$DIR"
}

# ---------------------------------------------------------------- the user

create_user() {
  USER_NAME=mcpd$(random_hex 4)
  useradd -m -s /bin/bash "$USER_NAME"
  record user "$USER_NAME"
  USER_UID=$(id -u "$USER_NAME")
  USER_HOME=$(getent passwd "$USER_NAME" | cut -d: -f6)
  grep -q "^$USER_NAME:" /etc/subuid || die "useradd gave $USER_NAME no subordinate ids"
  # crun fails on this kernel; cgroupfs and file events because there is no system bus.
  as_user mkdir -p "$USER_HOME/.config/containers"
  as_user tee "$USER_HOME/.config/containers/containers.conf" >/dev/null <<'EOF'
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
}

as_user() {
  setpriv --reuid "$USER_UID" --regid "$USER_UID" --init-groups --reset-env -- "$@"
}

# ---------------------------------------------------------------- the manager

# Everything below runs inside the holder's private mount namespace.
in_ns() { nsenter -t "$HOLDER" -m -- "$@"; }

namespace_private() {
  [[ "$(readlink "/proc/$HOLDER/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]]
}

start_namespace() {
  unshare -m --propagation private sleep infinity </dev/null >/dev/null 2>&1 &
  HOLDER=$!
  record pid "$HOLDER"
  record holder "$HOLDER"
  wait_for "mount namespace" 5 namespace_private
  # A fresh /run (a mount point, so units' API file systems keep $XDG_RUNTIME_DIR visible).
  in_ns mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
  in_ns mkdir -p /run/systemd/system /run/systemd/unit-root /run/credentials /run/user \
    /run/systemd/journal /run/log/journal
  in_ns mkdir "/run/user/$USER_UID"
  in_ns mount -t tmpfs -o "mode=700,uid=$USER_UID,gid=$USER_UID,nosuid,nodev" tmpfs "/run/user/$USER_UID"
  # journald splits per user only on persistent storage; keep it out of the host's journal.
  in_ns mount -t tmpfs -o mode=2755 tmpfs /var/log/journal
}

start_journald() {
  in_ns /lib/systemd/systemd-journald </dev/null >"$DIR/journald.log" 2>&1 &
  local launcher=$!
  wait_for journald 10 in_ns test -S /run/systemd/journal/socket
  record pid "$launcher"
  # What systemd-journal-flush.service does at boot: from now on to /var/log/journal.
  in_ns journalctl --flush
}

make_cgroups() {
  local hierarchy path
  for hierarchy in systemd unified; do
    [[ -d /sys/fs/cgroup/$hierarchy ]] || continue
    path=/sys/fs/cgroup/$hierarchy
    for part in user.slice "user-$USER_UID.slice" "user@$USER_UID.service"; do
      path=$path/$part
      if [[ ! -d $path ]]; then
        mkdir "$path"
        record cgroup "$path"
      fi
    done
    chown -R "$USER_UID:$USER_UID" "$path"
  done
  [[ -n $(recorded cgroup) ]] || die "no cgroup hierarchy for the user manager"
}

start_manager() {
  local runtime=/run/user/$USER_UID procs=""
  for hierarchy in systemd unified; do
    [[ -d /sys/fs/cgroup/$hierarchy ]] &&
      procs+=" /sys/fs/cgroup/$hierarchy/user.slice/user-$USER_UID.slice/user@$USER_UID.service/cgroup.procs"
  done
  # The manager moves itself into user@UID.service before it starts, as user@.service would.
  in_ns sh -c 'for f in '"$procs"'; do echo $$ >"$f"; done; exec "$@"' manager \
    setpriv --reuid "$USER_UID" --regid "$USER_UID" --init-groups --reset-env -- \
    env HOME="$USER_HOME" USER="$USER_NAME" LOGNAME="$USER_NAME" SHELL=/bin/bash \
    XDG_RUNTIME_DIR="$runtime" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    /lib/systemd/systemd --user </dev/null >"$DIR/manager.log" 2>&1 &
  MANAGER=$!
  record pid "$MANAGER"
  record manager "$MANAGER"
  if ! wait_for "systemd --user" 20 in_ns test -S "$runtime/systemd/private"; then
    tail -n 30 "$DIR/manager.log" >&2
    return 1
  fi
  wait_for "systemd --user to finish starting" 20 user_manager_running
}

user_systemctl() {
  in_ns setpriv --reuid "$USER_UID" --regid "$USER_UID" --init-groups --reset-env -- \
    env HOME="$USER_HOME" XDG_RUNTIME_DIR="/run/user/$USER_UID" PATH=/usr/bin:/bin:/usr/sbin:/sbin "$@"
}

user_manager_running() {
  local state
  state=$(user_systemctl systemctl --user is-system-running 2>/dev/null || true)
  [[ $state == running || $state == degraded ]]
}

# The web server image, FROM scratch with the static busybox, as podman-test-env.sh builds it.
build_image() {
  local ctx=$USER_HOME/image-context
  as_user mkdir -p "$ctx/bin"
  as_user cp /bin/busybox "$ctx/bin/busybox"
  for applet in "${APPLETS[@]}"; do as_user ln -s busybox "$ctx/bin/$applet"; done
  printf 'FROM scratch\nCOPY bin /bin\nCMD ["/bin/sh"]\n' | as_user tee "$ctx/Containerfile" >/dev/null
  user_systemctl podman build -q -t "$IMAGE" -f "$ctx/Containerfile" "$ctx" >"$DIR/image-build.log" 2>&1 ||
    { cat "$DIR/image-build.log" >&2; return 1; }
  as_user rm -rf "$ctx"
}

# ---------------------------------------------------------------- the other host

make_netns() {
  local id octet
  id=$(random_hex 3)
  NETNS=mcpd-$id
  ip netns add "$NETNS"
  record netns "$NETNS"
  for ((try = 0; try < 20; try++)); do
    octet=$(( 16 + $(od -An -tu1 -N1 /dev/urandom) % 200 ))
    ip route | grep -q "^10\.213\.$octet\." || break
  done
  HOST_ADDR=10.213.$octet.1
  AGENT_ADDR=10.213.$octet.2
  ip link add "vh$id" type veth peer name "va$id"
  record veth "vh$id"
  ip link set "va$id" netns "$NETNS"
  ip addr add "$HOST_ADDR/30" dev "vh$id"
  ip link set "vh$id" up
  ip netns exec "$NETNS" ip addr add "$AGENT_ADDR/30" dev "va$id"
  ip netns exec "$NETNS" ip link set "va$id" up
  ip netns exec "$NETNS" ip link set lo up
}

up() {
  (( EUID == 0 )) || die "must run as root"
  [[ ! -e "$DIR/created" ]] || die "$DIR is already in use"
  mkdir -p "$DIR"
  : >"$DIR/created"
  ensure_packages
  open_devices
  create_user
  start_namespace
  start_journald
  make_cgroups
  start_manager
  build_image
  make_netns
  cat >"$DIR/env" <<EOF
DEPLOY_USER=$USER_NAME
DEPLOY_UID=$USER_UID
DEPLOY_HOME=$USER_HOME
DEPLOY_NS_PID=$HOLDER
DEPLOY_MANAGER_PID=$MANAGER
DEPLOY_IMAGE=$IMAGE
DEPLOY_NETNS=$NETNS
DEPLOY_HOST_ADDR=$HOST_ADDR
DEPLOY_AGENT_ADDR=$AGENT_ADDR
EOF
  cat "$DIR/env"
}

# ---------------------------------------------------------------- down

# Processes of the user and of its subordinate ids: rootless containers run as those.
user_pids() {
  local uid=$1 lo=$2 count=$3 pid owner
  for pid in /proc/[0-9]*; do
    owner=$(stat -c %u "$pid" 2>/dev/null) || continue
    if (( owner == uid || (count > 0 && owner >= lo && owner < lo + count) )); then
      echo "${pid#/proc/}"
    fi
  done
}

down() {
  [[ -e "$DIR/created" ]] || { rm -rf "$DIR"; return 0; }
  local name uid="" sub_lo=0 sub_count=0 pid path entry holder
  name=$(recorded user)
  holder=$(recorded holder)
  if [[ -n $name ]] && uid=$(id -u "$name" 2>/dev/null); then
    IFS=: read -r _ sub_lo sub_count < <(grep "^$name:" /etc/subuid || echo "x:0:0")
    for signal in TERM KILL; do
      for pid in $(user_pids "$uid" "$sub_lo" "$sub_count"); do kill -s "$signal" "$pid" 2>/dev/null || true; done
      for ((i = 0; i < 30; i++)); do
        [[ -z $(user_pids "$uid" "$sub_lo" "$sub_count") ]] && break
        sleep 0.1
      done
    done
  fi
  for pid in $(recorded pid | tac); do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $(recorded pid); do
    for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # The namespace's mounts go with its last process; only the cgroups and the rest are left.
  for path in $(recorded cgroup | tac); do
    find "$path" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    [[ ! -d $path ]] || log "warning: cgroup $path is still there"
  done
  for entry in $(recorded veth); do ip link del "$entry" 2>/dev/null || true; done
  for entry in $(recorded netns); do ip netns del "$entry" 2>/dev/null || true; done
  [[ -n $name ]] && id "$name" >/dev/null 2>&1 && userdel -r "$name" 2>/dev/null
  [[ -z $(recorded devices) ]] || release_devices "$DIR"
  rm -rf "$DIR"
}

case "${1:-}" in
  up)
    set_dir "${2:-}"
    trap 'rc=$?; if (( rc != 0 )) && [[ -e "$DIR/created" ]]; then log "up failed, undoing it"; down; fi' EXIT
    up
    ;;
  down) set_dir "${2:-}"; down ;;
  *) echo "usage: $0 up|down DIR" >&2; exit 2 ;;
esac
