# Sourced by the test environments that run rootless Podman. With no udev here /dev/net/tun and
# /dev/fuse are 0600, so slirp4netns and fuse-overlayfs fail for a non-root user; a real host has
# them 0666. Several environments may need that at once (the rootless suite and the deploy test
# run side by side), so each one records a claim, and the devices get their original mode back
# only when the last holder goes.
#
#   claim_devices HOLDER     HOLDER: the environment's own directory (a claim whose directory
#   release_devices HOLDER   is gone was left by a run that died, and no longer counts)

readonly DEVICE_CLAIMS=/run/mcp-podman-test-devices
readonly SHARED_DEVICES=(/dev/net/tun /dev/fuse)

# A holder directory as one file name.
claim_file() { echo "$DEVICE_CLAIMS/holders/${1//\//%}"; }
device_mode_file() { echo "$DEVICE_CLAIMS/modes/${1//\//%}"; }

live_holders() {
  local claim
  for claim in "$DEVICE_CLAIMS"/holders/*; do
    [[ -f $claim ]] || continue
    if [[ -d "$(cat "$claim")" ]]; then echo "$claim"; else rm -f "$claim"; fi
  done
}

# The caller holds the lock for both.
claim_devices_locked() {
  local holder=$1 dev saved
  mkdir -p "$DEVICE_CLAIMS/holders" "$DEVICE_CLAIMS/modes"
  for dev in "${SHARED_DEVICES[@]}"; do
    [[ -c $dev ]] || { echo "device-claims: $dev is missing" >&2; return 1; }
    saved=$(device_mode_file "$dev")
    # A mode saved by holders that all vanished is still the original one: keep it.
    [[ -f $saved ]] || stat -c %a "$dev" >"$saved"
  done
  echo "$holder" >"$(claim_file "$holder")"
  for dev in "${SHARED_DEVICES[@]}"; do chmod 0666 "$dev"; done
}

release_devices_locked() {
  local holder=$1 dev saved
  [[ -f "$(claim_file "$holder")" ]] || return 0
  rm -f "$(claim_file "$holder")"
  [[ -z "$(live_holders)" ]] || return 0
  for dev in "${SHARED_DEVICES[@]}"; do
    saved=$(device_mode_file "$dev")
    [[ -f $saved ]] || continue
    chmod "$(cat "$saved")" "$dev"
    rm -f "$saved"
  done
}

with_device_lock() {
  mkdir -p "$DEVICE_CLAIMS"
  (
    flock -w 60 9 || { echo "device-claims: $DEVICE_CLAIMS.lock stayed locked" >&2; exit 1; }
    "$@"
  ) 9>"$DEVICE_CLAIMS/lock"
}

claim_devices() { with_device_lock claim_devices_locked "$1"; }
release_devices() { with_device_lock release_devices_locked "$1"; }
