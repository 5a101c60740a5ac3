import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AuditTrail, auditedOutcome } from "../../src/core/observability/audit.js";
import { podmanComposeDown, podmanComposeUp } from "../../src/core/tools/compose/project.js";
import { defineTool } from "../../src/core/tools/tool.js";

const entry = {
  tool: "podman_compose_up",
  arguments: { project_name: "shop", content: "services: {web: {image: x}}" },
  access: { scope: "operate" as const, tokenId: "0a1b2c3d" },
  session: "s-1",
  durationMs: 5,
};

function recorded(fields: Partial<Parameters<AuditTrail["record"]>[0]>) {
  const lines: string[] = [];
  new AuditTrail((line) => lines.push(line)).record({ ...entry, outcome: "ok", ...fields });
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

const plain = defineTool({
  name: "podman_plain",
  family: "containers",
  title: "Plain",
  description: "Declares nothing for the audit.",
  input: z.object({}),
  output: z.object({ ok: z.boolean() }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  handle: async () => ({ ok: true }),
  render: () => "ok",
});

const success = (structuredContent: Record<string, unknown>) => ({
  result: { content: [{ type: "text" as const, text: "done" }], structuredContent },
});

describe("audit of what a call changed", () => {
  it("lists what compose up created, and a recreated container as removed too", () => {
    const changes = auditedOutcome(
      podmanComposeUp,
      success({
        project: "shop",
        services: [
          {
            service: "web",
            container: "shop-web-1",
            id: "a",
            action: "created",
            state: "running",
            ports: [],
          },
          {
            service: "db",
            container: "shop-db-1",
            id: "b",
            action: "recreated",
            state: "running",
            ports: [],
          },
          {
            service: "cache",
            container: "shop-cache-1",
            id: "c",
            action: "unchanged",
            state: "running",
            ports: [],
          },
        ],
        networks_created: ["shop_default"],
        volumes_created: ["shop_data"],
        images_pulled: [],
        images_built: ["localhost/shop-web:latest"],
        orphans: [],
      }),
    );
    expect(changes).toEqual({
      created: [
        "container/shop-web-1",
        "container/shop-db-1",
        "network/shop_default",
        "volume/shop_data",
        "image/localhost/shop-web:latest",
      ],
      removed: ["container/shop-db-1"],
    });
    const line = recorded(changes);
    expect(line.created).toEqual(changes.created);
    expect(line.removed).toEqual(["container/shop-db-1"]);
    expect(JSON.stringify(line)).not.toContain("services: {web");
  });

  it("lists what compose down removed", () => {
    expect(
      auditedOutcome(
        podmanComposeDown,
        success({
          project: "shop",
          containers_removed: ["shop-web-1"],
          networks_removed: ["shop_default"],
          volumes_removed: ["shop_data"],
        }),
      ),
    ).toEqual({
      removed: ["container/shop-web-1", "network/shop_default", "volume/shop_data"],
    });
  });

  it("carries a policy refusal's reason, on one bounded line", () => {
    const message = `Privileged containers are refused by policy:\nstart with --allow-privileged ${"x".repeat(1000)}`;
    const changes = auditedOutcome(podmanComposeUp, {
      result: { isError: true, content: [{ type: "text", text: message }] },
      errorType: "refused_by_policy",
    });
    expect(changes.reason).toBe(message);
    const line = recorded({ outcome: "refused_by_policy", ...changes });
    expect(line.outcome).toBe("refused_by_policy");
    expect(line.reason).toMatch(/^Privileged containers are refused by policy: start with/);
    expect(line.reason.length).toBeLessThanOrEqual(500);
    expect(line.reason).not.toContain("\n");
  });

  it("adds nothing for failures, or for tools that declare nothing", () => {
    const failure = {
      result: { isError: true, content: [{ type: "text" as const, text: "no such container" }] },
      errorType: "not_found",
    };
    expect(auditedOutcome(podmanComposeDown, failure)).toEqual({});
    expect(auditedOutcome(plain, success({ ok: true }))).toEqual({});
    const line = recorded({});
    expect(Object.keys(line)).not.toContain("created");
    expect(Object.keys(line)).not.toContain("reason");
  });

  it("bounds long lists", () => {
    const names = Array.from({ length: 150 }, (_, i) => `container/c${i}`);
    const line = recorded({ created: names });
    expect(line.created).toHaveLength(101);
    expect(line.created.at(-1)).toBe("... 50 more");
  });
});
