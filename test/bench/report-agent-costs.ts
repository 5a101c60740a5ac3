import type { Figures, ListingFigure, WorkflowFigure } from "./figures.js";
import { median } from "./measure.js";
import type { Row, TargetResult } from "./report.js";
import { estimatedTokens } from "./tool-listing.js";
import { bytes, ms, times } from "./units.js";

/** Issue 14's budgets, in bytes of compact JSON. */
export const LISTING_BUDGET = 20_000;
export const TOOLS_LIST_BUDGET = 40_000;
export const INSTRUCTIONS_BUDGET = 1_500;

const tokens = (value: number) => `~${estimatedTokens(value).toLocaleString("en-US")} tokens`;
const withTokens = (value: number) => `${bytes(value)} (${tokens(value)})`;

type ListingTarget = "listing" | "toolsList" | "instructions";

export function listingTargets(figures: Figures): Record<ListingTarget, TargetResult> {
  const listing = figures.listing.default;
  return {
    listing: {
      target: `model-visible tool listing (${listing.tools} tools)`,
      required: `<= ${bytes(LISTING_BUDGET)}`,
      measured: withTokens(listing.modelVisibleBytes),
      met: listing.modelVisibleBytes <= LISTING_BUDGET,
    },
    toolsList: {
      target: "whole tools/list answer",
      required: `<= ${bytes(TOOLS_LIST_BUDGET)}`,
      measured: bytes(listing.toolsListBytes),
      met: listing.toolsListBytes <= TOOLS_LIST_BUDGET,
    },
    instructions: {
      target: "server instructions (initialize)",
      required: `<= ${bytes(INSTRUCTIONS_BUDGET)}`,
      measured: bytes(listing.instructionsBytes),
      met: listing.instructionsBytes <= INSTRUCTIONS_BUDGET,
    },
  };
}

const row = (measure: string, value: string, floor = "", ratio = ""): Row => ({
  measure,
  value,
  floor,
  ratio,
  target: "",
  met: "",
});

const verdict = (target?: TargetResult) =>
  target
    ? { target: target.required, met: target.met ? ("met" as const) : ("missed" as const) }
    : {};

function listingRows(
  who: string,
  listing: ListingFigure,
  targets?: Record<ListingTarget, TargetResult>,
): Row[] {
  const perTool = listing.modelVisibleBytes / listing.tools;
  return [
    {
      ...row(
        `${who}: model-visible tool listing (name, description, inputSchema)`,
        withTokens(listing.modelVisibleBytes),
        `${listing.tools} tools, ${bytes(perTool)} per tool`,
      ),
      ...verdict(targets?.listing),
    },
    {
      ...row(`${who}: whole tools/list answer`, withTokens(listing.toolsListBytes)),
      ...verdict(targets?.toolsList),
    },
    {
      ...row(`${who}: server instructions`, withTokens(listing.instructionsBytes)),
      ...verdict(targets?.instructions),
    },
  ];
}

/** Medians over the runs: polling makes the calls and bytes vary a little. */
function describeWorkflow(figure: WorkflowFigure): string {
  if (figure.notPossible) return `not possible (${figure.notPossible})`;
  if (figure.failure) return `failed (${figure.failure.split("\n")[0]})`;
  const runs = figure.runs ?? [];
  const of = (pick: (run: NonNullable<WorkflowFigure["runs"]>[number]) => number) =>
    median(runs.map(pick));
  const received = of((run) => run.receivedBytes);
  return (
    `${of((run) => run.calls)} calls, sent ${bytes(of((run) => run.sentBytes))}, ` +
    `received ${bytes(received)} (${tokens(received)}), ${ms(of((run) => run.wallMs))}`
  );
}

const medianReceived = (figure?: WorkflowFigure) =>
  figure?.runs?.length ? median(figure.runs.map((run) => run.receivedBytes)) : undefined;

/**
 * Ours: the variant with the newer tools next to the one without them (the
 * ratio is of bytes received). Another server's: next to ours, the same variant.
 */
function workflowRows(who: string, workflows: WorkflowFigure[], ours?: WorkflowFigure[]): Row[] {
  return workflows.map((figure) => {
    const same = (other: WorkflowFigure) => other.key === figure.key;
    // The variant with the newer tools comes first in each workflow.
    const withNewerTools = workflows.find(same) === figure && figure.runs !== undefined;
    const next = ours
      ? ours.find((other) => same(other) && other.variant === figure.variant)
      : withNewerTools
        ? workflows.find((other) => same(other) && other !== figure)
        : undefined;
    const [received, nextReceived] = [medianReceived(figure), medianReceived(next)];
    return row(
      `${who}: workflow ${figure.title}, ${figure.variant}`,
      describeWorkflow(figure),
      next ? `${ours ? "mcp-podman" : next.variant}: ${describeWorkflow(next)}` : "",
      received !== undefined && nextReceived ? times(received / nextReceived) : "",
    );
  });
}

/** Listing first, then each workflow; the compared server's rows come with the other compare rows. */
export function agentCostRows(figures: Figures): Row[] {
  return [
    ...listingRows("mcp-podman", figures.listing.default, listingTargets(figures)),
    ...listingRows("mcp-podman --read-only", figures.listing.readOnly),
    ...workflowRows("mcp-podman", figures.workflows),
  ];
}

export function comparedAgentCostRows(figures: Figures): Row[] {
  const compare = figures.compare;
  if (!compare || "failure" in compare) return [];
  const who = `compare ${compare.serverName}`;
  return [
    ...listingRows(who, compare.listing),
    ...workflowRows(who, compare.workflows, figures.workflows),
  ];
}

/** Every tool's model-visible bytes, largest first, for the Markdown report. */
export function perToolLines(listing: ListingFigure): string[][] {
  return listing.perTool.map((tool) => [tool.name, bytes(tool.bytes), tokens(tool.bytes).slice(1)]);
}
