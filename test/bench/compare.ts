import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { theirAgentCosts } from "./agent-costs.js";
import type { ComparedCall, CompareFigure } from "./figures.js";
import { launchAndInitialize } from "./launch.js";
import type { CallSetup } from "./latency.js";
import { type Plan, interleave, summarize, timed } from "./measure.js";
import {
  answerSize,
  callTool,
  callToolOk,
  listAllTools,
  openStdioSession,
  textOf,
} from "./mcp-clients.js";
import { type CallTargets, LOG_TAIL, OUR_TOOLS, TOOL_KINDS, type ToolKind } from "./plan.js";

/** Names other Podman/Docker MCP servers give these calls, most likely first. */
const PREFERRED: Record<ToolKind, string[]> = {
  ps: ["podman_ps", "container_list", "list_containers", "containers_list", "docker_ps", "ps"],
  inspect: ["podman_inspect", "container_inspect", "inspect_container", "docker_inspect"],
  logs: ["podman_logs", "container_logs", "get_container_logs", "fetch_container_logs", "logs"],
  images: ["podman_images", "image_list", "list_images", "images_list", "docker_images"],
};

const OTHER_OBJECTS = ["pod", "pods", "image", "images", "volume", "volumes", "network"];
const NOT_A_LISTING = ["prune", "rm", "remove", "pull", "push", "build", "tag", "inspect"];

const hasAny = (words: string[], wanted: string[]) => wanted.some((word) => words.includes(word));

/** Fallback when no preferred name exists: the words of the tool's name. */
const MATCHES: Record<ToolKind, (words: string[]) => boolean> = {
  ps: (w) =>
    !hasAny(w, [...OTHER_OBJECTS, "compose"]) &&
    (w.includes("ps") || (hasAny(w, ["list", "ls"]) && hasAny(w, ["container", "containers"]))),
  inspect: (w) => !hasAny(w, [...OTHER_OBJECTS, "exec", "secret"]) && w.includes("inspect"),
  logs: (w) => !hasAny(w, ["pod", "pods", "compose", "audit"]) && hasAny(w, ["logs", "log"]),
  images: (w) =>
    !hasAny(w, NOT_A_LISTING) &&
    (w.includes("images") || (w.includes("image") && hasAny(w, ["list", "ls"]))),
};

/** "list_containers", "listContainers" and "podman-ps" alike, as lower-case words. */
const wordsOf = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

export function chooseTool(kind: ToolKind, tools: Tool[], override?: string): Tool | string {
  if (override === "-") return "not mapped (--compare-tools)";
  if (override) return tools.find((tool) => tool.name === override) ?? `no tool named ${override}`;
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  for (const name of PREFERRED[kind]) {
    const tool = byName.get(name);
    if (tool) return tool;
  }
  const matching = tools
    .filter((tool) => MATCHES[kind](wordsOf(tool.name)))
    .sort((a, b) => a.name.length - b.name.length);
  return matching[0] ?? "no tool found by name";
}

/** Arguments for the chosen tool from its input schema, or why it cannot be called. */
export function argumentsFor(
  kind: ToolKind,
  tool: Tool,
  targets: CallTargets,
): Record<string, unknown> | string {
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, { type?: unknown }>;
  const required = tool.inputSchema.required ?? [];
  const args: Record<string, unknown> = {};
  if (kind === "inspect" || kind === "logs") {
    const idKey = [...required, ...Object.keys(properties)].find((key) =>
      /name|id|container/i.test(key),
    );
    if (!idKey) return `${tool.name} takes no container name or id`;
    args[idKey] = kind === "inspect" ? targets.container : targets.bigLog;
  }
  if (kind === "logs") {
    const tailKey = Object.keys(properties).find((key) => /^(tail|lines|tail_lines|n)$/i.test(key));
    if (tailKey) args[tailKey] = properties[tailKey]?.type === "string" ? `${LOG_TAIL}` : LOG_TAIL;
  }
  // Ours lists running containers only; so must theirs.
  if (kind === "ps" && "all" in properties) args.all = false;
  const unfilled = required.filter((key) => !(key in args));
  if (unfilled.length) return `${tool.name} requires ${unfilled.join(", ")}`;
  return args;
}

export interface CompareContext {
  command: string;
  env: Record<string, string>;
  overrides: Partial<Record<ToolKind, string>>;
  /** The floor and our own stdio session, measured in the same rounds. */
  setup: CallSetup;
  targets: CallTargets;
  plan: Plan;
  coldStarts: number;
  /** What the workflows run against; the launch is the other server's. */
  workflows: Omit<Parameters<typeof theirAgentCosts>[0], "launch">;
}

/**
 * Another MCP server over stdio, on the same calls, interleaved with the floor
 * and ours. Its failure is a figure too: it does not cost the rest of the run.
 */
export async function measureCompared(context: CompareContext): Promise<CompareFigure> {
  try {
    return await measureComparedServer(context);
  } catch (error) {
    return { command: context.command, failure: (error as Error).message.slice(0, 300) };
  }
}

async function measureComparedServer(context: CompareContext): Promise<CompareFigure> {
  const launch = { command: "sh", args: ["-c", context.command] };
  const starts: number[] = [];
  for (let run = 0; run <= context.coldStarts; run++) {
    const started = await launchAndInitialize(launch, context.env);
    await started.stop();
    if (run > 0) starts.push(started.ms);
  }
  const session = await openStdioSession(launch, context.env);
  try {
    const tools = await listAllTools(session.client);
    const calls = {} as Record<ToolKind, ComparedCall>;
    for (const kind of TOOL_KINDS) {
      calls[kind] = await compareCall(kind, tools, session.client, context);
    }
    const costs = await theirAgentCosts({ ...context.workflows, launch });
    return {
      command: context.command,
      serverName: session.client.getServerVersion()?.name ?? "unknown",
      coldStart: summarize(starts),
      calls,
      ...costs,
    };
  } finally {
    await session.close();
  }
}

async function compareCall(
  kind: ToolKind,
  tools: Tool[],
  theirs: Client,
  context: CompareContext,
): Promise<ComparedCall> {
  const tool = chooseTool(kind, tools, context.overrides[kind]);
  if (typeof tool === "string") return { missing: tool };
  const args = argumentsFor(kind, tool, context.targets);
  if (typeof args === "string") return { tool: tool.name, missing: args };
  const first = await callTool(theirs, tool.name, args);
  if (first.isError) {
    return { tool: tool.name, arguments: args, missing: `error: ${textOf(first).slice(0, 160)}` };
  }
  const { libpod, floorRequests, transports } = context.setup;
  const stats = await interleave(
    {
      floor: timed(() => libpod.replayAll(floorRequests[kind])),
      ours: timed(() => callToolOk(transports.stdio, OUR_TOOLS[kind], context.setup.args[kind])),
      theirs: timed(() => callToolOk(theirs, tool.name, args)),
    },
    context.plan,
  );
  return { tool: tool.name, arguments: args, size: answerSize(first), ...stats };
}
