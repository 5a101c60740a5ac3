import type * as z from "zod";

/**
 * Some MCP clients send nested arguments as JSON-encoded strings
 * (`"{\"FOO\":\"bar\"}"` where an object is expected). Walks the schema beside
 * the value and decodes such strings wherever the schema expects an object or
 * an array, so both forms validate. Anything else is left for zod to judge.
 */
export function decodeJsonStringArguments(schema: z.ZodType, value: unknown): unknown {
  const def = (schema as unknown as { def: SchemaDef }).def;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
      return decodeJsonStringArguments(def.innerType as z.ZodType, value);
    case "pipe":
      return decodeJsonStringArguments(def.in as z.ZodType, value);
    case "object": {
      const decoded = parseIfJson(value, "{");
      if (!isPlainObject(decoded)) return decoded;
      const shape = def.shape as Record<string, z.ZodType>;
      const result: Record<string, unknown> = { ...decoded };
      for (const [key, field] of Object.entries(shape)) {
        if (key in result) result[key] = decodeJsonStringArguments(field, result[key]);
      }
      return result;
    }
    case "record": {
      const decoded = parseIfJson(value, "{");
      if (!isPlainObject(decoded)) return decoded;
      const valueType = def.valueType as z.ZodType;
      return Object.fromEntries(
        Object.entries(decoded).map(([k, v]) => [k, decodeJsonStringArguments(valueType, v)]),
      );
    }
    case "array": {
      const decoded = parseIfJson(value, "[");
      if (!Array.isArray(decoded)) return decoded;
      return decoded.map((item) => decodeJsonStringArguments(def.element as z.ZodType, item));
    }
    case "union": {
      if (typeof value !== "string") {
        const options = def.options as z.ZodType[];
        const structured = options.find((o) => expects(o, Array.isArray(value) ? "[" : "{"));
        return structured ? decodeJsonStringArguments(structured, value) : value;
      }
      const opener = value.trimStart()[0];
      const options = def.options as z.ZodType[];
      const structured = options.find((o) => opener !== undefined && expects(o, opener));
      return structured ? decodeJsonStringArguments(structured, value) : value;
    }
    default:
      return value;
  }
}

interface SchemaDef {
  type: string;
  [key: string]: unknown;
}

function expects(schema: z.ZodType, opener: string): boolean {
  const def = (schema as unknown as { def: SchemaDef }).def;
  if (["optional", "nullable", "default", "prefault", "readonly"].includes(def.type)) {
    return expects(def.innerType as z.ZodType, opener);
  }
  if (opener === "{") return def.type === "object" || def.type === "record";
  if (opener === "[") return def.type === "array";
  return false;
}

function parseIfJson(value: unknown, opener: "{" | "["): unknown {
  if (typeof value !== "string" || !value.trimStart().startsWith(opener)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
