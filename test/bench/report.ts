import type { CallFigure, ComparedCall, Figures } from "./figures.js";
import {
  BIG_LOG_LINES,
  LOG_MAX_BYTES,
  LOG_TAIL,
  MAIN_SIZE,
  OUR_TOOLS,
  SIZES,
  TOOL_KINDS,
  type ToolKind,
} from "./plan.js";
import { agentCostRows, comparedAgentCostRows, listingTargets } from "./report-agent-costs.js";
import { MIB, bytes, kib, mib, ms, p50p90, perSecond, ratios, times } from "./units.js";

/** One line of the table of every figure. */
export interface Row {
  measure: string;
  value: string;
  floor: string;
  ratio: string;
  target: string;
  met: "met" | "missed" | "";
}

/** One of the targets the issue sets. */
export interface TargetResult {
  target: string;
  required: string;
  measured: string;
  met: boolean;
}

const verdict = (met: boolean) => (met ? "met" : "missed");

function call(figures: Figures, kind: ToolKind, containers = MAIN_SIZE): CallFigure {
  const found = figures.calls.find((c) => c.kind === kind && c.containers === containers);
  if (!found) throw new Error(`no figure for ${kind} at ${containers} containers`);
  return found;
}

const describeCall = (kind: ToolKind, containers: number) =>
  kind === "logs"
    ? `podman_logs tail ${LOG_TAIL} of a ${BIG_LOG_LINES.toLocaleString("en-US")}-line log`
    : `${OUR_TOOLS[kind]}, ${containers} containers`;

type TargetKey =
  | "psStdio"
  | "psHttp"
  | "throughput"
  | "logs"
  | "psText"
  | "coldStart"
  | "memory"
  | "telemetry"
  | "listing"
  | "toolsList"
  | "instructions";

/** The targets in the order. */
export function evaluateTargets(figures: Figures): Record<TargetKey, TargetResult> {
  const ps = call(figures, "ps");
  const logs = call(figures, "logs");
  const stdioRatio = ps.stdio.p50 / ps.floor.p50;
  const httpRatio = ps.http.p50 / ps.floor.p50;
  const at32 = figures.throughput.find((t) => t.concurrency === 32);
  const throughputRatio = at32 ? at32.mcp / at32.floor : NaN;
  const logsP90 = Math.max(logs.stdio.p90, logs.http.p90);
  const perContainer = SIZES.map((n) => ({ n, bytes: call(figures, "ps", n).size.textBytes / n }));
  const widest = perContainer.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const coldNode = figures.coldStart.node.server.p50;
  const { nodeIdle, nodeAfterCalls, calls } = figures.memory;
  const telemetryRatio = figures.telemetry.on.p50 / figures.telemetry.off.p50;
  return {
    psStdio: {
      target: `podman_ps p50, stdio, ${MAIN_SIZE} containers`,
      required: "<= 1.10 x the floor",
      measured: `${ms(ps.stdio.p50)} vs ${ms(ps.floor.p50)} = ${times(stdioRatio)}`,
      met: stdioRatio <= 1.1,
    },
    psHttp: {
      target: `podman_ps p50, HTTP with auth, ${MAIN_SIZE} containers`,
      required: "<= 1.20 x the floor",
      measured: `${ms(ps.http.p50)} vs ${ms(ps.floor.p50)} = ${times(httpRatio)}`,
      met: httpRatio <= 1.2,
    },
    throughput: {
      target: "throughput, 32 sessions (podman_ps over HTTP)",
      required: ">= 0.90 x the floor's at 32 concurrent requests",
      measured: at32
        ? `${perSecond(at32.mcp)} vs ${perSecond(at32.floor)} = ${times(throughputRatio)}`
        : "n/a",
      met: throughputRatio >= 0.9,
    },
    logs: {
      target: describeCall("logs", MAIN_SIZE),
      required: `<= 0.3 s and <= max_bytes (${bytes(LOG_MAX_BYTES)})`,
      measured: `p90 ${ms(logsP90)} (worse transport), text ${bytes(logs.size.textBytes)}`,
      met: logsP90 <= 300 && logs.size.textBytes <= LOG_MAX_BYTES,
    },
    psText: {
      target: "podman_ps text",
      required: "<= 120 bytes per container",
      measured: `${bytes(widest.bytes)} per container (largest, at ${widest.n})`,
      met: widest.bytes <= 120,
    },
    coldStart: {
      target: "cold start to initialized (Node)",
      required: "<= 200 ms",
      measured: `median ${ms(coldNode)}`,
      met: coldNode <= 200,
    },
    memory: {
      target: `RSS idle / after ${calls.toLocaleString("en-US")} calls`,
      required: "<= 70 MiB / <= 90 MiB",
      measured: `${mib(nodeIdle)} / ${mib(nodeAfterCalls)}`,
      met: nodeIdle <= 70 * MIB && nodeAfterCalls <= 90 * MIB,
    },
    telemetry: {
      target: "OpenTelemetry on vs off, p50 (podman_ps, stdio)",
      required: "<= 1.05 x",
      measured: `${ms(figures.telemetry.on.p50)} vs ${ms(figures.telemetry.off.p50)} = ${times(telemetryRatio)}`,
      met: telemetryRatio <= 1.05,
    },
    ...listingTargets(figures),
  };
}

