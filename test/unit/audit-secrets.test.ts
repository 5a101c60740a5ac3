import { describe, expect, it } from "vitest";
import { AuditTrail, auditTarget } from "../../src/core/observability/audit.js";
import { HIDDEN, maskSecrets } from "../../src/core/policy/secrets.js";

describe("audit lines", () => {
  it("names the target from the call's naming argument, never credentials or contents", () => {
    expect(auditTarget({ name: "web", force: true })).toBe("web");
    expect(auditTarget({ reference: "localhost/app:1", auth: { password: "pw" } })).toBe(
      "localhost/app:1",
    );
    expect(auditTarget({ names: ["a", "b"] })).toBe("a,b");
    expect(auditTarget({ content: "services: {}" })).toBeUndefined();
    expect(auditTarget("nope")).toBeUndefined();
  });

  it("writes one JSON line with time, token id, session, tool, target, outcome and duration", () => {
    const lines: string[] = [];
    new AuditTrail((line) => lines.push(line)).record({
      tool: "podman_rm",
      arguments: { name: "web" },
      access: { scope: "operate", tokenId: "0a1b2c3d" },
      session: "s-1",
      outcome: "ok",
      durationMs: 12.6,
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      audit: true,
      token: "0a1b2c3d",
      session: "s-1",
      tool: "podman_rm",
      target: "web",
      outcome: "ok",
      duration_ms: 13,
    });
  });
});

describe("secret environment values", () => {
  it("hides values of secret-looking names and keeps the names", () => {
    expect(
      maskSecrets([
        "PATH=/bin",
        "DB_PASSWORD=hunter2",
        "api_token=t",
        "AWS_SECRET_ACCESS_KEY=k",
        "X",
      ]),
    ).toEqual([
      "PATH=/bin",
      `DB_PASSWORD=${HIDDEN}`,
      `api_token=${HIDDEN}`,
      `AWS_SECRET_ACCESS_KEY=${HIDDEN}`,
      "X",
    ]);
  });

  it("copies the inspect document instead of changing it", () => {
    const document = { Id: "x", Config: { Env: ["TOKEN=abc"], User: "1" } };
    const hidden = maskSecrets(document);
    expect(hidden.Config).toEqual({ Env: [`TOKEN=${HIDDEN}`], User: "1" });
    expect(document.Config.Env).toEqual(["TOKEN=abc"]);
  });
});
