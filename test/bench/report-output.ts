import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as prettier from "prettier";
import type { Figures } from "./figures.js";
import { OUR_TOOLS, TOOL_KINDS } from "./plan.js";
import { type Row, type TargetResult, evaluateTargets, figureRows } from "./report.js";
import { perToolLines } from "./report-agent-costs.js";
import { WORKFLOWS } from "./workflows.js";

export interface Report {
  targets: TargetResult[];
  rows: Row[];
  markdown: string;
}

const cell = (text: string) => text.replaceAll("|", "\\|");
const tableLine = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;

function table(header: string[], lines: string[][]): string {
  return [tableLine(header), tableLine(header.map(() => "---")), ...lines.map(tableLine)].join(
    "\n",
  );
}

function describeRun({ run, machine }: Figures): string {
  const gib = (machine.memoryBytes / 2 ** 30).toFixed(1);
  const source = run.sourceModified ? " with uncommitted changes in src/" : "";
  return [
    `Run of ${run.startedAt} on commit ${run.commit}${source}, ${run.wallSeconds.toFixed(0)} s` +
      (run.quick ? " — **quick smoke run: too few samples to quote**." : "."),
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${gib} GiB, ${machine.os} ` +
      `(kernel ${machine.kernel}); Node ${machine.node}, Deno ${machine.deno}, ` +
      `Podman ${machine.podman} (${machine.ociRuntime}, ${machine.storageDriver} storage).`,
  ].join("\n");
}

function describeMethod(figures: Figures): string {
  const samples = figures.calls
    .map((c) => `${OUR_TOOLS[c.kind]} at ${c.containers}: ${c.stdio.samples}`)
    .join(", ");
  const requests = TOOL_KINDS.map(
    (kind) =>
      `- ${OUR_TOOLS[kind]}: ${figures.floorRequests[kind].map((r) => `\`${r.method} ${r.target}\``).join(", ")}`,
  );
  return [
    "Latency cells are p50 / p90. The floor of a call is exactly the libpod request(s) the tool " +
      "makes (recorded from the server through a proxy socket), sent directly with undici over " +
      "the socket and read whole; floor, stdio and HTTP calls take turns, so noise hits all alike. " +
      `Containers are running \`sleep\`s; samples per row: ${samples}.`,
    "",
    "Floor requests:",
    "",
    ...requests,
  ].join("\n");
}

function describeAgentCosts(): string {
  return [
    "Agent costs: the model-visible listing is compact JSON of exactly name, description and " +
      "inputSchema of each tool, summed; the whole tools/list and the instructions are the bytes " +
      "of the answers as they came over the wire. Tokens are estimated as bytes / 4, a rough " +
      "rule (tokenizers differ). Each workflow runs through the SDK client over stdio against " +
      "the benchmark's Podman, from its first call to its last, and counts the bytes written to " +
      "the server's stdin and read from its stdout (JSON-RPC lines, progress notifications " +
      "included; initialize and tools/list are not part of it). The polling variants look " +
      "again once a second, bounded by 30 s, as an agent would; the one using podman_wait or " +
      "podman_read_file runs where the server lists them, and its ratio is its bytes received " +
      "over the other variant's. The workflows:",
    "",
    ...WORKFLOWS.map((workflow) => `- ${workflow.title}: ${workflow.story}.`),
  ].join("\n");
}

export function buildReport(figures: Figures): Report {
  const targets = Object.values(evaluateTargets(figures));
  const rows = figureRows(figures);
  const met = targets.filter((target) => target.met).length;
  const markdown = [
    "### mcp-podman benchmark",
    "",
    describeRun(figures),
    "",
    `**Targets: ${met} of ${targets.length} met.**`,
    "",
    table(
      ["target", "required", "measured", "met"],
      targets.map((t) => [t.target, t.required, t.measured, t.met ? "met" : "missed"]),
    ),
    "",
    "#### Every figure",
    "",
    table(
      ["measure", "value", "floor", "ratio", "target", "met"],
      rows.map((r) => [r.measure, r.value, r.floor, r.ratio, r.target, r.met]),
    ),
    "",
    describeMethod(figures),
    "",
    describeAgentCosts(),
    "",
    "#### Tool listing, per tool (model-visible bytes, default tools)",
    "",
    table(["tool", "bytes", "tokens (estimate)"], perToolLines(figures.listing.default)),
    "",
  ].join("\n");
  return { targets, rows, markdown };
}

/** Formatted the way the repository's prettier check wants, so the files can be committed. */
async function formatted(path: string, text: string): Promise<string> {
  const config = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(text, { ...config, filepath: path });
}

export async function writeReport(directory: string, figures: Figures, report: Report) {
  await mkdir(directory, { recursive: true });
  const markdownPath = join(directory, "latest.md");
  const jsonPath = join(directory, "latest.json");
  const markdown = await formatted(markdownPath, report.markdown);
  const json = JSON.stringify(
    { targets: report.targets, rows: report.rows, figures },
    (_, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value),
    2,
  );
  await writeFile(markdownPath, markdown);
  await writeFile(jsonPath, await formatted(jsonPath, json));
  return { markdown, markdownPath, jsonPath };
}