/** Every figure, each with its floor and ratio where one exists. */
export function figureRows(figures: Figures): Row[] {
  const targets = evaluateTargets(figures);
  const targetOf = (key: TargetKey) =>
    ({ target: targets[key].required, met: verdict(targets[key].met) }) as const;
  const none = { target: "", met: "" } as const;
  const rows: Row[] = [];

  for (const kind of TOOL_KINDS) {
    for (const containers of kind === "ps" ? SIZES : [MAIN_SIZE]) {
      const figure = call(figures, kind, containers);
      const headline = kind === "ps" && containers === MAIN_SIZE;
      const logsTarget = kind === "logs" ? targetOf("logs") : none;
      rows.push({
        measure: `${describeCall(kind, containers)}, stdio`,
        value: p50p90(figure.stdio),
        floor: p50p90(figure.floor),
        ratio: ratios(figure.stdio, figure.floor),
        ...(headline ? targetOf("psStdio") : logsTarget),
      });
      rows.push({
        measure: `${describeCall(kind, containers)}, HTTP with auth`,
        value: p50p90(figure.http),
        floor: p50p90(figure.floor),
        ratio: ratios(figure.http, figure.floor),
        ...(headline ? targetOf("psHttp") : logsTarget),
      });
    }
  }

  for (const kind of TOOL_KINDS) {
    for (const containers of kind === "ps" ? SIZES : [MAIN_SIZE]) {
      const { size } = call(figures, kind, containers);
      rows.push({
        measure: `${describeCall(kind, containers)}: answer (text / structured)`,
        value: `${bytes(size.textBytes)} / ${bytes(size.structuredBytes)}`,
        floor: `${bytes(size.floorBytes)} from libpod`,
        ratio: `${(size.textBytes / size.floorBytes).toFixed(3)} / ${times(size.structuredBytes / size.floorBytes)}`,
        ...none,
      });
      if (kind === "ps") {
        rows.push({
          measure: `podman_ps text per container, ${containers} containers`,
          value: bytes(size.textBytes / containers),
          floor: `${bytes(size.floorBytes / containers)} from libpod`,
          ratio: times(size.textBytes / size.floorBytes),
          target: targets.psText.required,
          met: verdict(size.textBytes / containers <= 120),
        });
      }
    }
  }

  for (const runtime of ["node", "deno"] as const) {
    const start = figures.coldStart[runtime];
    rows.push({
      measure: `cold start to initialize answered, ${runtime === "node" ? "Node" : "Deno"}`,
      value: `median ${ms(start.server.p50)}, p90 ${ms(start.server.p90)}`,
      floor: `bare ${runtime}: ${ms(start.bare.p50)}`,
      ratio: times(start.server.p50 / start.bare.p50),
      ...(runtime === "node" ? targetOf("coldStart") : none),
    });
  }

  const memory = figures.memory;
  rows.push(
    {
      measure: "RSS idle, Node",
      value: mib(memory.nodeIdle),
      floor: `bare node: ${mib(memory.bareNode)}`,
      ratio: times(memory.nodeIdle / memory.bareNode),
      target: "<= 70 MiB",
      met: verdict(memory.nodeIdle <= 70 * MIB),
    },
    {
      measure: `RSS after ${memory.calls.toLocaleString("en-US")} calls (the four tools in turn), Node`,
      value: mib(memory.nodeAfterCalls),
      floor: `idle: ${mib(memory.nodeIdle)}`,
      ratio: times(memory.nodeAfterCalls / memory.nodeIdle),
      target: "<= 90 MiB",
      met: verdict(memory.nodeAfterCalls <= 90 * MIB),
    },
    {
      measure: "RSS idle, Deno",
      value: mib(memory.denoIdle),
      floor: `bare deno: ${mib(memory.bareDeno)}`,
      ratio: times(memory.denoIdle / memory.bareDeno),
      ...none,
    },
  );

  for (const figure of figures.throughput) {
    const sessions = figure.concurrency === 1 ? "1 session" : `${figure.concurrency} sessions`;
    rows.push({
      measure: `throughput, ${sessions} (podman_ps, ${MAIN_SIZE} containers, HTTP with auth)`,
      value: `${perSecond(figure.mcp)} calls`,
      floor: `${perSecond(figure.floor)} at ${figure.concurrency} concurrent`,
      ratio: times(figure.mcp / figure.floor),
      ...(figure.concurrency === 32 ? targetOf("throughput") : none),
    });
  }

  const telemetry = figures.telemetry;
  rows.push(
    {
      measure: `podman_ps with OpenTelemetry exporting, stdio, ${MAIN_SIZE} containers`,
      value: p50p90(telemetry.on),
      floor: `off: ${p50p90(telemetry.off)}`,
      ratio: ratios(telemetry.on, telemetry.off),
      ...targetOf("telemetry"),
    },
    {
      measure: "OTLP exports received during that run (traces / metrics)",
      value: `${telemetry.exports.traces} / ${telemetry.exports.metrics} POSTs`,
      floor: "",
      ratio: "",
      target: "> 0 each",
      met: verdict(telemetry.exports.traces > 0 && telemetry.exports.metrics > 0),
    },
    {
      measure: "bundle size, dist/mcp-podman.js",
      value: `${kib(figures.bundle.bytes)} (gzip ${kib(figures.bundle.gzipBytes)})`,
      floor: "",
      ratio: "",
      ...none,
    },
  );

  rows.push(...agentCostRows(figures));
  if (figures.compare) rows.push(...compareRows(figures), ...comparedAgentCostRows(figures));
  return rows;
}

