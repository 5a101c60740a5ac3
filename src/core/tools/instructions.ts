/**
 * What the server tells the model once, at initialize: which tool serves which
 * intent (for clients that load tools on demand by searching their names and
 * descriptions), and the conventions every tool shares, so that no tool
 * description repeats them.
 */
export const SERVER_INSTRUCTIONS = [
  "Podman on this host. Intent: tools",
  "- what runs: podman_ps, podman_pod_ps, podman_images, podman_info (first), podman_system_df",
  "- run or serve: podman_run; podman_pod_create; podman_network_create",
  "- wait until up, healthy, listening, answering HTTP, logged or exited: podman_wait, not polling",
  "- files: podman_write_files, podman_read_file; credentials: podman_secret_create + podman_run secrets",
  "- stacks: podman_compose_up/ps/down, podman_kube_play/generate/down",
  "- debug: podman_logs, podman_inspect, podman_exec, podman_top, podman_stats, podman_events",
  "- images: podman_build, podman_pull, podman_tag, podman_push",
  "- volumes, networks, secrets: podman_volume_*, podman_network_*, podman_secret_*",
  "- clean up: podman_stop, podman_rm, podman_pod_rm, podman_rmi, podman_*_prune",
  "Conventions:",
  "- name: a name, id or id prefix. Maps (env, labels) take strings.",
  '- filters.label: ["key" or "key=value"], all must match.',
  "- Regexes (grep, pattern, until_match, filters.name): RE2, no backreferences or lookaround.",
  '- since/until: RFC 3339, Unix time or a duration ago ("10m").',
  "- Answers are bounded and say what they left out: narrow, don't raise limits.",
  "- wait, follow, pull, build: progress to a progressToken; cancelling stops them.",
  "- A timed-out call may have completed: check before retrying.",
  "- Only objects this server created may be changed, waited on or followed (admin: unless --managed-only is off).",
  "- Policy may refuse host networking, bind mounts, registries or privileges; the refusal names the rule.",
].join("\n");
