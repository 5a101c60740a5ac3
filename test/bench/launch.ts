import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";

export interface Launch {
  command: string;
  args: string[];
}

export type Runtime = "node" | "deno";

export interface BundlePaths {
  bundle: string;
  deno: string;
  /** The Node binary; this process's own when not given. */
  node?: string;
}

/**
 * The bundle serving `transportArgs` against `socket`: on Node, or on Deno
 * with the narrow permissions the README documents (as test/integration/harness.ts does).
 */
export function bundleLaunch(
  runtime: Runtime,
  paths: BundlePaths,
  socket: string,
  transportArgs: string[],
): Launch {
  const args = [...transportArgs, "--socket", `unix://${socket}`];
  if (runtime === "node") {
    return { command: paths.node ?? process.execPath, args: [paths.bundle, ...args] };
  }
  const listens = transportArgs.includes("--listen");
  const net = [`unix:${socket}`, "libpod", ...(listens ? ["127.0.0.1"] : [])];
  return {
    command: paths.deno,
    args: [
      "run",
      "--allow-env",
      "--allow-read",
      `--allow-write=${socket}`,
      `--allow-net=${net.join(",")}`,
      paths.bundle,
      ...args,
    ],
  };
}

/** The caller's environment minus anything that would change how a server runs. */
export function serverEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith("OTEL_")) continue;
    if (name === "MCP_PODMAN_TOKEN" || name === "CONTAINER_HOST") continue;
    env[name] = value;
  }
  return { ...env, DENO_NO_UPDATE_CHECK: "1", ...extra };
}

/** Every server process still running, so an interrupted run can stop them all. */
const running = new Map<number, () => void>();

export function trackProcess(pid: number, kill: () => void): () => void {
  running.set(pid, kill);
  return () => running.delete(pid);
}

export function stopStrayProcesses() {
  for (const kill of running.values()) kill();
  running.clear();
}

/** Resident memory of a process (VmRSS), in bytes. */
export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kib) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

const INITIALIZE = `${JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: "mcp-podman-bench", version: "1.0.0" },
  },
})}\n`;

export interface Initialized {
  /** From spawn to the initialize answer's line on stdout. */
  ms: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Spawns an stdio server and writes a raw `initialize` line at once (no SDK
 * client in the way); resolves when the answer arrives, with the process still
 * running for whoever wants to look at it.
 */
export function launchAndInitialize(
  launch: Launch,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<Initialized> {
  const started = performance.now();
  const child = spawn(launch.command, launch.args, { env, stdio: ["pipe", "pipe", "ignore"] });
  const untrack = trackProcess(child.pid ?? -1, () => child.kill("SIGKILL"));
  const stop = async () => {
    await endProcess(child);
    untrack();
  };
  child.stdin.on("error", () => undefined);
  child.stdin.write(INITIALIZE);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${describeLaunch(launch)} did not answer initialize in ${timeoutMs} ms`));
    }, timeoutMs);
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (!isAnswerToInitialize(line)) return;
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, pid: child.pid as number, stop });
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${describeLaunch(launch)} exited with ${code} before initialize`));
    });
  });
}

function isAnswerToInitialize(line: string): boolean {
  try {
    return (JSON.parse(line) as { id?: unknown }).id === 1;
  } catch {
    return false;
  }
}

/**
 * Asks a process to exit, by closing its stdin (an stdio server's cue) or with
 * SIGTERM, then insists.
 */
export async function endProcess(child: ChildProcess, ask: "stdin" | "SIGTERM" = "stdin") {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  if (ask === "stdin") child.stdin?.end();
  else child.kill("SIGTERM");
  if (await settlesWithin(exited, 5000)) return;
  if (ask === "stdin") {
    child.kill("SIGTERM");
    if (await settlesWithin(exited, 5000)) return;
  }
  child.kill("SIGKILL");
  await exited;
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const describeLaunch = (launch: Launch) =>
  [launch.command, ...launch.args].join(" ").slice(0, 200);
