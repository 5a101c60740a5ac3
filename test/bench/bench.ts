import { randomBytes } from "node:crypto";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ourAgentCosts } from "./agent-costs.js";
import { measureCompared } from "./compare.js";
import type { CallFigure, Figures } from "./figures.js";
import { PodmanUnavailable, startIsolatedPodman } from "./isolated-podman.js";
import { type CallSetup, measureCall, ourArguments, recordFloorRequests } from "./latency.js";
import { type BundlePaths, bundleLaunch, serverEnvironment, stopStrayProcesses } from "./launch.js";
import { Libpod } from "./libpod.js";
import { describeMachine } from "./machine.js";
import { openHttpSession, openStdioSession, startHttpServer } from "./mcp-clients.js";
import { type Options, USAGE, parseOptions } from "./options.js";
import { BenchContainers } from "./bench-containers.js";
import {
  BIG_LOG_LINES,
  type BenchPlan,
  MAIN_SIZE,
  OUR_TOOLS,
  SIZES,
  TOOL_KINDS,
  type ToolKind,
  benchPlan,
} from "./plan.js";
import { buildReport, writeReport } from "./report-output.js";
import { bareLaunch, measureColdStart, measureMemory, writeBareServer } from "./resources.js";
import { Teardown, cleanUpOnSignals } from "./teardown.js";
import { measureTelemetryCost } from "./telemetry.js";
import { measureThroughput } from "./throughput.js";
import { measureListing } from "./tool-listing.js";
import { describeBundle, sourceFacts } from "./versions.js";
import { makeWebImage, workflowFixture } from "./workflow-costs.js";
import type { WorkflowFixture } from "./workflows.js";

const started = performance.now();
const progress = (message: string) =>
  process.stderr.write(
    `bench [${((performance.now() - started) / 1000).toFixed(0)} s] ${message}\n`,
  );

/** Entry point for run.mjs: answers the exit code. */
export async function main(repo: string, argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(argv, repo);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const teardown = new Teardown();
  const signals = cleanUpOnSignals(teardown);
  try {
    const figures = await measureEverything(repo, options, teardown);
    const report = buildReport(figures);
    const written = await writeReport(options.out, figures, report);
    process.stdout.write(`\n${written.markdown}\n`);
    progress(`wrote ${written.markdownPath} and ${written.jsonPath}`);
    return 0;
  } catch (error) {
    if (!signals.interrupted()) {
      const known = error instanceof PodmanUnavailable;
      process.stderr.write(
        `bench failed: ${known ? error.message : ((error as Error).stack ?? error)}\n`,
      );
    }
    return 1;
  } finally {
    progress("cleaning up");
    await teardown.run();
    signals.uninstall();
  }
}

/** Everything the measurements run against, all registered for cleanup. */
interface Environment {
  work: string;
  paths: BundlePaths;
  socket: string;
  libpod: Libpod;
  containers: BenchContainers;
  fixture: WorkflowFixture;
}

async function prepare(repo: string, teardown: Teardown): Promise<Environment> {
  const work = await mkdtemp(join(tmpdir(), "mcp-podman-bench-run-"));
  teardown.add("remove the work directory", () => rm(work, { recursive: true, force: true }));
  // A copy: dist/ may be rebuilt while the benchmark runs.
  const paths: BundlePaths = {
    bundle: join(work, "mcp-podman.js"),
    deno: join(repo, "node_modules", ".bin", "deno"),
  };
  await copyFile(join(repo, "dist", "mcp-podman.js"), paths.bundle).catch(() => {
    throw new Error("dist/mcp-podman.js is missing: run `npm run build` (npm run bench does)");
  });

  progress("starting the isolated Podman");
  const podman = startIsolatedPodman(repo);
  teardown.add("stop the isolated Podman", podman.stop);
  const { socket, image } = await podman.ready;
  const libpod = new Libpod(socket);
  teardown.add("close the libpod client", () => libpod.close());
  const containers = new BenchContainers(libpod, image);
  teardown.add("remove the benchmark's containers", () => containers.removeAll());
  const webImage = await makeWebImage(libpod, image, `bench-${Date.now().toString(36)}`);
  teardown.add("remove the web server image", webImage.remove);
  teardown.add("stop the servers", stopStrayProcesses);
  const fixture = workflowFixture(image, webImage.tag);
  return { work, paths, socket, libpod, containers, fixture };
}

