import type { ToolAnnotations } from "./tool.js";

/**
 * Lists, inspects and reads: safe to call again, changes nothing. Its world is
 * open: what it answers (logs, files, names, labels, image metadata) was
 * written by workloads and registries, so a client should treat it as text
 * from outside, never as instructions.
 */
export const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
};

/** Creates or acts on something; calling it again does it again. */
export const MUTATING: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
};

/** Brings something to a state; a second call finds it there and changes nothing. */
export const IDEMPOTENT: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** Removes or replaces something; a second call finds it gone and changes nothing more. */
export const DESTRUCTIVE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: false,
};
