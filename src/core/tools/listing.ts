import type { Tool as ToolListing } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import type { AnyTool, ToolAnnotations } from "./tool.js";

type JsonSchema = Record<string, unknown>;

/**
 * A tool as tools/list shows it. Every listing is paid for in the context of
 * every conversation, so its JSON Schema carries only what a client acts on;
 * the call itself is still validated by the tool's zod schemas (callTool).
 * The title is said once, as the tool's own: annotations.title is its older
 * place, which clients read only when the tool has none.
 */
export function listTool(tool: AnyTool): ToolListing {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: listedSchema(tool.input, "input") as ToolListing["inputSchema"],
    outputSchema: listedSchema(tool.output, "output") as ToolListing["outputSchema"],
    annotations: listedAnnotations(tool.annotations),
  };
}

/**
 * The hints a client cannot assume. readOnlyHint is said where true: false is
 * MCP's default, and a client that misses it only treats the tool as one that
 * changes things. destructiveHint is always said for a tool that changes
 * things, since a client may ask before a destructive call only when it reads
 * true there. The others only where they differ from MCP's defaults (not
 * idempotent, open world), and a read-only tool's destructive and idempotent
 * hints, which MCP gives no meaning, not at all.
 */
function listedAnnotations(hints: ToolAnnotations): Partial<ToolAnnotations> {
  const closedWorld = !hints.openWorldHint && { openWorldHint: false };
  if (hints.readOnlyHint) return { readOnlyHint: true, ...closedWorld };
  return {
    destructiveHint: hints.destructiveHint,
    ...(hints.idempotentHint && { idempotentHint: true }),
    ...closedWorld,
  };
}

/** Arguments listed by one of the notations they accept: see listedAs. */
const listedNotations = new WeakMap<object, z.ZodType>();

/**
 * Lists `schema` as `shown`, one of the notations it accepts that can say all
 * the others can. Only the listing changes: a call is still checked against
 * `schema` and may use any notation.
 */
export function listedAs<T extends z.ZodType>(schema: T, shown: z.ZodType): T {
  listedNotations.set(schema, shown);
  return schema;
}

/** Output shapes listed once, in $defs: see sharedShape. */
const sharedShapes = new WeakMap<object, string>();

/**
 * Lists an output shape that an answer repeats (stdout and stderr; the disk
 * usage of images, containers and volumes) once in its tool's $defs, as
 * `name`, and each place it appears as a $ref to it.
 */
export function sharedShape<T extends z.ZodType>(name: string, schema: T): T {
  sharedShapes.set(schema, name);
  return schema;
}

function listedSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const defs: Record<string, JsonSchema> = {};
  const { $schema: _ignored, ...emitted } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    override({ zodSchema, jsonSchema }) {
      const shared = io === "output" ? sharedShapes.get(zodSchema) : undefined;
      const shown = listedNotations.get(zodSchema);
      if (shared) {
        defs[shared] = { ...jsonSchema };
        replace(jsonSchema, { $ref: `#/$defs/${shared}` });
      } else if (shown) {
        replace(jsonSchema, listedNotation(shown, io));
      }
    },
  });
  if (io === "input") return eachSubschema(emitted, compactInput);
  const listed = eachSubschema(emitted, outputShape);
  if (Object.keys(defs).length === 0) return listed;
  const shapes = Object.entries(defs).map(([name, def]) => [name, eachSubschema(def, outputShape)]);
  return { ...listed, $defs: Object.fromEntries(shapes) };
}

function replace(node: JsonSchema, by: JsonSchema): void {
  for (const key of Object.keys(node)) delete node[key];
  Object.assign(node, by);
}

function listedNotation(shown: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _ignored, ...notation } = z.toJSONSchema(shown, { io });
  return notation;
}