async function measureEverything(
  repo: string,
  options: Options,
  teardown: Teardown,
): Promise<Figures> {
  const startedAt = new Date().toISOString();
  const plan = benchPlan(options.quick);
  const source = await sourceFacts(repo);
  const { work, paths, socket, libpod, containers, fixture } = await prepare(repo, teardown);
  const machine = await describeMachine(paths.deno, libpod);
  const nodeStdio = bundleLaunch("node", paths, socket, ["--stdio"]);

  progress("cold starts, Node and Deno");
  const bareScript = await writeBareServer(work);
  const coldStart = {
    node: await measureColdStart("node", paths, socket, bareScript, plan.coldStarts),
    deno: await measureColdStart("deno", paths, socket, bareScript, plan.coldStarts),
  };

  progress(`seeding a ${BIG_LOG_LINES.toLocaleString("en-US")}-line log, ${SIZES[0]} containers`);
  const bigLog = await containers.runToExit("log", ["seq", "1", String(BIG_LOG_LINES)]);
  await containers.growTo(SIZES[0]);
  const args = ourArguments({ container: containers.sleepers[0] as string, bigLog });
  const floorRequests = await recordFloorRequests(paths, socket, work, args);

  const token = randomBytes(24).toString("hex");
  const stdio = await openStdioSession(nodeStdio, serverEnvironment());
  const httpServer = await startHttpServer(
    // One token opens the throughput test's 32 sessions.
    bundleLaunch("node", paths, socket, [
      "--listen",
      "127.0.0.1:0",
      "--max-sessions-per-token",
      "64",
    ]),
    serverEnvironment({ MCP_PODMAN_TOKEN: token }),
  );
  const http = await openHttpSession(httpServer.url, token);
  const setup: CallSetup = {
    libpod,
    floorRequests,
    args,
    transports: { stdio: stdio.client, http: http.client },
  };
  try {
    progress(`memory: idle, then after ${plan.rssCalls} calls`);
    const memory = await measureMemory(stdio, args, plan, {
      deno: bundleLaunch("deno", paths, socket, ["--stdio"]),
      bareNode: bareLaunch("node", paths, bareScript),
      bareDeno: bareLaunch("deno", paths, bareScript),
    });

    const calls: CallFigure[] = [];
    const measure = async (kind: ToolKind, size: (typeof SIZES)[number]) => {
      progress(`${OUR_TOOLS[kind]} at ${size} containers: floor, stdio, HTTP`);
      calls.push(await measureCall(setup, kind, size, kind === "ps" ? plan.ps[size] : plan.tool));
    };
    await measure("ps", SIZES[0]);
    progress(`seeding up to ${MAIN_SIZE} containers`);
    await containers.growTo(MAIN_SIZE);
    for (const kind of TOOL_KINDS) await measure(kind, MAIN_SIZE);

    progress("OpenTelemetry exporting vs off");
    const telemetry = await measureTelemetryCost(nodeStdio, plan.telemetry);

    progress(`throughput: 1, 8, 32 sessions, ${plan.throughputMs / 1000} s each, floor and server`);
    const throughput = await measureThroughput(
      httpServer.url,
      token,
      libpod,
      floorRequests.ps,
      plan.throughputMs,
    );

    progress("agent costs: tool listing, workflows");
    const against = { env: serverEnvironment(), libpod, fixture, runs: plan.workflowRuns };
    const agentCosts = await ourAgentCosts({ ...against, launch: nodeStdio });
    const readOnlyListing = await measureListing(
      bundleLaunch("node", paths, socket, ["--stdio", "--read-only"]),
      against.env,
    );

    const compare = options.compare
      ? await compareWith(options.compare, options.compareTools, socket, setup, plan, bigLog, {
          ...against,
          runs: plan.workflowRuns,
        })
      : undefined;

    progress(`seeding up to ${SIZES[2]} containers`);
    await containers.growTo(SIZES[2]);
    await measure("ps", SIZES[2]);

    return {
      run: {
        startedAt,
        wallSeconds: (performance.now() - started) / 1000,
        quick: plan.quick,
        ...source,
      },
      machine,
      bundle: await describeBundle(paths.bundle),
      floorRequests,
      calls,
      coldStart,
      memory,
      throughput,
      telemetry,
      listing: { default: agentCosts.listing, readOnly: readOnlyListing },
      workflows: agentCosts.workflows,
      ...(compare ? { compare } : {}),
    };
  } finally {
    await http.close();
    await httpServer.stop();
    await stdio.close();
  }
}

function compareWith(
  command: string,
  overrides: Options["compareTools"],
  socket: string,
  setup: CallSetup,
  plan: BenchPlan,
  bigLog: string,
  workflows: Omit<Parameters<typeof measureCompared>[0]["workflows"], "env">,
) {
  progress(`comparing with: ${command}`);
  const env = serverEnvironment({
    CONTAINER_HOST: `unix://${socket}`,
    DOCKER_HOST: `unix://${socket}`,
    PODMAN_SOCKET: socket,
  });
  return measureCompared({
    command,
    env,
    workflows: { ...workflows, env },
    overrides,
    setup,
    targets: { container: setup.args.inspect.name as string, bigLog },
    plan: plan.tool,
    coldStarts: plan.coldStarts,
  });
}
