import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { availableParallelism, cpus, release, totalmem, type } from "node:os";
import { promisify } from "node:util";
import type { Libpod } from "./libpod.js";

const run = promisify(execFile);

export interface Machine {
  cpu: string;
  cores: number;
  memoryBytes: number;
  os: string;
  kernel: string;
  node: string;
  deno: string;
  podman: string;
  ociRuntime: string;
  storageDriver: string;
}

interface PodmanInfo {
  version: { Version: string };
  host: { ociRuntime?: { name?: string; version?: string } };
  store: { graphDriverName?: string };
}

/** What the figures depend on: the hardware, and every runtime's version. */
export async function describeMachine(denoBinary: string, libpod: Libpod): Promise<Machine> {
  const info = await libpod.json<PodmanInfo>("GET", "/info");
  const runtimeVersion = info.host.ociRuntime?.version?.split("\n")[0] ?? "";
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    os: await osName(),
    kernel: release(),
    node: process.version,
    deno: await denoVersion(denoBinary),
    podman: info.version.Version,
    ociRuntime: runtimeVersion || (info.host.ociRuntime?.name ?? "unknown"),
    storageDriver: info.store.graphDriverName ?? "unknown",
  };
}

async function osName(): Promise<string> {
  const osRelease = await readFile("/etc/os-release", "utf8").catch(() => "");
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1];
  return pretty ?? `${type()} ${release()}`;
}

async function denoVersion(denoBinary: string): Promise<string> {
  try {
    const { stdout } = await run(denoBinary, ["--version"]);
    return /^deno (\S+)/.exec(stdout)?.[1] ?? stdout.split("\n")[0] ?? "unknown";
  } catch {
    return "not installed";
  }
}