/** What zod emits for z.number().int() when no bound was given: the safe-integer range. */
const UNBOUNDED = new Set([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);

/**
 * An input schema less what tells the model nothing: the safe-integer bounds
 * of z.number().int(), `propertyNames:
 * {type: string}` (JSON keys always are), "must not be empty" on strings and
 * arrays, `default` false or "", `additionalProperties: false` of strict
 * objects (a model sends only the arguments it is shown, and an unknown one is
 * refused), and the string values of maps such as env and labels, which the
 * server instructions state once. An integer's exclusive minimum n reads
 * minimum n+1. Upper bounds are left out too: they are caps against runaway
 * calls (65535, 3600 s, 1 MiB, 1000 characters) that a call rarely meets, and
 * one beyond them is refused with the bound named. So are an integer's lower
 * bounds (a count from 0 or 1, max_bytes from 256, an HTTP status from 100),
 * except a negative one: it says what a value means (-1: all).
 */
function compactInput(schema: JsonSchema): JsonSchema {
  const node = asList(schema);
  const { minimum, exclusiveMinimum, propertyNames, minLength, minItems, ...kept } = node;
  for (const upper of UPPER_BOUNDS) delete kept[upper];
  const integer = node.type === "integer";
  const lowest = integer && typeof exclusiveMinimum === "number" ? exclusiveMinimum + 1 : minimum;
  return {
    ...kept,
    ...(isBound(lowest) && (!integer || lowest < 0) && { minimum: lowest }),
    ...(!integer && exclusiveMinimum !== undefined && { exclusiveMinimum }),
    ...(propertyNames !== undefined && !isPlainString(propertyNames) && { propertyNames }),
    ...(minLength !== undefined && minLength !== 1 && { minLength }),
    ...(minItems !== undefined && minItems !== 1 && { minItems }),
    ...((node.default === false || node.default === "") && { default: undefined }),
    ...((node.additionalProperties === false || isPlainString(node.additionalProperties)) && {
      additionalProperties: undefined,
    }),
  };
}

const UPPER_BOUNDS = ["maximum", "maxLength", "maxItems"];

/**
 * "One or many" (`anyOf: [X, array of X]`) listed as the array: a list of one
 * says the same, and the server still takes the single value.
 */
function asList(node: JsonSchema): JsonSchema {
  const { anyOf, ...rest } = node;
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return node;
  const [one, many] = anyOf as JsonSchema[];
  const same = many?.type === "array" && JSON.stringify(many.items) === JSON.stringify(one);
  return same ? { ...rest, ...many } : node;
}

/** Keywords a client needs to check structuredContent and to type it. */
const SHAPE_KEYWORDS = ["type", "properties", "items", "anyOf", "enum", "const", "$ref"];

/**
 * An output schema as the shape of structuredContent: types and properties.
 * Field descriptions, bounds and `required` stay in the zod source, which
 * every result is built against. A client validating structuredContent
 * accepts every result with or without them; `required` would only promise
 * fields that a reader of a compact, bounded answer checks for anyway, at a
 * tenth of the whole listing. An enum or a const says its type itself, and a
 * choice of plain types reads as a list of types.
 */
function outputShape(node: JsonSchema): JsonSchema {
  const shape = Object.fromEntries(
    SHAPE_KEYWORDS.filter((key) => key in node).map((key) => [key, node[key]]),
  );
  if ("enum" in shape || "const" in shape) delete shape.type;
  const types = Array.isArray(shape.anyOf) ? shape.anyOf.map(onlyType) : [];
  if (types.length > 0 && types.every((type) => type !== undefined)) {
    delete shape.anyOf;
    shape.type = types;
  }
  if (isObject(node.additionalProperties)) shape.additionalProperties = node.additionalProperties;
  return shape;
}

/** `rewrite` applied to every subschema, innermost first. */
function eachSubschema(schema: JsonSchema, rewrite: (node: JsonSchema) => JsonSchema): JsonSchema {
  const inner = (value: unknown) => (isObject(value) ? eachSubschema(value, rewrite) : value);
  const node: JsonSchema = { ...schema };
  if (isObject(schema.properties))
    node.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [name, inner(property)]),
    );
  if (Array.isArray(schema.anyOf)) node.anyOf = schema.anyOf.map(inner);
  node.items = inner(schema.items);
  node.additionalProperties = inner(schema.additionalProperties);
  return withoutUndefined(rewrite(node));
}

/** The type a subschema says and nothing else, e.g. {type: "null"}. */
const onlyType = (node: unknown) =>
  isObject(node) && Object.keys(node).length === 1 && typeof node.type === "string"
    ? node.type
    : undefined;

const isBound = (value: unknown): value is number =>
  typeof value === "number" && !UNBOUNDED.has(value);

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isPlainString = (value: unknown) =>
  isObject(value) && Object.keys(value).length === 1 && value.type === "string";

const withoutUndefined = (node: JsonSchema) =>
  Object.fromEntries(Object.entries(node).filter(([, value]) => value !== undefined));
