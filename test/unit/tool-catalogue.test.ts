import { describe, expect, it } from "vitest";
import * as z from "zod";
import { requiredScope } from "../../src/core/mcp/access.js";
import { ToolRegistry } from "../../src/core/mcp/server.js";
import composeFolder from "../../src/core/tools/compose/index.js";
import containersFolder from "../../src/core/tools/containers/index.js";
import imagesFolder from "../../src/core/tools/images/index.js";
import { allTools, toolFamilies } from "../../src/core/tools/index.js";
import { SERVER_INSTRUCTIONS } from "../../src/core/tools/instructions.js";
import kubeFolder from "../../src/core/tools/kube/index.js";
import networksFolder from "../../src/core/tools/networks/index.js";
import podsFolder from "../../src/core/tools/pods/index.js";
import secretsFolder from "../../src/core/tools/secrets/index.js";
import systemFolder from "../../src/core/tools/system/index.js";
import volumesFolder from "../../src/core/tools/volumes/index.js";
import type { Tool as ToolListing } from "@modelcontextprotocol/sdk/types.js";
import { TOOL_FAMILIES, type AnyTool } from "../../src/core/tools/tool.js";

/** What each family folder's index lists. */
const FOLDERS: Record<string, AnyTool[]> = {
  containers: containersFolder,
  pods: podsFolder,
  images: imagesFolder,
  compose: composeFolder,
  kube: kubeFolder,
  volumes: volumesFolder,
  networks: networksFolder,
  secrets: secretsFolder,
  system: systemFolder,
};

/** Tools whose required `name` is the object they create, so there is nothing to own yet. */
const CREATORS = new Set(["podman_pod_create", "podman_network_create", "podman_secret_create"]);

const KIND_OF_FAMILY: Record<string, string> = {
  containers: "container",
  pods: "pod",
  volumes: "volume",
  networks: "network",
  secrets: "secret",
  system: "container",
};

const each = (check: (tool: AnyTool) => void) => {
  for (const tool of allTools) check(tool);
};

