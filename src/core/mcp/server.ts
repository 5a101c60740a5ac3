import type { TimeLimits } from "../call-context.js";
import type { HostFiles, ProbeTcp } from "../contracts.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  SetLevelRequestSchema,
  type CallToolResult,
  type Tool as ToolListing,
} from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import { type Access, type Scope, requiredScope, scopeAllows } from "./access.js";
import { type AuditTrail, auditedOutcome } from "../observability/audit.js";
import type { InFlightCalls } from "./in-flight.js";
import { McpPodmanError } from "../errors.js";
import type { Logger } from "../observability/log.js";
import type { PodmanClient } from "../podman/client.js";
import type { ContainerPolicy } from "../policy/policy.js";
import { contextFromTraceparent, traceToolCall } from "../observability/telemetry.js";
import { decodeJsonStringArguments } from "../tools/json-arguments.js";
import { checkOwnership } from "../policy/ownership.js";
import type { AnyTool, ToolContext } from "../tools/tool.js";
import { recordableArguments, withoutSecretValues } from "../tools/secret-arguments.js";
import { SERVER_INSTRUCTIONS } from "../tools/instructions.js";
import { listTool } from "../tools/listing.js";

export const SERVER_NAME = "mcp-podman";

/**
 * The SDK validates elicitation answers with a JSON Schema validator, and
 * builds an Ajv instance per session unless given one: tens of milliseconds
 * and megabytes for a feature this server never uses, as it never elicits.
 */
const NO_ELICITATION: jsonSchemaValidator = {
  getValidator() {
    throw new Error("mcp-podman does not elicit input, so it validates no elicitation answers");
  },
};

/**
 * The tools, and their listings per scope. A listing's JSON Schema is made on
 * the first tools/list, not at start-up, and then shared by every session.
 */
export class ToolRegistry {
  readonly #tools = new Map<string, AnyTool>();
  readonly #listings = new Map<Scope, ToolListing[]>();
  #listed: { tool: AnyTool; listing: ToolListing }[] | undefined;

  constructor(tools: AnyTool[]) {
    for (const tool of tools) this.#tools.set(tool.name, tool);
  }

  /** What a caller with this scope sees: nothing it may not call. */
  listingsFor(scope: Scope): ToolListing[] {
    let listings = this.#listings.get(scope);
    if (!listings) {
      this.#listed ??= [...this.#tools.values()].map((tool) => ({ tool, listing: listTool(tool) }));
      listings = this.#listed
        .filter(({ tool }) => scopeAllows(scope, requiredScope(tool)))
        .map(({ listing }) => listing);
      this.#listings.set(scope, listings);
    }
    return listings;
  }

  get(name: string): AnyTool | undefined {
    return this.#tools.get(name);
  }
}

export interface ServerDependencies {
  /** The shared registry, built on first use. */
  tools: () => Promise<ToolRegistry>;
  podman: PodmanClient;
  files: HostFiles;
  logger: Logger;
  version: string;
  /** What this session's caller may do. */
  access: Access;
  /** What any caller may ask Podman to create. */
  policy: ContainerPolicy;
  audit: AuditTrail;
  showSecrets: boolean;
  calls: InFlightCalls;
  /** The largest answer a tool may give, whatever its own arguments allow. */
  maxOutputBytes: number;
  timeLimits: TimeLimits;
  probeTcp: ProbeTcp;
}

/** One MCP server (one per session over HTTP, one for stdio) over the shared tool registry. */
export function createMcpServer({
  tools,
  podman,
  files,
  logger,
  version,
  access,
  policy,
  audit,
  showSecrets,
  calls,
  maxOutputBytes,
  timeLimits,
  probeTcp,
}: ServerDependencies): Server {
  const server = new Server(
    { name: SERVER_NAME, version },
    {
      capabilities: { tools: {}, logging: {} },
      instructions: SERVER_INSTRUCTIONS,
      jsonSchemaValidator: NO_ELICITATION,
    },
  );
  forwardLogs(server, logger);
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: (await tools()).listingsFor(access.scope),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = (await tools()).get(request.params.name);
    if (!tool) return errorResult(`Unknown tool "${request.params.name}".`);
    const mutating = !tool.annotations.readOnlyHint;
    const progressToken = request.params._meta?.progressToken;
    const ctx: ToolContext = {
      podman,
      files,
      signal: extra.signal,
      policy,
      access,
      showSecrets,
      timeLimits,
      probeTcp,
      async progress(message, progress = 0, total) {
        if (progressToken === undefined) return;
        // A client that went away must not fail the work it asked for.
        await extra
          .sendNotification({
            method: "notifications/progress",
            params: { progressToken, progress, total, message },
          })
          .catch(() => undefined);
      },
    };
    const traceparent =
      request.params._meta?.traceparent ?? extra.requestInfo?.headers?.["traceparent"];
    return traceToolCall(
      {
        tool: tool.name,
        sessionId: extra.sessionId,
        requestId: extra.requestId,
        transport: extra.sessionId ? "tcp" : "pipe",
        parent: contextFromTraceparent(traceparent),
      },
      async () => {
        const started = performance.now();
        const outcome = await calls.handler(() =>
          callTool(tool, request.params.arguments ?? {}, ctx, maxOutputBytes),
        );
        const durationMs = performance.now() - started;
        logger.log(outcome.errorType === "_OTHER" ? "warning" : "debug", "tool call", {
          tool: tool.name,
          session: extra.sessionId,
          token: access.tokenId,
          outcome: outcome.errorType ?? "ok",
          duration_ms: Math.round(durationMs),
        });
        if (mutating) {
          audit.record({
            tool: tool.name,
            arguments: recordableArguments(tool, request.params.arguments),
            access,
            session: extra.sessionId,
            outcome: outcome.errorType ?? "ok",
            durationMs,
            ...auditedOutcome(tool, outcome),
          });
        }
        return outcome;
      },
    );
  });
  return server;
}

