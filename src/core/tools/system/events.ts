import * as z from "zod";
import { chronological, readEventHistory, summarizeEvent } from "../../podman/events.js";
import { maskUnlessShown } from "../../policy/secrets.js";
import { defineTool } from "../tool.js";
import { READ_ONLY } from "../annotations.js";

const DEFAULT_EVENTS_SINCE = "10m";

const oneOrMany = () => z.union([z.string().min(1), z.array(z.string().min(1))]).optional();

export const podmanEvents = defineTool({
  name: "podman_events",
  family: "system",
  title: "Podman events",
  description: "Podman's events, oldest first; the newest `limit` are kept.",
  input: z.object({
    since: z.string().min(1).default(DEFAULT_EVENTS_SINCE),
    until: z.string().min(1).optional(),
    filters: z
      .object({
        type: z.enum(["container", "image", "pod", "volume", "network", "system"]).optional(),
        event: oneOrMany().describe("e.g. start, died, health_status"),
        container: oneOrMany(),
        image: oneOrMany(),
        pod: oneOrMany(),
        volume: oneOrMany(),
        network: oneOrMany(),
        label: z.array(z.string().min(1)).optional(),
      })
      .optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  }),
  output: z.object({
    events: z.array(
      z.object({
        time: z.string().describe("RFC 3339"),
        type: z.string(),
        action: z.string(),
        id: z.string().optional().describe("Short id"),
        name: z.string().optional(),
        image: z.string().optional(),
        pod: z.string().optional().describe("Short pod id"),
        exit_code: z.number().int().optional().describe("On died and exec_died events"),
        health: z.string().optional().describe("On health_status events"),
        attributes: z
          .record(z.string(), z.string())
          .optional()
          .describe("Other attributes (labels), only when they are few and short"),
      }),
    ),
    count: z.number().int(),
    omitted: z.number().int().describe("Earlier matching events left out to stay within limit"),
    complete: z
      .boolean()
      .describe(
        "false when reading stopped early (time or size budget): newer events may be missing",
      ),
  }),
  annotations: READ_ONLY,
  async handle(ctx, args) {
    const history = await readEventHistory(
      ctx.podman,
      { since: args.since, until: args.until, filters: eventFilters(args.filters) },
      { limit: args.limit },
      ctx.signal,
    );
    const events = maskUnlessShown(ctx, chronological(history.events.map(summarizeEvent)));
    return {
      events,
      count: events.length,
      omitted: history.scanned - events.length,
      complete: history.stoppedEarly === undefined,
    };
  },
  render({ events, omitted, complete }) {
    const lines = events.map((e) => {
      const who = [e.name, e.id && e.id !== e.name ? `(${e.id})` : ""].filter(Boolean).join(" ");
      const details = [
        e.image ? `image=${e.image}` : "",
        e.exit_code !== undefined ? `exit=${e.exit_code}` : "",
        e.health ? `health=${e.health}` : "",
        ...Object.entries(e.attributes ?? {}).map(([key, value]) => `${key}=${value}`),
      ].filter(Boolean);
      return [e.time, e.type, e.action, who, ...details].filter(Boolean).join(" ");
    });
    if (lines.length === 0) lines.push("No events.");
    if (omitted > 0) lines.unshift(`(${omitted} earlier events left out)`);
    if (!complete)
      lines.push("(stopped reading early: newer events may be missing; narrow the window)");
    return lines.join("\n");
  },
});

type EventFilterArgs = z.output<typeof podmanEvents.input>["filters"];

/** libpod filters are a JSON map of name to values; libpod calls a container's exit "died". */
export function eventFilters(filters: EventFilterArgs): Record<string, string[]> {
  const encoded: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(filters ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0) continue;
    encoded[key] = key === "event" ? values.map((v) => (v === "die" ? "died" : v)) : values;
  }
  return encoded;
}
