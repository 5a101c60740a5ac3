import type { Tool as ToolListing } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import type { AnyTool } from "./tool.js";

type JsonSchema = Record<string, unknown>;

/**
 * A tool as tools/list shows it. Every listing is paid for in the context of
 * every conversation, so its JSON Schema carries only what a client acts on;
 * the call itself is still validated by the tool's zod schemas (callTool).
 */
export function listTool(tool: AnyTool): ToolListing {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: listedSchema(tool.input, "input") as ToolListing["inputSchema"],
    outputSchema: listedSchema(tool.output, "output") as ToolListing["outputSchema"],
    annotations: { title: tool.title, ...tool.annotations },
  };
}

function listedSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _ignored, ...emitted } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return io === "input" ? compactInput(emitted) : outputShape(emitted);
}

/** What zod emits for z.number().int() when no bound was given: the safe-integer range. */
const UNBOUNDED = new Set([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);

/**
 * The input schema less what tells the model nothing: the safe-integer bounds
 * of z.number().int(), `propertyNames: {type: string}` (JSON keys always are),
 * "must not be empty" on strings, and `default: false` on flags.
 */
function compactInput(schema: JsonSchema): JsonSchema {
  return mapSchema(
    schema,
    (key, value, node) => {
      if (key === "minimum" || key === "maximum")
        return UNBOUNDED.has(value as number) ? DROP : value;
      if (key === "exclusiveMinimum" && node.type === "integer") return DROP;
      if (key === "propertyNames") return isPlainString(value) ? DROP : value;
      if (key === "minLength") return value === 1 ? DROP : value;
      if (key === "default") return value === false ? DROP : value;
      return value;
    },
    (node) =>
      node.type === "integer" &&
      typeof node.exclusiveMinimum === "number" &&
      node.minimum === undefined
        ? { minimum: node.exclusiveMinimum + 1 }
        : {},
  );
}

/** Keywords a client needs to check structuredContent and to type it. */
const SHAPE_KEYWORDS = new Set([
  "type",
  "properties",
  "required",
  "items",
  "anyOf",
  "enum",
  "additionalProperties",
  "const",
]);

/**
 * The output schema as the shape of structuredContent: types, properties,
 * required fields. Field descriptions and bounds stay in the zod source; a
 * client validates the same results with or without them.
 */
function outputShape(schema: JsonSchema): JsonSchema {
  return mapSchema(schema, (key, value) => {
    if (!SHAPE_KEYWORDS.has(key)) return DROP;
    if (key === "additionalProperties") return value === false ? DROP : value;
    return value;
  });
}

const DROP = Symbol("drop");
type Rewrite = (key: string, value: unknown, node: JsonSchema) => unknown;

/** Applies `rewrite` to every keyword of every subschema, depth first. */
function mapSchema(
  schema: JsonSchema,
  rewrite: Rewrite,
  extra: (node: JsonSchema) => JsonSchema = () => ({}),
): JsonSchema {
  const mapped: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    let inner = value;
    if (key === "properties" && isObject(value)) {
      inner = Object.fromEntries(
        Object.entries(value).map(([name, property]) => [
          name,
          mapSchema(property as JsonSchema, rewrite, extra),
        ]),
      );
    } else if ((key === "items" || key === "additionalProperties") && isObject(value)) {
      inner = mapSchema(value, rewrite, extra);
    } else if (key === "anyOf" && Array.isArray(value)) {
      inner = value.map((option: JsonSchema) => mapSchema(option, rewrite, extra));
    }
    const rewritten = rewrite(key, inner, schema);
    if (rewritten !== DROP) mapped[key] = rewritten;
  }
  return { ...mapped, ...extra(schema) };
}

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isPlainString = (value: unknown) =>
  isObject(value) && Object.keys(value).length === 1 && value.type === "string";