export interface ToolOutcome {
  result: CallToolResult;
  /** Set when the call failed: the error kind, for telemetry. */
  errorType?: string;
}

const MCP_LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

/**
 * Sends log records to this session as MCP notifications/message once the
 * client asked with logging/setLevel: records of this session and records
 * of the server itself, never those of other sessions.
 */
function forwardLogs(server: Server, logger: Logger) {
  let threshold: number | undefined;
  let ownSession: string | undefined;
  server.setRequestHandler(SetLevelRequestSchema, (request, extra) => {
    threshold = MCP_LOG_LEVELS.indexOf(request.params.level);
    ownSession = extra.sessionId;
    return {};
  });
  const unsubscribe = logger.subscribe((level, message, fields) => {
    if (threshold === undefined || MCP_LOG_LEVELS.indexOf(level) < threshold) return;
    if (fields.session !== undefined && fields.session !== ownSession) return;
    void server
      .sendLoggingMessage({ level, logger: SERVER_NAME, data: { message, ...fields } })
      .catch(() => unsubscribe());
  });
  const previousOnClose = server.onclose;
  server.onclose = () => {
    unsubscribe();
    previousOnClose?.();
  };
}

/**
 * Every tool call, in one place: the caller's scope, the arguments, the
 * ownership of the objects the tool declares it acts on, then the handler,
 * the output's schema and size, and the mapping of errors to results.
 */
export async function callTool(
  tool: AnyTool,
  rawArguments: unknown,
  ctx: ToolContext,
  maxOutputBytes = Infinity,
): Promise<ToolOutcome> {
  const needed = requiredScope(tool);
  if (!scopeAllows(ctx.access.scope, needed)) {
    return failed(
      "refused_scope",
      `${tool.name} needs a token with the ${needed} scope; this one has ${ctx.access.scope}.`,
    );
  }
  const decoded = decodeJsonStringArguments(tool.input, rawArguments);
  const outcome = await runTool(tool, decoded, ctx, maxOutputBytes);
  return withoutSecretValues(tool, decoded, outcome);
}

async function runTool(
  tool: AnyTool,
  decoded: unknown,
  ctx: ToolContext,
  maxOutputBytes: number,
): Promise<ToolOutcome> {
  const parsed = tool.input.safeParse(decoded);
  if (!parsed.success) {
    return failed("invalid_arguments", describeInvalidArguments(tool.name, parsed.error));
  }
  try {
    if (tool.owns && ownershipApplies(tool, parsed.data))
      await checkOwnership(ctx, tool.owns.kind, parsed.data[tool.owns.arg]);
    const checked = tool.output.safeParse(await tool.handle(ctx, parsed.data));
    if (!checked.success) {
      return failed(
        "_OTHER",
        `Unexpected failure: ${tool.name} produced a result that does not match its output schema (${describeIssues(checked.error)}).`,
      );
    }
    const text = tool.render(checked.data);
    const size = Math.max(byteLength(text), byteLength(JSON.stringify(checked.data)));
    if (size > maxOutputBytes) {
      return failed(
        "output_too_large",
        `The answer of ${tool.name} would be ${size} bytes, over the ${maxOutputBytes} bytes ` +
          "--max-output-bytes allows: narrow it with filters, fields, tail or max_bytes",
      );
    }
    return {
      result: {
        content: [{ type: "text", text }],
        structuredContent: checked.data,
      },
    };
  } catch (error) {
    const kind = error instanceof McpPodmanError ? error.kind : "_OTHER";
    return failed(kind, describeFailure(error));
  }
}

const byteLength = (text: string) => new TextEncoder().encode(text).length;

function failed(errorType: string, message: string): ToolOutcome {
  return { result: errorResult(message), errorType };
}

function errorResult(message: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text: message }] };
}

function describeInvalidArguments(toolName: string, error: z.ZodError): string {
  return `Invalid arguments for ${toolName}: ${describeIssues(error)}.`;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.join(".") : "arguments";
      return `${path}: ${issue.message.replace(/\.$/, "")}`;
    })
    .join("; ");
}

/** One clear sentence, never a stack trace. */
function describeFailure(error: unknown): string {
  if (error instanceof McpPodmanError) return sentence(error.message);
  if (error instanceof SyntaxError)
    return sentence(`Podman sent an unreadable answer: ${error.message}`);
  const message = error instanceof Error ? error.message : String(error);
  return sentence(`Unexpected failure: ${message}`);
}

/**
 * Capitalises a leading plain word ("no such container" → "No such container")
 * but leaves names alone ("localhost/app: image not known").
 */
function sentence(text: string): string {
  const capitalised = /^[a-z]+ /.test(text) ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** Changes are checked always; reads only when the tool says so (see OwnedObject). */
function ownershipApplies(tool: AnyTool, args: unknown): boolean {
  if (!tool.annotations.readOnlyHint) return true;
  const when = tool.owns?.checkedWhenReading;
  return when === true || (typeof when === "function" && when(args));
}
