#!/usr/bin/env bash
# Brings up (and tears down) an isolated, real Podman for the test suite:
# its own store, API socket, test image and two loopback registries, all under DIR.
#
#   podman-test-env.sh up DIR     start everything, write DIR/env (KEY=VALUE), print it
#   podman-test-env.sh down DIR   stop everything started by `up DIR`, remove DIR (idempotent)
#
# Never touches the machine's default Podman store, /etc/containers or processes it did not start.
set -euo pipefail
shopt -s inherit_errexit
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin   # runc lives in /usr/sbin, often not in a user's PATH

readonly TEST_IMAGE=localhost/mcp-podman-test/busybox:latest
readonly REGISTRY_USER=testuser
readonly APT_PACKAGES=(podman runc conmon netavark aardvark-dns catatonit iptables iproute2 procps
  busybox-static docker-registry apache2-utils curl openssl systemd)
readonly NETAVARK=/usr/lib/podman/netavark
readonly APPLETS=(sh ls cat echo sleep env httpd wget seq head tail yes grep printf
  true false id hostname nc)
# Shared between concurrent envs: which default-network index each env holds.
readonly NET_CLAIMS=/tmp/.mcp-podman-test-env-nets

DIR=

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

log() { echo "podman-test-env: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  echo "usage: $0 up|down DIR" >&2
  exit 2
}

