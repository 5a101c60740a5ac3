import { describe, expect, it } from "vitest";
import { checkCeilingsEnforced } from "../../src/core/policy/ceilings-enforced.js";
import type { ContainerPolicy } from "../../src/core/policy/policy.js";
import { PolicyRefusal } from "../../src/core/policy/refusal.js";
import type { ToolContext } from "../../src/core/tools/tool.js";
import { policyWith } from "./fixtures.js";

/** A context whose Podman answers /info with this host, counting how often it is asked. */
function contextOn(policy: ContainerPolicy, host: { rootless: boolean; cgroupVersion: string }) {
  const asked = { info: 0 };
  const podman = {
    json: async (method: string, path: string) => {
      expect([method, path]).toEqual(["GET", "/info"]);
      asked.info++;
      return { host: { cgroupVersion: host.cgroupVersion, security: { rootless: host.rootless } } };
    },
  };
  const ctx = { podman, policy, signal: new AbortController().signal } as unknown as ToolContext;
  return { ctx, asked };
}

const ROOTLESS_V1 = { rootless: true, cgroupVersion: "v1" };

describe("checkCeilingsEnforced", () => {
  it("does not ask Podman when no ceiling is set", async () => {
    const { ctx, asked } = contextOn(policyWith(), ROOTLESS_V1);
    await checkCeilingsEnforced(ctx);
    expect(asked.info).toBe(0);
  });

  it("refuses, naming each ceiling set, on a rootless Podman on cgroups v1", async () => {
    const { ctx } = contextOn(policyWith({ maxMemoryBytes: 64 << 20, maxPids: 100 }), ROOTLESS_V1);
    const refusal = await checkCeilingsEnforced(ctx).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(PolicyRefusal);
    expect((refusal as Error).message).toMatch(
      /rootless on cgroups v1, .* the ceiling set by --max-memory and --max-pids cannot be enforced/,
    );
  });

  it("lets ceilings through where Podman applies limits: rootful, or rootless on cgroups v2", async () => {
    for (const host of [
      { rootless: false, cgroupVersion: "v1" },
      { rootless: true, cgroupVersion: "v2" },
    ]) {
      const { ctx, asked } = contextOn(policyWith({ maxCpus: 1 }), host);
      await checkCeilingsEnforced(ctx);
      expect(asked.info).toBe(1);
    }
  });
});
