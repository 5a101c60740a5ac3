import * as z from "zod";
import type { AnyTool } from "../../src/core/tools/tool.js";

/**
 * The README's tool tables, made from the registry: each section between
 * `<!-- tools: family, ... -->` and `<!-- /tools -->` lists those families'
 * tools with their arguments and the first sentence of their description.
 */
const SECTION = /(<!-- tools: ([a-z, ]+) -->\n)[\s\S]*?(<!-- \/tools -->)/g;

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  default?: unknown;
  anyOf?: JsonSchema[];
}

/** README.md with every tools section rewritten; unknown families are errors. */
export function withToolTables(readme: string, families: Record<string, AnyTool[]>): string {
  return readme.replace(SECTION, (_whole, open: string, names: string, close: string) => {
    const tools = names.split(",").flatMap((name) => {
      const family = families[name.trim()];
      if (!family) throw new Error(`README.md names the unknown tool family "${name.trim()}"`);
      return family;
    });
    return `${open}\n${toolTable(tools)}\n${close}`;
  });
}

function toolTable(tools: AnyTool[]): string {
  const rows = tools.map((tool) => [
    `\`${tool.name}\``,
    describeArguments(inputSchema(tool)),
    firstSentence(tool.description),
  ]);
  return [
    "| tool | arguments (required in bold) | does |",
    "| --- | --- | --- |",
    ...rows.map((cells) => `| ${cells.map(escapeCell).join(" | ")} |`),
  ].join("\n");
}

function inputSchema(tool: AnyTool): JsonSchema {
  return z.toJSONSchema(tool.input, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

/** `**name**, all, env{}, ports[], filters {name, label[]}, limit (default 100)` */
function describeArguments(schema: JsonSchema): string {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {})
    .map(([name, property]) => {
      const shown = required.has(name) ? `**${name}**` : name;
      return `${shown}${shapeOf(property)}${defaultOf(property)}`;
    })
    .join(", ");
}

function shapeOf(schema: JsonSchema): string {
  const variant = schema.anyOf?.find((option) => option.type !== "string") ?? schema;
  if (variant.type === "array") return "[]";
  if (variant.type !== "object") return "";
  const fields = Object.entries(variant.properties ?? {});
  if (fields.length === 0) return "{}";
  return ` {${fields.map(([name, field]) => `${name}${shapeOf(field)}`).join(", ")}}`;
}

function defaultOf(schema: JsonSchema): string {
  const value = schema.default;
  if (value === undefined || value === false || typeof value === "object") return "";
  return ` (default ${String(value)})`;
}

/** Up to the first full stop that ends a sentence, not one inside "e.g." or a name. */
function firstSentence(description: string): string {
  const end = description.search(/(?<!\be\.g|\bi\.e)\.(\s|$)/);
  return end === -1 ? description : description.slice(0, end + 1);
}

const escapeCell = (text: string) => text.replace(/\|/g, "\\|");
