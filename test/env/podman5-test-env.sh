#!/usr/bin/env bash
# Brings up (and tears down) an isolated, real Podman 5 beside the machine's own Podman: Debian 13's
# packages in a root of their own, with the same test image, registries and DIR/env as
# podman-test-env.sh.
#
#   podman5-test-env.sh up DIR     start everything, write DIR/env (KEY=VALUE), print it
#   podman5-test-env.sh down DIR   stop everything started by `up DIR`, remove DIR (idempotent)
#
# The trixie root is built once per machine (ROOT_CACHE) and never written to afterwards: each run
# gets an overlay of it in a mount namespace of its own (see setup_namespace), with the host's
# temporary folder (and so DIR) at the same paths inside, so the store, socket and config paths
# read the same from the host and from inside.
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source=podman-test-env.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/podman-test-env.sh"

readonly CACHE_DIR=/var/cache/mcp-podman-test
readonly SUITE=trixie
readonly ROOT_PACKAGES=(podman runc conmon netavark aardvark-dns catatonit iptables nftables passt
  uidmap curl ca-certificates)
# Named after what it holds, so a changed package list builds a new root instead of reusing one.
ROOT_CACHE=$CACHE_DIR/$SUITE-podman5-$(printf '%s\n' "${ROOT_PACKAGES[@]}" | sha256sum | cut -c1-12)
readonly ROOT_CACHE
readonly HOST_PACKAGES=(docker-registry apache2-utils curl busybox-static nftables)
readonly ROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Netavark's nftables table, shared by every Podman 5 env on the machine.
readonly NFT_TABLE=(inet netavark)

MNT_NS=
HOST_TMP=$(realpath -m -- "${TMPDIR:-/tmp}")

set_mnt_ns() { MNT_NS=$DIR/mnt.ns; }

# ---------------------------------------------------------------- host packages

missing_host_tools() {
  local tool
  for tool in docker-registry htpasswd curl nft dpkg-deb chroot flock unshare nsenter pivot_root; do
    command -v "$tool" >/dev/null || echo "$tool"
  done
  busybox_is_static || echo "busybox(static)"
}

ensure_host_packages() {
  local missing
  missing=$(missing_host_tools | tr '\n' ' ')
  [[ -z "$missing" ]] && return
  (( EUID == 0 )) || die "missing: $missing- install as root: apt-get install -y ${HOST_PACKAGES[*]}"
  log "installing packages (missing: $missing)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${HOST_PACKAGES[@]}" >&2
  missing=$(missing_host_tools | tr '\n' ' ')
  [[ -z "$missing" ]] || die "still missing after apt-get install: $missing"
}

# ---------------------------------------------------------------- the cached root

debian_mirror() {
  local mirror
  mirror=$(awk '$1 == "URIs:" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [[ -n "$mirror" ]] || die "no Debian mirror (URIs:) in /etc/apt/sources.list.d/debian.sources"
  echo "$mirror"
}

# debootstrap unpacked into a scratch folder: `apt-get install` would wait for (or take) the
# host's dpkg lock, which concurrent setups and the rootful env script also want.
unpack_debootstrap() {
  local work=$1
  (cd "$work" && apt-get -o APT::Sandbox::User=root download debootstrap >&2) || die "apt-get download debootstrap failed"
  dpkg-deb -x "$work"/debootstrap_*.deb "$work/debootstrap"
}

# Mounts that apt needs inside a root under construction; undone by unmount_build_root.
mount_build_root() {
  local root=$1
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount --make-rslave "$root/dev"
}

unmount_build_root() {
  local root=$1 mnt
  awk -v dir="$root/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
}

build_root() {
  local work=$1 root=$1/root mirror
  mirror=$(debian_mirror)
  unpack_debootstrap "$work"
  log "debootstrap $SUITE from $mirror (once per machine, ~30 s)"
  DEBOOTSTRAP_DIR=$work/debootstrap/usr/share/debootstrap \
    "$work/debootstrap/usr/sbin/debootstrap" --variant=minbase --include=ca-certificates \
    "$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap $SUITE failed"; }
  # Package scripts must not start services on the host's behalf.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  mount_build_root "$root"
  if ! chroot "$root" /usr/bin/env -i PATH=$ROOT_PATH DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" && apt-get clean' \
    sh "${ROOT_PACKAGES[@]}" >"$work/apt.log" 2>&1; then
    unmount_build_root "$root"
    tail -n 30 "$work/apt.log" >&2
    die "installing ${ROOT_PACKAGES[*]} in the $SUITE root failed"
  fi
  if ! chroot "$root" podman --version >/dev/null; then
    unmount_build_root "$root"
    die "podman does not run in the $SUITE root"
  fi
  unmount_build_root "$root"
}