describe("every tool", () => {
  it("has a unique podman_ snake-case name", () => {
    each((tool) => expect(tool.name, tool.name).toMatch(/^podman(_[a-z]+)+$/));
    expect(new Set(allTools.map((tool) => tool.name)).size).toBe(allTools.length);
  });

  it("has a short title and a description written as sentences for the model", () => {
    each((tool) => {
      expect(tool.title, tool.name).toMatch(/^[A-Z][^\n]{3,60}[^.]$/);
      expect(tool.description.length, tool.name).toBeGreaterThan(40);
      expect(tool.description, tool.name).toMatch(/^[A-Z`]/);
      expect(tool.description, tool.name).toMatch(/[.)]$/);
      expect(tool.description, tool.name).not.toMatch(/ {2}|\n/);
    });
  });

  it("states annotations that agree with each other and with the scope it needs", () => {
    each((tool) => {
      const { readOnlyHint, destructiveHint, idempotentHint, openWorldHint } = tool.annotations;
      for (const hint of [readOnlyHint, destructiveHint, idempotentHint, openWorldHint])
        expect(typeof hint, tool.name).toBe("boolean");
      if (destructiveHint) expect(readOnlyHint, `${tool.name} destroys and reads only`).toBe(false);
      if (readOnlyHint) {
        expect(idempotentHint, `${tool.name} only reads, so it can be repeated`).toBe(true);
        expect(requiredScope(tool), tool.name).toBe("read");
      } else {
        expect(requiredScope(tool), tool.name).not.toBe("read");
      }
    });
  });

  it("declares the family whose folder lists it", () => {
    expect(Object.keys(toolFamilies)).toEqual([...TOOL_FAMILIES]);
    for (const family of TOOL_FAMILIES) {
      const listed = FOLDERS[family] ?? [];
      expect(listed.length, family).toBeGreaterThan(0);
      for (const tool of listed) expect(tool.family, tool.name).toBe(family);
      expect(toolFamilies[family], family).toEqual(listed);
    }
    expect(Object.values(toolFamilies).flat()).toHaveLength(allTools.length);
  });

  it("declares what it owns when it changes an object it names, by a required argument", () => {
    each((tool) => {
      const shape = tool.input.shape as Record<string, z.ZodType>;
      const named = shape.name !== undefined && !shape.name.safeParse(undefined).success;
      if (named && !tool.annotations.readOnlyHint && !CREATORS.has(tool.name)) {
        expect(tool.owns, `${tool.name} changes the object it names`).toBeDefined();
      }
      if (!tool.owns) return;
      const argument = shape[tool.owns.arg];
      expect(argument, `${tool.name} owns by ${tool.owns.arg}`).toBeDefined();
      expect(argument!.safeParse(undefined).success, `${tool.name}: required`).toBe(false);
      expect(argument!.safeParse("x").success, `${tool.name}: a name`).toBe(true);
      expect(tool.owns.kind, tool.name).toBe(KIND_OF_FAMILY[tool.family]);
    });
  });

  it("lists every argument and result field with a schema the client can read", () => {
    each((tool) => {
      for (const io of ["input", "output"] as const) {
        const schema = z.toJSONSchema(tool[io], { io, unrepresentable: "any" });
        expect(schema.type, `${tool.name} ${io}`).toBe("object");
      }
    });
  });
});

describe("tools/list", () => {
  // A change to the tool surface shows in review: accept it with `npx vitest run --project unit -u`.
  it("matches the reviewed snapshot: names, descriptions, schemas, annotations", async () => {
    const listings = new ToolRegistry(allTools).listingsFor("admin");
    expect(listings.map((tool) => tool.name)).toEqual(allTools.map((tool) => tool.name));
    await expect(`${JSON.stringify(listings, null, 2)}\n`).toMatchFileSnapshot(
      "../snapshots/tools-list.json",
    );
  });
});

/** Bytes of UTF-8, as a client receives them. */
const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value)).length;

/**
 * What a model is given for a tool: its name, description and input schema,
 * as compact JSON. Every conversation with the server connected pays for all
 * of them on every turn.
 */
function modelVisibleBytes(listings: ToolListing[]): number {
  return listings.reduce(
    (sum, { name, description, inputSchema }) => sum + bytes({ name, description, inputSchema }),
    0,
  );
}

describe("the cost of the tool surface in context", () => {
  const listings = new ToolRegistry(allTools).listingsFor("admin");

  it("keeps what the model is given for every tool within 20 KB", () => {
    expect(modelVisibleBytes(listings)).toBeLessThanOrEqual(20_000);
  });

  // The answer on the wire adds the JSON-RPC envelope, about 40 bytes, to these.
  it("keeps the whole tools/list, output schemas included, within 40 KB", () => {
    expect(bytes({ tools: listings })).toBeLessThanOrEqual(39_950);
  });

  it("keeps the server instructions within 1.5 KB and names every tool family in them", () => {
    expect(bytes(SERVER_INSTRUCTIONS)).toBeLessThanOrEqual(1_500);
    for (const family of [
      "podman_ps",
      "podman_pod_",
      "podman_images",
      "podman_compose_",
      "podman_kube_",
      "podman_volume_",
      "podman_network_",
      "podman_info",
    ])
      expect(SERVER_INSTRUCTIONS, family).toContain(family);
  });

  it("lists one notation of an argument yet takes every notation it accepts", () => {
    const run = listings.find((tool) => tool.name === "podman_run")!;
    const ports = run.inputSchema.properties?.ports as { items: unknown };
    expect(ports.items).toEqual({ type: "string" });
    const podmanRun = allTools.find((tool) => tool.name === "podman_run")!;
    const parsed = podmanRun.input.safeParse({
      image: "busybox",
      ports: ["8080:80", { container_port: 80, host_port: 8081 }],
      secrets: ["token", { name: "db", env: "DB_PASSWORD" }],
    });
    expect(parsed.success).toBe(true);
    const refused = podmanRun.input.safeParse({ image: "busybox", secrets: ["../etc"] });
    expect(refused.success).toBe(false);
  });

  it("lists no JSON Schema keyword that only repeats a default of JSON itself", () => {
    const text = JSON.stringify(listings);
    expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER));
    expect(text).not.toContain('"propertyNames":{"type":"string"}');
    expect(text).not.toContain('"additionalProperties":false');
  });
});
