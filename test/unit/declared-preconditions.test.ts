import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Access } from "../../src/core/mcp/access.js";
import { PodmanClient } from "../../src/core/podman/client.js";
import { callTool } from "../../src/core/mcp/server.js";
import { DESTRUCTIVE, READ_ONLY } from "../../src/core/tools/annotations.js";
import { defineTool, type ToolContext } from "../../src/core/tools/tool.js";
import { DENY_ALL, policyWith, toolContext } from "./fixtures.js";

const handled: string[] = [];

const stopper = defineTool({
  name: "podman_stopper",
  family: "containers",
  title: "Stop",
  description: "Stops a container it declares it changes.",
  input: z.object({ name: z.string().min(1) }),
  output: z.object({ name: z.string() }),
  annotations: DESTRUCTIVE,
  owns: { kind: "container", arg: "name" },
  async handle(_ctx, { name }) {
    handled.push(name);
    return { name };
  },
  render: ({ name }) => name,
});

const reader = defineTool({
  ...stopper,
  name: "podman_reader",
  description: "Reads a container it names.",
  annotations: READ_ONLY,
});

/** A Podman that knows one managed and one foreign container, and records what it was asked. */
function podmanKnowing(asked: string[]) {
  const labels: Record<string, Record<string, string>> = {
    mine: { "io.mcp-podman.managed": "true" },
    theirs: {},
  };
  return new PodmanClient({
    socket: "/nowhere.sock",
    timeoutMs: 1000,
    fetch: async (url) => {
      const path = new URL(url).pathname;
      asked.push(path);
      const name = decodeURIComponent(path.split("/").at(-2) ?? "");
      const known = labels[name];
      const body = known ? { Config: { Labels: known } } : { message: "no such container" };
      return new Response(JSON.stringify(body), { status: known ? 200 : 404 });
    },
  });
}

function contextFor(access: Access, asked: string[], managedOnly = false): ToolContext {
  return toolContext({
    podman: podmanKnowing(asked),
    policy: managedOnly ? policyWith({ managedOnly }) : DENY_ALL,
    access,
  });
}

const textOf = (outcome: Awaited<ReturnType<typeof callTool>>) =>
  outcome.result.content[0]?.type === "text" ? outcome.result.content[0].text : "";

describe("what a tool declares, callTool enforces", () => {
  it("refuses a scope too small before reading the arguments or asking Podman", async () => {
    const asked: string[] = [];
    handled.length = 0;
    const outcome = await callTool(stopper, { name: 42 }, contextFor({ scope: "read" }, asked));
    expect(outcome.errorType).toBe("refused_scope");
    expect(textOf(outcome)).toBe(
      "podman_stopper needs a token with the operate scope; this one has read.",
    );
    expect(asked).toEqual([]);
    expect(handled).toEqual([]);
  });

  it("lets an operate token change what the server created", async () => {
    const asked: string[] = [];
    handled.length = 0;
    const outcome = await callTool(
      stopper,
      { name: "mine" },
      contextFor({ scope: "operate" }, asked),
    );
    expect(outcome.errorType).toBeUndefined();
    expect(asked).toEqual(["/v4.0.0/libpod/containers/mine/json"]);
    expect(handled).toEqual(["mine"]);
  });

  it("refuses an operate token a foreign object without running the handler", async () => {
    const asked: string[] = [];
    handled.length = 0;
    const outcome = await callTool(
      stopper,
      { name: "theirs" },
      contextFor({ scope: "operate" }, asked),
    );
    expect(outcome.errorType).toBe("refused_by_policy");
    expect(textOf(outcome)).toMatch(/^The container "theirs" was not created by mcp-podman/);
    expect(handled).toEqual([]);
  });

  it("lets an admin change anything without asking, unless --managed-only", async () => {
    const asked: string[] = [];
    handled.length = 0;
    await callTool(stopper, { name: "theirs" }, contextFor({ scope: "admin" }, asked));
    expect(asked).toEqual([]);
    expect(handled).toEqual(["theirs"]);
    const refused = await callTool(
      stopper,
      { name: "theirs" },
      contextFor({ scope: "admin" }, asked, true),
    );
    expect(textOf(refused)).toMatch(/with --managed-only no token may change/);
    expect(handled).toEqual(["theirs"]);
  });

  it("answers a missing object as not found, the handler never called", async () => {
    handled.length = 0;
    const outcome = await callTool(stopper, { name: "gone" }, contextFor({ scope: "operate" }, []));
    expect(outcome.errorType).toBe("not_found");
    expect(handled).toEqual([]);
  });

  it("lets any token read a foreign object: ownership guards changes only", async () => {
    const asked: string[] = [];
    handled.length = 0;
    const outcome = await callTool(
      reader,
      { name: "theirs" },
      contextFor({ scope: "read" }, asked),
    );
    expect(outcome.errorType).toBeUndefined();
    expect(asked).toEqual([]);
    expect(handled).toEqual(["theirs"]);
  });
});