# Built in a scratch folder and renamed into place, under a lock: a run never sees half a root,
# and concurrent first runs build it once.
ensure_root() {
  local work lock
  [[ -x "$ROOT_CACHE/usr/bin/podman" ]] && return
  (( EUID == 0 )) || die "$ROOT_CACHE is missing and only root can build it"
  mkdir -p "$CACHE_DIR"
  exec {lock}>"$CACHE_DIR/.lock"
  flock "$lock"
  if [[ ! -x "$ROOT_CACHE/usr/bin/podman" ]]; then
    rm -rf "$ROOT_CACHE"
    work=$(mktemp -d "$CACHE_DIR/build.XXXXXX")
    if ! (build_root "$work"); then
      unmount_build_root "$work/root"
      rm -rf --one-file-system "$work"
      die "could not build the $SUITE root"
    fi
    mv "$work/root" "$ROOT_CACHE"
    rm -rf --one-file-system "$work"
  fi
  exec {lock}>&-
}

# ---------------------------------------------------------------- this run's root

# Its own mount namespace, kept in DIR/mnt.ns, where an overlay of the cached root (writes land in
# DIR/upper) is pivoted to "/". A chroot is not enough: `podman exec` joins a container's mount
# namespace at that namespace's root, which after runc's pivot_root is the container's rootfs only
# if the service's root was the namespace's root; under a chroot exec lands on the host's /.
# Nothing it mounts is visible on the host, and it all goes with the namespace.
setup_namespace() {
  local host_tmp=$HOST_TMP dir_bind=
  [[ "$DIR/" == "$HOST_TMP/"* ]] || dir_bind=$DIR
  mkdir -p "$DIR"/{upper,work,root-mount}
  touch "$MNT_NS"
  unshare --mount="$MNT_NS" --propagation private true
  nsenter --mount="$MNT_NS" -- /bin/bash -euo pipefail -c '
    root=$1 cache=$2 dir=$3 host_tmp=$4 dir_bind=$5
    mount -t overlay overlay -o "lowerdir=$cache,upperdir=$dir/upper,workdir=$dir/work" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --make-rslave "$root/sys"
    mount --rbind /dev "$root/dev"
    mount --make-rslave "$root/dev"
    # Podman keeps its lock segment in /dev/shm/libpod_lock: never the one of the host Podman.
    mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
    # A fresh /run at every start, as after a reboot, so Podman never trusts stale state.
    mount -t tmpfs -o mode=755,nosuid,nodev run "$root/run"
    # Tests hand Podman host paths to bind and read (their files live in the temporary
    # folder), as a Podman on the host would see them; DIR itself is under it or bound too.
    mount --bind "$host_tmp" "$root/tmp"
    if [[ -n "$dir_bind" ]]; then mkdir -p "$root$dir_bind"; mount --bind "$dir_bind" "$root$dir_bind"; fi
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    mkdir -p "$root/.host"
    cd "$root"
    pivot_root . .host
    /.host/usr/bin/umount -l /.host
    rmdir /.host
  ' setup "$DIR/root-mount" "$ROOT_CACHE" "$DIR" "$host_tmp" "$dir_bind"
}

# A command in this run's root with a clean environment (the caller's TMPDIR and the like are
# host paths).
root_command() {
  echo "nsenter --mount=$MNT_NS -- /usr/bin/env -i PATH=$ROOT_PATH HOME=/root PODMAN_IGNORE_CGROUPSV1_WARNING=1 CONTAINERS_CONF=$DIR/containers.conf"
}

# shellcheck disable=SC2046 # plain paths only (set_dir checks DIR)
in_root() { $(root_command) "$@"; }

podman_flags() {
  echo "--root $DIR/root --runroot $DIR/run --tmpdir $DIR/tmp --storage-driver overlay --network-config-dir $DIR/networks"
}