function compareRows(figures: Figures): Row[] {
  const compare = figures.compare!;
  if ("failure" in compare) {
    const value = `n/a (${compare.failure.split("\n")[0]})`;
    return [
      { measure: `compare: ${compare.command}`, value, floor: "", ratio: "", target: "", met: "" },
    ];
  }
  const who = `compare ${compare.serverName}`;
  const rows: Row[] = [
    {
      measure: `${who}: cold start to initialize answered`,
      value: `median ${ms(compare.coldStart.p50)}`,
      floor: `mcp-podman on Node: ${ms(figures.coldStart.node.server.p50)}`,
      ratio: times(compare.coldStart.p50 / figures.coldStart.node.server.p50),
      target: "",
      met: "",
    },
  ];
  for (const kind of TOOL_KINDS) {
    const compared: ComparedCall = compare.calls[kind];
    const measure = `${who}: ${compared.tool ?? "n/a"} as ${OUR_TOOLS[kind]}`;
    const { floorBytes } = call(figures, kind).size;
    if (!compared.theirs || !compared.floor || !compared.ours || !compared.size) {
      rows.push({
        measure,
        value: `n/a (${compared.missing})`,
        floor: "",
        ratio: "",
        target: "",
        met: "",
      });
      continue;
    }
    rows.push(
      {
        measure: `${measure}, stdio`,
        value: `${p50p90(compared.theirs)} (mcp-podman ${p50p90(compared.ours)})`,
        floor: p50p90(compared.floor),
        ratio: ratios(compared.theirs, compared.floor),
        target: "",
        met: "",
      },
      {
        measure: `${measure}: answer (text / structured)`,
        value: `${bytes(compared.size.textBytes)} / ${bytes(compared.size.structuredBytes)}`,
        floor: `${bytes(floorBytes)} from libpod`,
        ratio: `${(compared.size.textBytes / floorBytes).toFixed(3)} / ${times(compared.size.structuredBytes / floorBytes)}`,
        target: "",
        met: "",
      },
    );
  }
  return rows;
}
