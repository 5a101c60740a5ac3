import type { AnyTool } from "./tool.js";

export const REDACTED = "<redacted>";

/**
 * The call's arguments as they may be recorded (audit, logs, spans): every
 * argument the tool declares secret replaced by REDACTED, whatever its type.
 */
export function recordableArguments(tool: AnyTool, args: unknown): unknown {
  const secret = tool.secretArguments;
  if (!secret?.length || typeof args !== "object" || args === null || Array.isArray(args)) {
    return args;
  }
  const copy: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  for (const key of secret) if (key in copy) copy[key] = REDACTED;
  return copy;
}

/**
 * Values shorter than this would be found by chance inside unrelated text
 * (ids, times), so an answer is not searched for them.
 */
const MIN_SEARCHED_LENGTH = 4;

/**
 * A copy of `answer` (a tool result or a failure message) in which the
 * values of the call's secret arguments appear nowhere: the last guard, should
 * Podman ever quote a value back in an error.
 */
export function withoutSecretValues<T>(tool: AnyTool, args: unknown, answer: T): T {
  const values = secretValuesOf(tool, args);
  if (values.length === 0) return answer;
  return replaceStrings(answer, (text) =>
    values.reduce((hidden, value) => hidden.replaceAll(value, REDACTED), text),
  ) as T;
}

function secretValuesOf(tool: AnyTool, args: unknown): string[] {
  if (!tool.secretArguments?.length || typeof args !== "object" || args === null) return [];
  const record = args as Record<string, unknown>;
  return tool.secretArguments
    .map((key) => record[key])
    .filter((value): value is string => typeof value === "string")
    .filter((value) => value.length >= MIN_SEARCHED_LENGTH)
    .sort((a, b) => b.length - a.length);
}

function replaceStrings(value: unknown, replace: (text: string) => string): unknown {
  if (typeof value === "string") return replace(value);
  if (Array.isArray(value)) return value.map((item: unknown) => replaceStrings(item, replace));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, replaceStrings(item, replace)]),
  );
}
