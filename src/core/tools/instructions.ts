/**
 * What the server tells the model once, at initialize: which tool serves which
 * intent (for clients that load tools on demand by searching their names and
 * descriptions), and the conventions every tool shares, so that no tool
 * description repeats them.
 */
export const SERVER_INSTRUCTIONS = [
  "Podman on this host. Intents and tools:",
  "- what runs: podman_ps, podman_pod_ps, podman_images, podman_info (first), podman_system_df",
  "- run or serve: podman_run; podman_pod_create; podman_network_create (reach by name)",
  "- stacks: podman_compose_up/ps/down, podman_kube_play/generate/down",
  "- debug: podman_logs, podman_pod_logs, podman_inspect, podman_exec, podman_top, podman_stats, podman_events, podman_healthcheck_run",
  "- images: podman_build, podman_pull, podman_tag, podman_push",
  "- storage, networks: podman_volume_*, podman_network_*",
  "- clean up: podman_stop, podman_rm, podman_pod_rm, podman_rmi, podman_image_prune, podman_volume_prune",
  "Conventions:",
  "- name: a name or id (a unique id prefix works).",
  '- filters.label: ["key" or "key=value"], all must match; filters.name: a regex.',
  '- since/until: RFC 3339, Unix time or a duration back from now ("10m").',
  "- timeout when stopping: seconds before SIGKILL (default the container's, usually 10).",
  "- Answers are compact and bounded and say what they left out: narrow with filters, fields, tail, grep rather than raising limits.",
  "- A call that timed out may have completed: check (podman_ps) before retrying.",
  "- Only objects this server created (label io.mcp-podman.managed) may be changed, unless the token is admin and --managed-only is off; reading is open.",
  "- The server's policy may refuse host networking, bind mounts outside allowed directories, registries, privileges or Containerfile features; the refusal names the rule.",
].join("\n");
