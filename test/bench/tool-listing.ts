import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ListingFigure } from "./figures.js";
import type { Launch } from "./launch.js";
import { listAllTools, openCountedStdioSession } from "./mcp-clients.js";

/** What a model is given of a tool: exactly these three fields. */
const modelVisible = ({ name, description, inputSchema }: Tool) =>
  Buffer.byteLength(JSON.stringify({ name, description, inputSchema }));

/**
 * What an agent pays in context before its first call: the tools as the model
 * sees them, the whole tools/list answer (output schemas, annotations, the
 * JSON-RPC envelope) and the server's instructions from initialize.
 */
export async function measureListing(
  launch: Launch,
  env: Record<string, string>,
): Promise<ListingFigure> {
  const session = await openCountedStdioSession(launch, env);
  try {
    session.wire.take();
    const tools = await listAllTools(session.client);
    const { receivedBytes } = session.wire.take();
    const perTool = tools
      .map((tool) => ({ name: tool.name, bytes: modelVisible(tool) }))
      .sort((a, b) => b.bytes - a.bytes);
    return {
      tools: tools.length,
      modelVisibleBytes: perTool.reduce((sum, tool) => sum + tool.bytes, 0),
      toolsListBytes: receivedBytes,
      instructionsBytes: Buffer.byteLength(session.client.getInstructions() ?? ""),
      perTool,
    };
  } finally {
    await session.close();
  }
}

/** The usual rough rule for English text and JSON; tokenizers differ by model. */
export const estimatedTokens = (bytes: number) => Math.round(bytes / 4);
