import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Connected, call, connect, textOf, uniqueName } from "./harness.js";

const missing = uniqueName("no-such-object");

/** Arguments that name nothing that exists: required strings and arrays only. */
function argumentsNamingNothing(tool: Tool): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, { type?: string }>;
  for (const name of tool.inputSchema.required ?? []) {
    args[name] = properties[name]?.type === "array" ? [missing] : missing;
  }
  return args;
}

/**
 * Every tool that reads, or that changes only what it names, answers the same
 * over stdio and over HTTP. Tools that create things are covered by their
 * family's own stories.
 */
describe("every tool over both transports", () => {
  let stdio: Connected;
  let http: Connected;
  let tools: Tool[];

  beforeAll(async () => {
    [stdio, http] = await Promise.all([connect("stdio"), connect("http")]);
    tools = (await stdio.client.listTools()).tools;
  });
  afterAll(async () => {
    await stdio?.close();
    await http?.close();
  });

  it("lists the same tools", async () => {
    const overHttp = (await http.client.listTools()).tools;
    expect(overHttp.map((t) => t.name)).toEqual(tools.map((t) => t.name));
    expect(tools.length).toBeGreaterThanOrEqual(43);
  });

  it("answers reads and calls on missing objects alike, with one sentence on failure", async () => {
    const checked: string[] = [];
    for (const tool of tools) {
      const { readOnlyHint, destructiveHint } = tool.annotations ?? {};
      if (!readOnlyHint && !destructiveHint) continue;
      if (tool.name.startsWith("podman_compose") || tool.name.startsWith("podman_kube")) continue;
      if (tool.name === "podman_image_prune" || tool.name === "podman_volume_prune") continue;
      if (tool.name === "podman_push" || tool.name === "podman_stats") continue;
      const args = argumentsNamingNothing(tool);
      const [overStdio, overHttp] = await Promise.all([
        call(stdio.client, tool.name, args),
        call(http.client, tool.name, args),
      ]);
      expect(Boolean(overHttp.isError), tool.name).toBe(Boolean(overStdio.isError));
      if (overStdio.isError) {
        expect(textOf(overHttp), tool.name).toBe(textOf(overStdio));
        expect(textOf(overStdio).split("\n"), tool.name).toHaveLength(1);
      } else {
        expect(overHttp.structuredContent, tool.name).toBeDefined();
      }
      checked.push(tool.name);
    }
    expect(checked.length).toBeGreaterThanOrEqual(20);
  });
});
