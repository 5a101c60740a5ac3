/** podman_info, podman_system_df, podman_events and podman_stats only read. */
export const readOnly = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
