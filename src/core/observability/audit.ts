import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { AuditSink } from "../contracts.js";
import type { Access } from "../mcp/access.js";
import type { AnyTool } from "../tools/tool.js";

/** What a call created and removed, as "kind/name"; a tool declares it with `audit`. */
export interface AuditedChanges {
  created?: string[];
  removed?: string[];
}

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

/** An audit line stays one bounded line, whatever a call touched. */
const MAX_NAME_LENGTH = 200;
const MAX_LISTED = 100;
const MAX_REASON_LENGTH = 500;

/**
 * One JSON line per mutating tool call: time, token id, session, tool,
 * target, outcome, duration; what it created and removed; and, when the
 * policy refused it, why. Tokens appear only as their short hash.
 */
export class AuditTrail {
  constructor(private readonly sink: AuditSink) {}

  record(
    entry: {
      tool: string;
      arguments: unknown;
      access: Access;
      session: string | undefined;
      outcome: string;
      durationMs: number;
      /** The refusal's message, for outcome refused_by_policy. */
      reason?: string;
    } & AuditedChanges,
  ) {
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
        created: boundedList(entry.created),
        removed: boundedList(entry.removed),
        reason: entry.reason === undefined ? undefined : boundedText(entry.reason),
      }),
    );
  }
}

export function auditTarget(args: unknown): string | undefined {
  if (typeof args !== "object" || args === null) return undefined;
  const record = args as Record<string, unknown>;
  for (const key of TARGET_ARGUMENTS) {
    const value = record[key];
    if (typeof value === "string" && value) return value.slice(0, MAX_NAME_LENGTH);
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
      return value.join(",").slice(0, MAX_NAME_LENGTH);
    }
  }
  return undefined;
}

/**
 * The audit fields a call's outcome adds: what the tool declares it created
 * and removed when it succeeded, the refusal's message when the policy refused.
 */
export function auditedOutcome(
  tool: AnyTool,
  outcome: { result: CallToolResult; errorType?: string },
): AuditedChanges & { reason?: string } {
  if (outcome.errorType === "refused_by_policy") {
    const text = outcome.result.content.find((part) => part.type === "text");
    return { reason: text?.type === "text" ? text.text : "refused by policy" };
  }
  if (outcome.errorType !== undefined || !tool.audit) return {};
  return tool.audit(outcome.result.structuredContent);
}

function boundedList(names: string[] | undefined): string[] | undefined {
  if (!names?.length) return undefined;
  const listed = names.slice(0, MAX_LISTED).map((name) => name.slice(0, MAX_NAME_LENGTH));
  if (names.length > MAX_LISTED) listed.push(`... ${names.length - MAX_LISTED} more`);
  return listed;
}

function boundedText(text: string): string {
  // Control characters could forge the look of a second line in a viewer that unescapes.
  // eslint-disable-next-line no-control-regex -- matching them is the point
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ");
  return flat.length <= MAX_REASON_LENGTH ? flat : `${flat.slice(0, MAX_REASON_LENGTH - 3)}...`;
}
