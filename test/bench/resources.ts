import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { MemoryFigure, StartFigure } from "./figures.js";
import {
  type BundlePaths,
  type Launch,
  type Runtime,
  bundleLaunch,
  launchAndInitialize,
  residentBytes,
  serverEnvironment,
} from "./launch.js";
import { forEachConcurrently, interleave } from "./measure.js";
import type { CallArguments } from "./latency.js";
import { type StdioSession, callToolOk } from "./mcp-clients.js";
import { type BenchPlan, OUR_TOOLS, TOOL_KINDS, type ToolKind } from "./plan.js";

/** How long a process may settle (lazy loading, first GC) before its memory is read. */
const SETTLE_MS = 1000;

/** The runtime alone answering one line: the floor of any server's cold start and memory. */
const BARE_SERVER = `import process from "node:process";
process.stdin.on("data", () => process.stdout.write('{"jsonrpc":"2.0","id":1,"result":{}}\\n'));
`;

export async function writeBareServer(work: string): Promise<string> {
  const path = join(work, "bare-server.mjs");
  await writeFile(path, BARE_SERVER);
  return path;
}

export function bareLaunch(runtime: Runtime, paths: BundlePaths, script: string): Launch {
  if (runtime === "node") return { command: paths.node ?? process.execPath, args: [script] };
  return { command: paths.deno, args: ["run", script] };
}

const startOnce = (launch: Launch) => async () => {
  const started = await launchAndInitialize(launch, serverEnvironment());
  await started.stop();
  return started.ms;
};

/** Spawn to the first initialize answered, bundle and bare runtime taking turns. */
export async function measureColdStart(
  runtime: Runtime,
  paths: BundlePaths,
  socket: string,
  bareScript: string,
  runs: number,
): Promise<StartFigure> {
  return interleave(
    {
      server: startOnce(bundleLaunch(runtime, paths, socket, ["--stdio"])),
      bare: startOnce(bareLaunch(runtime, paths, bareScript)),
    },
    { warmup: 1, rounds: runs, budgetMs: Infinity, minRounds: runs },
  );
}

/** Resident memory of a fresh process once it answered initialize and settled. */
async function idleResident(launch: Launch): Promise<number> {
  const started = await launchAndInitialize(launch, serverEnvironment());
  try {
    await sleep(SETTLE_MS);
    return await residentBytes(started.pid);
  } finally {
    await started.stop();
  }
}

/**
 * Memory of the stdio session's server idle, then after `calls` calls of the
 * four measured tools in turn (podman_ps alone would spend most of the time
 * waiting for Podman, which lists running containers slowly); Deno's idle
 * memory and the bare runtimes' for comparison. Podman 4.3 leaks one file
 * descriptor per logs request with a tail: a quarter of 10,000 stays far below
 * the isolated service's limit of 20,000.
 */
export async function measureMemory(
  session: StdioSession,
  args: CallArguments,
  plan: BenchPlan,
  launches: { deno: Launch; bareNode: Launch; bareDeno: Launch },
): Promise<MemoryFigure> {
  await sleep(SETTLE_MS);
  const nodeIdle = await residentBytes(session.pid);
  const turns = Array.from({ length: plan.rssCalls }, (_, index) => index % TOOL_KINDS.length);
  await forEachConcurrently(turns, plan.rssConcurrency, (turn) => {
    const kind = TOOL_KINDS[turn] as ToolKind;
    return callToolOk(session.client, OUR_TOOLS[kind], args[kind]);
  });
  await sleep(SETTLE_MS);
  return {
    nodeIdle,
    nodeAfterCalls: await residentBytes(session.pid),
    calls: plan.rssCalls,
    bareNode: await idleResident(launches.bareNode),
    denoIdle: await idleResident(launches.deno),
    bareDeno: await idleResident(launches.bareDeno),
  };
}
