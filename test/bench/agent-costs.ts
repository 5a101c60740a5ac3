import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { type ContainerAgent, OurAgent } from "./agent.js";
import type { ListingFigure, WorkflowFigure } from "./figures.js";
import type { Launch } from "./launch.js";
import type { Libpod } from "./libpod.js";
import { listAllTools, openCountedStdioSession } from "./mcp-clients.js";
import { OtherAgent } from "./other-agent.js";
import { measureListing } from "./tool-listing.js";
import { measureWorkflows } from "./workflow-costs.js";
import type { WorkflowFixture } from "./workflows.js";

export interface AgentCosts {
  listing: ListingFigure;
  workflows: WorkflowFigure[];
}

interface Against {
  launch: Launch;
  env: Record<string, string>;
  libpod: Libpod;
  fixture: WorkflowFixture;
  runs: number;
}

/** The listing, then the workflows through one session started for them. */
async function agentCosts(
  against: Against,
  makeAgent: (client: Client, tools: Tool[]) => ContainerAgent,
  options: { failuresAreFigures: boolean; variants: "all" | "without-new-tools" },
): Promise<AgentCosts> {
  const listing = await measureListing(against.launch, against.env);
  const session = await openCountedStdioSession(against.launch, against.env);
  try {
    const agent = makeAgent(session.client, await listAllTools(session.client));
    const workflows = await measureWorkflows(
      { agent, wire: session.wire },
      against.fixture,
      against.libpod,
      { runs: against.runs, ...options },
    );
    return { listing, workflows };
  } finally {
    await session.close();
  }
}

/** mcp-podman: both variants of every workflow, each where the server lists its tools. */
export const ourAgentCosts = (against: Against) =>
  agentCosts(against, (client, tools) => new OurAgent(client, tools), {
    failuresAreFigures: false,
    variants: "all",
  });

/** Another server: the variants an agent had before podman_wait, where its tools allow. */
export const theirAgentCosts = (against: Against) =>
  agentCosts(against, (client, tools) => new OtherAgent(client, tools), {
    failuresAreFigures: true,
    variants: "without-new-tools",
  });
