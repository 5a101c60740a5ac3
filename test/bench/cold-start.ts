import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BundlePaths, Runtime } from "./launch.js";
import { measureColdStart, writeBareServer } from "./resources.js";

const USAGE = `node test/bench/run.mjs cold-start [--runs N] [--node MAJOR]... [--bundle FILE]

Spawn to the initialize answer over stdio of the bundle (dist/mcp-podman.js) on this Node,
on each Node MAJOR given (installed by test/env/install-node.sh into
node_modules/.cache/mcp-podman-node) and on Deno, each side by side with the
bare runtime answering one line; medians of N alternating turns (default 12).
Needs no Podman: initialize does not reach it.
`;

interface Contender {
  label: string;
  runtime: Runtime;
  node?: string;
}

export async function main(repo: string, argv: string[]): Promise<number> {
  let runs = 12;
  let bundle = join(repo, "dist", "mcp-podman.js");
  const majors: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = argv[++index];
    if (flag === "--runs" && value) runs = Number(value);
    else if (flag === "--node" && value) majors.push(value);
    else if (flag === "--bundle" && value) bundle = resolve(value);
    else {
      process.stdout.write(USAGE);
      return flag === "--help" ? 0 : 2;
    }
  }
  const contenders: Contender[] = [
    { label: `Node ${process.versions.node}`, runtime: "node" },
    ...majors.map((major) => nodeRelease(repo, major)),
    { label: "Deno", runtime: "deno" },
  ];
  const work = await mkdtemp(join(tmpdir(), "mcp-podman-cold-start-"));
  try {
    const bareScript = await writeBareServer(work);
    const socket = join(work, "no-podman.sock");
    const rows = ["| runtime | mcp-podman | bare runtime | ratio |", "|---|---|---|---|"];
    for (const { label, runtime, node } of contenders) {
      const paths: BundlePaths = {
        bundle,
        deno: join(repo, "node_modules", ".bin", "deno"),
        ...(node ? { node } : {}),
      };
      const { server, bare } = await measureColdStart(runtime, paths, socket, bareScript, runs);
      const ratio = (server.p50 / bare.p50).toFixed(2);
      rows.push(
        `| ${label} | ${server.p50.toFixed(0)} ms | ${bare.p50.toFixed(0)} ms | ${ratio}x |`,
      );
      process.stderr.write(`${rows.at(-1)}\n`);
    }
    process.stdout.write(`${rows.join("\n")}\n\nmedians of ${runs} alternating turns\n`);
    return 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function nodeRelease(repo: string, major: string): Contender {
  const cache = join(repo, "node_modules", ".cache", "mcp-podman-node");
  const script = join(repo, "test", "env", "install-node.sh");
  const node = execFileSync("bash", [script, major, cache], { encoding: "utf8" }).trim();
  const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim().slice(1);
  return { label: `Node ${version}`, runtime: "node", node };
}