# shellcheck disable=SC2046
podman_local() { in_root podman $(podman_flags) "$@"; }

podman_remote() { in_root podman --url "unix://$DIR/podman.sock" "$@"; }

write_podman5_config() {
  local n=$1
  cat >"$DIR/containers.conf" <<EOF
[containers]
# The runtime cannot raise rlimits here (no CAP_SYS_RESOURCE); stay below the hard limits.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"

[engine]
# crun fails on hybrid cgroups: "cgroups in hybrid mode not supported".
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
image_copy_tmp_dir = "$DIR/tmp"

[network]
network_backend = "netavark"
# Off the iptables chains that the host's netavark 1.4 owns.
firewall_driver = "nftables"
default_network = "pte$n"
default_subnet_pools = [{"base" = "10.$n.0.0/16", "size" = 24}]
EOF
  cat >"$DIR/networks/pte$n.json" <<EOF
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

start_podman5_service() {
  # The service resolves a remote build's Containerfile against its working directory: keep it in DIR.
  # shellcheck disable=SC2046
  start_daemon podman-service $(root_command) /usr/bin/env -C "$DIR" podman $(podman_flags) \
    system service --time=0 "unix://$DIR/podman.sock"
  if ! wait_for "podman service" 30 api_pings; then
    tail -n 30 "$DIR/podman-service.log" >&2 || true
    return 1
  fi
}

podman5_version() {
  api /version | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' | head -n 1
}

# ---------------------------------------------------------------- up / down

write_podman5_env_file() {
  local registry=$1 auth_registry=$2 password=$3 n=$4 version=$5
  local in_root
  in_root=$(root_command)
  {
    cat <<EOF
PODMAN_TEST_FLAVOUR=podman5
PODMAN_TEST_VERSION=$version
PODMAN_TEST_STORAGE_DRIVER=overlay
PODMAN_TEST_PODMAN='$in_root podman $(podman_flags)'
PODMAN_TEST_PODMAN_REMOTE='$in_root podman --url unix://$DIR/podman.sock'
EOF
    common_env_lines "$registry" "$auth_registry" "$password" "$n"
  } >"$DIR/env.tmp"
  mv "$DIR/env.tmp" "$DIR/env"
}

on_up5_exit() {
  local status=$?
  [[ -f "$DIR/env" ]] && return
  log "up failed (status $status), tearing down $DIR"
  cmd_down5
  exit 1
}

cmd_up5() {
  local n registry auth_registry password version
  (( EUID == 0 )) || die "the Podman 5 env mounts a root of its own: run as root"
  ensure_host_packages
  ensure_root
  [[ ! -e "$DIR/env" && ! -e "$DIR/podman-service.pid" ]] || die "$DIR is already up (run: $0 down $DIR)"
  mkdir -p "$DIR"/{root,run,tmp,networks,registry,registry-auth}
  cd "$DIR"
  trap on_up5_exit EXIT

  n=$(claim_net_index)
  setup_namespace
  write_podman5_config "$n"
  start_podman5_service
  version=$(podman5_version)
  [[ "$version" == 5.* ]] || die "the $SUITE root's Podman answers version '$version', not 5.x"
  build_test_image

  password=$(random_hex 12)
  htpasswd -B -b -c "$DIR/htpasswd" "$REGISTRY_USER" "$password" 2>/dev/null
  registry=$(start_registry registry 200)
  auth_registry=$(start_registry registry-auth 401)

  write_podman5_env_file "$registry" "$auth_registry" "$password" "$n" "$version"
  cat "$DIR/env"
}

# Every process in this run's mount namespace is ours: the service, conmons (exec conmons linger
# for their exit delay), aardvark-dns, and whatever they started.
namespace_pids() {
  local proc ns
  ns="mnt:[$(stat -L -c %i "$MNT_NS" 2>/dev/null)]" || return 0
  for proc in /proc/[0-9]*; do
    [[ "$(readlink "$proc/ns/mnt" 2>/dev/null)" == "$ns" ]] && echo "${proc#/proc/}"
  done
  return 0
}

namespace_is_up() { mountpoint -q "$MNT_NS" 2>/dev/null; }

kill_namespace_pids() {
  local pid pids i
  namespace_is_up || return 0
  for ((i = 0; i < 20; i++)); do
    pids=$(namespace_pids)
    [[ -z "$pids" ]] && return
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    sleep 0.1
  done
  log "processes still in $MNT_NS: $(namespace_pids | tr '\n' ' ')"
}

# Containers that Podman could not remove (e.g. its service was killed): runc's state lives in the
# namespace's own /run, so its list holds this run's containers only.
purge_orphans5() {
  local id
  for id in $(in_root runc list -q 2>/dev/null || true); do
    [[ "$id" =~ ^[0-9a-f]+$ ]] || continue
    log "removing orphaned container $id"
    in_root runc kill "$id" KILL 2>/dev/null || true
    wait_for "runc delete $id" 10 in_root runc delete -f "$id" 2>/dev/null || true
  done
}

# A chain of netavark's table serves one network: its name carries the network's subnet
# (nv_HASH_10_N_X_0_nm24...), and the rules that jump to it or mention the subnet are in the
# shared chains. Drop those of this run's subnets, then the table once no other Podman 5 env uses it.
delete_nft_rules() {
  local n=$1 listing handle chain lock
  nft list table "${NFT_TABLE[@]}" >/dev/null 2>&1 || return 0
  listing=$(nft -a list table "${NFT_TABLE[@]}" 2>/dev/null || true)
  awk -v n="$n" '
    /^\tchain / {chain = $2}
    /# handle [0-9]+$/ && chain != "" && ($0 ~ "[^0-9]10\\." n "\\." || $0 ~ "_10_" n "_") {
      print chain, $NF
    }' <<<"$listing" |
    while read -r chain handle; do
      nft delete rule "${NFT_TABLE[@]}" "$chain" handle "$handle" 2>/dev/null || true
    done
  for chain in $(awk -v n="$n" '/^\tchain / && $2 ~ "_10_" n "_" {print $2}' <<<"$listing"); do
    nft delete chain "${NFT_TABLE[@]}" "$chain" 2>/dev/null || true
  done
  mkdir -p "$CACHE_DIR"
  exec {lock}>"$CACHE_DIR/.nft.lock"
  flock "$lock"
  release_net_index
  other_podman5_envs_up || nft delete table "${NFT_TABLE[@]}" 2>/dev/null || true
  exec {lock}>&-
}

