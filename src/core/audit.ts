import type { Access } from "./access.js";

/** Where audit lines go: a file or stderr, chosen by the runtime adapter (--audit-log). */
export type AuditSink = (line: string) => void;

/** Arguments that name what a call acts on; never credentials or file contents. */
const TARGET_ARGUMENTS = [
  "name",
  "reference",
  "project_name",
  "names",
  "source",
  "image",
  "file",
  "tag",
  "tags",
];

/**
 * One JSON line per mutating tool call: time, token id, session, tool,
 * target, outcome, duration. Tokens appear only as their short hash.
 */
export class AuditTrail {
  constructor(private readonly sink: AuditSink) {}

  record(entry: {
    tool: string;
    arguments: unknown;
    access: Access;
    session: string | undefined;
    outcome: string;
    durationMs: number;
  }) {
    this.sink(
      JSON.stringify({
        time: new Date().toISOString(),
        audit: true,
        token: entry.access.tokenId ?? "local",
        session: entry.session,
        tool: entry.tool,
        target: auditTarget(entry.arguments),
        outcome: entry.outcome,
        duration_ms: Math.round(entry.durationMs),
      }),
    );
  }
}

export function auditTarget(args: unknown): string | undefined {
  if (typeof args !== "object" || args === null) return undefined;
  const record = args as Record<string, unknown>;
  for (const key of TARGET_ARGUMENTS) {
    const value = record[key];
    if (typeof value === "string" && value) return value.slice(0, 200);
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
      return value.join(",").slice(0, 200);
    }
  }
  return undefined;
}