set_dir() {
  [[ -n "${1:-}" ]] || usage
  DIR=$(realpath -m -- "$1")
  # DIR ends up unquoted in the env file and in podman's conmon exit commands.
  [[ "$DIR" =~ ^/[A-Za-z0-9._/-]+$ && "$DIR" != / ]] || die "DIR must be a plain path: $DIR"
  # A unix socket path is limited to 107 bytes.
  (( ${#DIR} <= 90 )) || die "DIR is too long for a unix socket path: $DIR"
}

# The podman CLI against the isolated store (never the machine's default one).
podman_local() {
  CONTAINERS_CONF="$DIR/containers.conf" podman --root "$DIR/root" --runroot "$DIR/run" \
    --tmpdir "$DIR/tmp" --storage-driver vfs --network-config-dir "$DIR/networks" "$@"
}

podman_remote() { podman --url "unix://$DIR/podman.sock" "$@"; }

api() { curl -sS --fail --max-time 30 --unix-socket "$DIR/podman.sock" "http://d/v4.0.0/libpod$1" "${@:2}"; }

# ---------------------------------------------------------------- install

busybox_is_static() {
  [[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1
}

missing_tools() {
  local tool
  # openssl makes the HTTPS tests' CA; systemd-analyze verifies the user unit.
  for tool in podman runc conmon iptables ip pgrep docker-registry htpasswd curl openssl \
    systemd-analyze; do
    command -v "$tool" >/dev/null || echo "$tool"
  done
  [[ -x $NETAVARK ]] || echo netavark
  busybox_is_static || echo "busybox(static)"
}

ensure_packages() {
  local missing
  missing=$(missing_tools | tr '\n' ' ')
  [[ -z "$missing" ]] && return
  if (( EUID != 0 )); then
    die "missing: $missing- install as root: apt-get install -y ${APT_PACKAGES[*]}"
  fi
  log "installing packages (missing: $missing)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${APT_PACKAGES[@]}" >&2
  missing=$(missing_tools | tr '\n' ' ')
  [[ -z "$missing" ]] || die "still missing after apt-get install: $missing"
}

# ---------------------------------------------------------------- pids

record_pid() { echo "$2" >"$DIR/$1.pid"; }

# Only a PID whose command line still mentions DIR is ours (guards against PID reuse).
is_ours() {
  local pid=$1 cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cmdline=$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null) || return 1
  [[ "$cmdline" == *"$DIR/"* ]]
}

stop_pid() {
  local pid=$1 i
  is_ours "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    is_ours "$pid" || return 0
    sleep 0.1
  done
  log "pid $pid ignored TERM, killing"
  kill -KILL "$pid" 2>/dev/null || true
}

stop_recorded() {
  local name=$1
  [[ -f "$DIR/$name.pid" ]] || return 0
  stop_pid "$(cat "$DIR/$name.pid")"
  rm -f "$DIR/$name.pid"
}

start_daemon() {
  local name=$1; shift
  setsid "$@" </dev/null >>"$DIR/$name.log" 2>&1 &
  record_pid "$name" $!
}

wait_for() {
  local what=$1 seconds=$2 i; shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  log "$what did not come up within ${seconds}s"
  return 1
}

# ---------------------------------------------------------------- podman

# Concurrent envs share the host's network stack. With Podman's built-in default network each would
# use bridge podman0 with 10.88.0.0/16 (same IPs on the same bridge), and netavark names its iptables
# chains after the network name, so removing the last container of one env deletes rules that the
# others (and the machine's own "podman" network) still use. So each env claims an index N and gets
# a default network named pteN: bridge pteN, subnet 10.N.0.0/24, pool 10.N.0.0/16 for new networks.
claim_net_index() {
  local n claim owner routes
  routes=" $(ip -4 route 2>/dev/null | tr '\n' ' ')"
  mkdir -p "$NET_CLAIMS"
  for n in $(shuf -i 100-199); do
    claim="$NET_CLAIMS/$n"
    owner=$(cat "$claim" 2>/dev/null || true)
    if [[ -n "$owner" && ! -d "$owner" ]]; then rm -f "$claim"; fi   # left by a vanished env
    ip -o link show "pte$n" >/dev/null 2>&1 && continue
    [[ "$routes" == *" 10.$n."* ]] && continue
    if (set -C; echo "$DIR" >"$claim") 2>/dev/null; then
      echo "$n" >"$DIR/net-index"
      echo "$n"
      return
    fi
  done
  die "no free network index in $NET_CLAIMS"
}

release_net_index() {
  local n
  n=$(cat "$DIR/net-index" 2>/dev/null) || return 0
  [[ "$(cat "$NET_CLAIMS/$n" 2>/dev/null)" == "$DIR" ]] && rm -f "$NET_CLAIMS/$n"
  return 0
}

write_podman_config() {
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
# File locks live under --tmpdir; the default shm locks are one segment shared by all stores.
lock_type = "file"
image_copy_tmp_dir = "$DIR/tmp"

[network]
# The default network below is written in netavark's format (podman 4 falls back to CNI without it).
network_backend = "netavark"
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

api_pings() { [[ "$(curl -sf --max-time 2 --unix-socket "$DIR/podman.sock" http://d/v4.0.0/libpod/_ping 2>/dev/null)" == OK ]]; }

start_podman_service() {
  start_daemon podman-service env CONTAINERS_CONF="$DIR/containers.conf" podman \
    --root "$DIR/root" --runroot "$DIR/run" --tmpdir "$DIR/tmp" --storage-driver vfs \
    --network-config-dir "$DIR/networks" system service --time=0 "unix://$DIR/podman.sock"
  if ! wait_for "podman service" 20 api_pings; then
    tail -n 30 "$DIR/podman-service.log" >&2 || true
    return 1
  fi
}

build_test_image() {
  local ctx=$DIR/image-context applet available images
  mkdir -p "$ctx/bin"
  cp /bin/busybox "$ctx/bin/busybox"
  available=" $(/bin/busybox --list | tr '\n' ' ')"
  for applet in "${APPLETS[@]}"; do
    if [[ "$available" == *" $applet "* ]]; then ln -s busybox "$ctx/bin/$applet"; fi
  done
  printf 'FROM scratch\nCOPY bin /bin\nCMD ["/bin/sh"]\n' >"$ctx/Containerfile"
  podman_remote build -q -t "$TEST_IMAGE" -f "$ctx/Containerfile" "$ctx" >"$DIR/image-build.log" 2>&1 ||
    { cat "$DIR/image-build.log" >&2; return 1; }
  images=$(api "/images/json")
  [[ "$images" == *"\"$TEST_IMAGE\""* ]] || die "test image not listed by the API after build"
  rm -rf "$ctx"
}

# ---------------------------------------------------------------- registries

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null && return
  local port
  for ((port = 5000; port < 6000; port++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  die "no free port"
}

registry_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$1/v2/" 2>/dev/null || true; }

write_registry_config() {
  local name=$1 addr=$2
  cat >"$DIR/$name.yml" <<EOF
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $DIR/$name}
  delete: {enabled: true}
http: {addr: $addr, secret: $(random_hex 16)}
EOF
  if [[ $name == registry-auth ]]; then
    printf 'auth:\n  htpasswd: {realm: mcp-podman-test, path: %s}\n' "$DIR/htpasswd" >>"$DIR/$name.yml"
  fi
}

# Prints the address the registry listens on; retries on another port if it died (port taken meanwhile).
start_registry() {
  local name=$1 want=$2 addr pid _
  for _ in 1 2 3; do
    addr=127.0.0.1:$(free_port)
    write_registry_config "$name" "$addr"
    start_daemon "$name" /usr/bin/docker-registry serve "$DIR/$name.yml"
    pid=$(cat "$DIR/$name.pid")
    wait_for "$name" 10 registry_answers_or_died "$addr" "$pid" || break
    if [[ "$(registry_status "$addr")" == "$want" ]]; then
      echo "$addr"
      return
    fi
    kill -0 "$pid" 2>/dev/null && break
    stop_recorded "$name"
  done
  log "$name at $addr did not answer $want on /v2/"
  tail -n 20 "$DIR/$name.log" >&2 || true
  return 1
}

registry_answers_or_died() {
  ! kill -0 "$2" 2>/dev/null || [[ "$(registry_status "$1")" != 000 ]]
}

# ---------------------------------------------------------------- up / down

# The lines every flavour's DIR/env has: the socket, the test image, the registries, the network.
common_env_lines() {
  local registry=$1 auth_registry=$2 password=$3 n=$4
  cat <<EOF
PODMAN_TEST_ROOT=$DIR
PODMAN_TEST_SOCKET=$DIR/podman.sock
PODMAN_TEST_URL=unix://$DIR/podman.sock
PODMAN_TEST_PID=$(cat "$DIR/podman-service.pid")
PODMAN_TEST_IMAGE=$TEST_IMAGE
PODMAN_TEST_REGISTRY=$registry
PODMAN_TEST_REGISTRY_PID=$(cat "$DIR/registry.pid")
PODMAN_TEST_AUTH_REGISTRY=$auth_registry
PODMAN_TEST_AUTH_REGISTRY_PID=$(cat "$DIR/registry-auth.pid")
PODMAN_TEST_REGISTRY_USER=$REGISTRY_USER
PODMAN_TEST_REGISTRY_PASSWORD=$password
PODMAN_TEST_SUBNET=10.$n.0.0/24
PODMAN_TEST_NETWORK=pte$n
EOF
}

write_env_file() {
  local registry=$1 auth_registry=$2 password=$3 n=$4
  {
    cat <<EOF
PODMAN_TEST_FLAVOUR=rootful-4
PODMAN_TEST_VERSION=$(podman --version | awk '{print $3}')
PODMAN_TEST_STORAGE_DRIVER=vfs
PODMAN_TEST_PODMAN='env CONTAINERS_CONF=$DIR/containers.conf podman --root $DIR/root --runroot $DIR/run --tmpdir $DIR/tmp --storage-driver vfs --network-config-dir $DIR/networks'
PODMAN_TEST_PODMAN_REMOTE='podman --url unix://$DIR/podman.sock'
EOF
    common_env_lines "$registry" "$auth_registry" "$password" "$n"
  } >"$DIR/env.tmp"
  mv "$DIR/env.tmp" "$DIR/env"
}

on_up_exit() {
  local status=$?
  [[ -f "$DIR/env" ]] && return
  log "up failed (status $status), tearing down $DIR"
  cmd_down
  exit 1
}

cmd_up() {
  local n registry auth_registry password
  ensure_packages
  [[ ! -e "$DIR/env" && ! -e "$DIR/podman-service.pid" ]] || die "$DIR is already up (run: $0 down $DIR)"
  mkdir -p "$DIR"/{root,run,tmp,networks,registry,registry-auth}
  # The services inherit the working directory, and podman 4.3's API service
  # resolves a remote build's Containerfile against its own: keep it in DIR.
  cd "$DIR"
  trap on_up_exit EXIT

  n=$(claim_net_index)
  write_podman_config "$n"
  start_podman_service
  build_test_image

  password=$(random_hex 12)
  htpasswd -B -b -c "$DIR/htpasswd" "$REGISTRY_USER" "$password" 2>/dev/null
  registry=$(start_registry registry 200)
  auth_registry=$(start_registry registry-auth 401)

  write_env_file "$registry" "$auth_registry" "$password" "$n"
  cat "$DIR/env"
}

# Container shm and netns mounts under DIR would make rm -rf fail.
unmount_leftovers() {
  local mnt
  awk -v dir="$DIR/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
}

# Processes that outlived the podman CLI cleanup (e.g. conmon of a container podman could not remove).
kill_leftovers() {
  local pid comm
  for pid in $(pgrep -f -- "$DIR/" || true); do
    is_ours "$pid" || continue
    comm=$(cat /proc/"$pid"/comm 2>/dev/null) || continue
    case $comm in
      conmon | podman | docker-registry | aardvark-dns) kill -KILL "$pid" 2>/dev/null || true ;;
    esac
  done
}

# Safety net for containers that podman could not remove (e.g. its state was lost): kill them via
# runc, then drop their netns, bridges and firewall rules, which are all recognisable as this env's.
purge_orphans() {
  local n id bundle orphans=()
  while read -r id bundle; do
    [[ "$bundle" == "$DIR/"* ]] || continue
    log "removing orphaned container $id"
    orphans+=("$id")
    runc kill "$id" KILL 2>/dev/null || true
    { grep -o '/run/netns/[A-Za-z0-9-]*' "$bundle/config.json" 2>/dev/null || true; } |
      while read -r netns; do ip netns delete "${netns##*/}" 2>/dev/null || true; done
  done < <(runc list 2>/dev/null | awk 'NR > 1 {print $1, $4}')
  for id in "${orphans[@]}"; do
    # Fails with EBUSY until the killed processes are reaped (PID 1 here reaps lazily).
    wait_for "runc delete $id" 10 runc delete -f "$id" 2>/dev/null || true
  done

  n=$(cat "$DIR/net-index" 2>/dev/null) || return 0
  delete_bridges "$n"
  delete_firewall_rules "$n" "${orphans[@]}"
}

delete_bridges() {
  local n=$1 bridge
  { sed -n 's/.*"network_interface": "\([^"]*\)".*/\1/p' "$DIR"/networks/*.json 2>/dev/null || true; } |
    while read -r bridge; do
      if [[ "$(ip -4 addr show dev "$bridge" 2>/dev/null)" == *"inet 10.$n."* ]]; then
        ip link delete "$bridge" 2>/dev/null || true
      fi
    done
}

# netavark's rules for this env mention its subnets (10.N.x.0/24), its default network's name or
# its containers' ids. Its per-network chains are named after a hash of the network name, which
# another env may share (same network name): drop a chain only once nothing jumps to it any more.
delete_firewall_rules() {
  local n=$1 table rules ours chains chain dn_chain pattern
  shift
  command -v iptables >/dev/null || return 0
  pattern="[^0-9]10\.$n\.|name: pte$n "
  (($# == 0)) || pattern+=$(printf '|id: %s' "$@")
  for table in nat filter; do
    rules=$(iptables -w -t "$table" -S 2>/dev/null || true)
    ours=$(grep -E -- "$pattern" <<<"$rules" || true)
    if [[ $table == nat ]]; then
      chains=$(sed -n "s|^-A POSTROUTING -s 10\.$n\.[0-9]*\.0/24 -j \(NETAVARK-[0-9A-F]*\)\$|\1|p" <<<"$ours")
      ours+=$'\n'$(published_port_rules "$rules" <<<"$ours")
    fi
    sort -u <<<"$ours" | sed -n 's/^-A /-D /p' |
      while read -r rule; do xargs iptables -w -t "$table" <<<"$rule" 2>/dev/null || true; done
  done
  rules=$(iptables -w -t nat -S 2>/dev/null || true)
  for chain in $chains; do
    dn_chain=NETAVARK-DN-${chain#NETAVARK-}
    [[ "$rules" =~ -j\ ($chain|$dn_chain)($|[[:space:]]) ]] && continue
    iptables -w -t nat -F "$chain" 2>/dev/null || true
    iptables -w -t nat -F "$dn_chain" 2>/dev/null || true
    iptables -w -t nat -X "$chain" 2>/dev/null || true
    iptables -w -t nat -X "$dn_chain" 2>/dev/null || true
  done
}

# Rules of a published port in a (maybe shared) DN chain name only the port: find them through
# the HOSTPORT-DNAT rule (stdin, one of ours) that jumps to that chain for that port.
published_port_rules() {
  local all_rules=$1 rule
  while read -r rule; do
    [[ "$rule" =~ ^-A\ NETAVARK-HOSTPORT-DNAT\ .*--dport\ ([0-9]+)\ .*-j\ (NETAVARK-DN-[0-9A-F]+)$ ]] || continue
    grep -E -- "^-A ${BASH_REMATCH[2]} .*--dport ${BASH_REMATCH[1]}( |\$)" <<<"$all_rules" || true
  done
}

cmd_down() {
  [[ -d "$DIR" ]] || return 0
  stop_recorded registry
  stop_recorded registry-auth
  stop_recorded podman-service
  if [[ -d "$DIR/root" ]] && command -v podman >/dev/null; then
    podman_local rm -af -t 0 >/dev/null 2>&1 || true
    podman_local pod rm -af -t 0 >/dev/null 2>&1 || true
  fi
  kill_leftovers
  if command -v runc >/dev/null; then purge_orphans; fi
  unmount_leftovers
  release_net_index
  rm -rf "$DIR"
}

main() {
  local cmd=${1:-}
  set_dir "${2:-}"
  case $cmd in
    up) cmd_up ;;
    down) cmd_down ;;
    *) usage ;;
  esac
}

# Sourced by the other flavours' scripts for the registries and the test image.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