other_podman5_envs_up() {
  local claim owner
  for claim in "$NET_CLAIMS"/*; do
    [[ -f "$claim" ]] || continue
    owner=$(cat "$claim" 2>/dev/null || true)
    [[ -n "$owner" && "$owner" != "$DIR" && -e "$owner/mnt.ns" ]] && return 0
  done
  return 1
}

delete_bridges5() {
  local n=$1 bridge
  { sed -n 's/.*"network_interface": "\([^"]*\)".*/\1/p' "$DIR"/networks/*.json 2>/dev/null || true; } |
    while read -r bridge; do
      if [[ "$(ip -4 addr show dev "$bridge" 2>/dev/null)" == *"inet 10.$n."* ]]; then
        ip link delete "$bridge" 2>/dev/null || true
      fi
    done
}

cmd_down5() {
  local n
  [[ -d "$DIR" ]] || return 0
  stop_recorded registry
  stop_recorded registry-auth
  stop_recorded podman-service
  if namespace_is_up; then
    podman_local rm -af -t 0 >/dev/null 2>&1 || true
    podman_local pod rm -af -t 0 >/dev/null 2>&1 || true
    purge_orphans5
  fi
  kill_namespace_pids
  if n=$(cat "$DIR/net-index" 2>/dev/null); then
    delete_bridges5 "$n"
    delete_nft_rules "$n"
  fi
  namespace_is_up && umount "$MNT_NS"
  unmount_leftovers
  release_net_index
  if awk -v dir="$DIR/" 'index($5, dir) == 1 {found = 1} END {exit !found}' /proc/self/mountinfo; then
    die "mounts under $DIR remain; not removing it"
  fi
  rm -rf --one-file-system "$DIR"
}

main5() {
  local cmd=${1:-}
  set_dir "${2:-}"
  set_mnt_ns
  case $cmd in
    up) cmd_up5 ;;
    down) cmd_down5 ;;
    *) usage ;;
  esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main5 "$@"; fi
