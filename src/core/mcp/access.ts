import { BadArgument } from "../errors.js";
import type { AnyTool } from "../tools/tool.js";

/** What a token may do: read sees read-only tools, operate adds day-to-day work, admin all. */
export const SCOPES = ["read", "operate", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: the scope, and over HTTP the short hash that names the token in logs. */
export interface Access {
  scope: Scope;
  tokenId?: string;
}

/** The local user over stdio, or anyone with --no-auth on loopback. */
export const FULL_ACCESS: Access = { scope: "admin" };

export function isScope(text: string): text is Scope {
  return (SCOPES as readonly string[]).includes(text);
}

/** The scope a tool needs: its own when it declares one, else read for read-only tools. */
export function requiredScope(tool: AnyTool): Scope {
  return tool.scope ?? (tool.annotations.readOnlyHint ? "read" : "operate");
}

export function scopeAllows(granted: Scope, needed: Scope): boolean {
  return SCOPES.indexOf(granted) >= SCOPES.indexOf(needed);
}

export interface ToolSelection {
  /** --read-only: only read-only tools exist. */
  readOnly: boolean;
  /** --tools: only these tools or families. */
  include: string[] | undefined;
  /** --deny-tools: never these tools or families. */
  exclude: string[];
}

/** Applies --read-only, --tools and --deny-tools to the families; unknown names are errors. */
export function selectTools(families: Record<string, AnyTool[]>, selection: ToolSelection) {
  const all = Object.values(families).flat();
  const expand = (names: string[], flag: string) =>
    new Set(
      names.flatMap((name) => {
        if (families[name]) return families[name].map((tool) => tool.name);
        if (all.some((tool) => tool.name === name)) return [name];
        const known = Object.keys(families).join(", ");
        throw new BadArgument(`${flag}: no tool or family "${name}" (families: ${known})`);
      }),
    );
  const included = selection.include && expand(selection.include, "--tools");
  const excluded = expand(selection.exclude, "--deny-tools");
  return all.filter(
    (tool) =>
      (!selection.readOnly || tool.annotations.readOnlyHint) &&
      (!included || included.has(tool.name)) &&
      !excluded.has(tool.name),
  );
}
