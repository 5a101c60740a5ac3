import { describe, expect, it } from "vitest";
import { z } from "zod";
import { requiredScope, scopeAllows, selectTools } from "../../src/core/mcp/access.js";
import { BadArgument } from "../../src/core/errors.js";
import { type AnyTool, defineTool } from "../../src/core/tools/tool.js";

const tool = (name: string, readOnlyHint: boolean, scope?: "admin"): AnyTool =>
  defineTool({
    name,
    family: "containers",
    title: name,
    description: name,
    input: z.object({}),
    output: z.object({}),
    annotations: {
      readOnlyHint,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    },
    ...(scope ? { scope } : {}),
    handle: async () => ({}),
    render: () => "",
  });

const families = {
  containers: [tool("ps", true), tool("run", false)],
  images: [tool("images", true), tool("rmi", false, "admin")],
};

describe("scopes", () => {
  it("derives the needed scope from the annotations unless a tool declares admin", () => {
    expect(requiredScope(families.containers[0]!)).toBe("read");
    expect(requiredScope(families.containers[1]!)).toBe("operate");
    expect(requiredScope(families.images[1]!)).toBe("admin");
  });

  it("orders read < operate < admin", () => {
    expect(scopeAllows("admin", "operate")).toBe(true);
    expect(scopeAllows("operate", "read")).toBe(true);
    expect(scopeAllows("operate", "admin")).toBe(false);
    expect(scopeAllows("read", "operate")).toBe(false);
  });
});

describe("selectTools", () => {
  const names = (selection: Parameters<typeof selectTools>[1]) =>
    selectTools(families, selection).map((t) => t.name);

  it("keeps everything by default", () => {
    expect(names({ readOnly: false, include: undefined, exclude: [] })).toEqual([
      "ps",
      "run",
      "images",
      "rmi",
    ]);
  });

  it("applies read-only, families, names and denials together", () => {
    expect(names({ readOnly: true, include: undefined, exclude: [] })).toEqual(["ps", "images"]);
    expect(names({ readOnly: false, include: ["containers", "rmi"], exclude: ["run"] })).toEqual([
      "ps",
      "rmi",
    ]);
    expect(names({ readOnly: false, include: undefined, exclude: ["images"] })).toEqual([
      "ps",
      "run",
    ]);
  });

  it("refuses unknown names, listing the families", () => {
    expect(() => names({ readOnly: false, include: ["nope"], exclude: [] })).toThrow(BadArgument);
    expect(() => names({ readOnly: false, include: undefined, exclude: ["nope"] })).toThrow(
      '--deny-tools: no tool or family "nope" (families: containers, images)',
    );
  });
});
