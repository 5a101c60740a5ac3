import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseCompose } from "../../src/core/compose/parse.js";
import { serviceSpec } from "../../src/core/compose/spec.js";
import { BadArgument } from "../../src/core/errors.js";
import { secretNamesOf, secretsToSpec } from "../../src/core/podman/secret-mounts.js";
import { SECRET_ENV_LABEL } from "../../src/core/policy/secret-env.js";
import { HIDDEN, maskSecrets, maskYamlSecrets } from "../../src/core/policy/secrets.js";
import { callTool } from "../../src/core/mcp/server.js";
import { buildRunSpec, runArguments } from "../../src/core/tools/containers/run-spec-builder.js";
import { REDACTED, recordableArguments } from "../../src/core/tools/secret-arguments.js";
import { podmanSecretCreate } from "../../src/core/tools/secrets/manage.js";
import { defineTool } from "../../src/core/tools/tool.js";
import { toolContext } from "./fixtures.js";

describe("secretsToSpec", () => {
  it("mounts names under /run/secrets, honours targets and sets variables through secret_env", () => {
    const spec = secretsToSpec([
      { name: "db" },
      { name: "db", target: "/etc/app/pw", mode: 0o400, uid: 1000 },
      { name: "api", env: "API_TOKEN" },
    ]);
    expect(spec).toEqual({
      secrets: [{ Source: "db" }, { Source: "db", Target: "/etc/app/pw", UID: 1000, Mode: 0o400 }],
      secret_env: { API_TOKEN: "api" },
    });
    expect(secretNamesOf(spec)).toEqual(["db", "api"]);
  });

  it.each([
    [[{ name: "../x" }], /Invalid secret name/],
    [[{ name: "a", target: "../../etc/passwd" }], /without "\.\."/],
    [[{ name: "a" }, { name: "b", target: "a" }], /Two secrets are mounted at \/run\/secrets\/a/],
    [
      [
        { name: "a", env: "X" },
        { name: "b", env: "X" },
      ],
      /Two secrets set the variable X/,
    ],
    [[{ name: "a", env: "1X" }], /Invalid environment variable name/],
  ])("refuses %j", (uses, message) => {
    expect(() => secretsToSpec(uses)).toThrow(BadArgument);
    expect(() => secretsToSpec(uses)).toThrow(message);
  });
});

describe("podman_run secrets", () => {
  const run = (extra: Record<string, unknown>) =>
    buildRunSpec(runArguments.parse({ image: "busybox", ...extra }));

  it("labels the variables set from secrets, after the caller's labels", () => {
    const spec = run({
      labels: { team: "a", [SECRET_ENV_LABEL]: "" },
      secrets: ["db", { name: "api", env: "API_URL" }, { name: "key", env: "KEY_FILE" }],
    });
    expect(spec.secrets).toEqual([{ Source: "db" }]);
    expect(spec.secret_env).toEqual({ API_URL: "api", KEY_FILE: "key" });
    expect(spec.labels).toEqual({ team: "a", [SECRET_ENV_LABEL]: "API_URL,KEY_FILE" });
  });

  it("adds no label when no variable comes from a secret", () => {
    expect(run({ secrets: ["db"] }).labels).toEqual({});
    expect(run({}).secrets).toBeUndefined();
  });

  it("takes either a target or a variable, not both", () => {
    expect(
      runArguments.safeParse({ image: "b", secrets: [{ name: "a", env: "X", target: "y" }] })
        .success,
    ).toBe(false);
  });
});

describe("masking of variables set from secrets", () => {
  const inspect = {
    Name: "web",
    Config: {
      Env: ["PATH=/bin", "API_URL=https://internal.example/v1?k=abc", "PLAIN=visible"],
      Labels: { [SECRET_ENV_LABEL]: "API_URL" },
      CreateCommand: ["podman", "run", "-e", "X=https://internal.example/v1?k=abc"],
      Secrets: [{ Name: "api", ID: "837d224de8ad7e2a559b8dfa0" }],
    },
  };

  it("hides their values wherever they appear, whatever the variables are called", () => {
    const masked = maskSecrets(inspect);
    expect(masked.Config.Env).toEqual(["PATH=/bin", `API_URL=${HIDDEN}`, "PLAIN=visible"]);
    expect(JSON.stringify(masked)).not.toContain("internal.example");
    expect(masked.Config.Secrets).toEqual(inspect.Config.Secrets);
    expect(masked.Config.Labels).toEqual(inspect.Config.Labels);
  });

  it("leaves containers without the label as they were", () => {
    const plain = { ...inspect, Config: { ...inspect.Config, Labels: {} } };
    expect(maskSecrets(plain).Config.Env).toEqual(inspect.Config.Env);
  });

  it("applies to kube YAML that carries the label", () => {
    const yaml = [
      "metadata:",
      "  labels:",
      `    ${SECRET_ENV_LABEL}: API_URL`,
      "spec:",
      "  containers:",
      "  - env:",
      "    - name: API_URL",
      "      value: https://internal.example/v1",
      "",
    ].join("\n");
    expect(maskYamlSecrets(yaml)).not.toContain("internal.example");
  });
});

describe("secret arguments", () => {
  const ctx = toolContext();
  const leaky = defineTool({
    name: "podman_leaky",
    family: "system",
    title: "Leaky",
    description: "Quotes its secret back, as a careless Podman error might.",
    input: z.object({ name: z.string(), value: z.string(), fail: z.boolean().default(false) }),
    output: z.object({ said: z.string() }),
    annotations: {
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: false,
    },
    secretArguments: ["value"],
    async handle(_ctx, { name, value, fail }) {
      if (fail) throw new BadArgument(`cannot store "${value}" as ${name}`);
      return { said: `${name}=${value}` };
    },
    render: ({ said }) => said,
  });

  it("are recorded redacted, the other arguments as they are", () => {
    expect(recordableArguments(podmanSecretCreate, { name: "db", value: "hunter22" })).toEqual({
      name: "db",
      value: REDACTED,
    });
    expect(recordableArguments(leaky, "not an object")).toBe("not an object");
  });

  it("never come back in an answer or a failure", async () => {
    const value = "s3cr3t-value-42";
    const ok = await callTool(leaky, { name: "db", value }, ctx);
    expect(JSON.stringify(ok)).not.toContain(value);
    expect(ok.result.content).toEqual([{ type: "text", text: `db=${REDACTED}` }]);
    const failed = await callTool(leaky, { name: "db", value, fail: true }, ctx);
    expect(failed.errorType).toBe("bad_argument");
    expect(JSON.stringify(failed)).not.toContain(value);
  });

  it("bound the size of a secret without quoting it", async () => {
    const value = "x".repeat(64 * 1024 + 1);
    const outcome = await callTool(podmanSecretCreate, { name: "big", value }, ctx);
    expect(outcome.errorType).toBe("bad_argument");
    const text = JSON.stringify(outcome.result.content);
    expect(text).toContain("65537 bytes; at most 65536");
    expect(text.length).toBeLessThan(500);
  });
});

describe("compose secrets", () => {
  const parse = (yaml: string) => parseCompose(yaml, { projectName: "p", baseDir: "/srv/p" });

  it("mounts external secrets by key, in short and long syntax", () => {
    const project = parse(
      [
        "services:",
        "  web:",
        "    image: busybox",
        "    secrets:",
        "      - db_password",
        "      - {source: api, target: /etc/api.key, uid: '103', gid: 103, mode: 0o440}",
        "secrets:",
        "  db_password: {external: true, name: prod-db}",
        "  api: {external: true}",
      ].join("\n"),
    );
    expect(project.secrets).toEqual({
      db_password: { kind: "external", name: "prod-db" },
      api: { kind: "external", name: "api" },
    });
    const spec = serviceSpec(project, project.services[0]!, "busybox");
    expect(spec.secrets).toEqual([
      { Source: "prod-db", Target: "/run/secrets/db_password" },
      { Source: "api", Target: "/etc/api.key", UID: 103, GID: 103, Mode: 0o440 },
    ]);
  });

  it("bind-mounts file secrets read-only beside the service's own mounts", () => {
    const project = parse(
      [
        "services:",
        "  web:",
        "    image: busybox",
        "    volumes: [./site:/www:ro]",
        "    secrets: [tls, {source: tls, target: certs/tls.pem}]",
        "secrets:",
        "  tls: {file: ./certs/../tls.pem}",
      ].join("\n"),
    );
    expect(project.secrets).toEqual({ tls: { kind: "file", path: "/srv/p/tls.pem" } });
    const spec = serviceSpec(project, project.services[0]!, "busybox");
    expect(spec.mounts).toEqual([
      { Type: "bind", Source: "/srv/p/site", Destination: "/www", Options: ["ro"] },
      { Type: "bind", Source: "/srv/p/tls.pem", Destination: "/run/secrets/tls", Options: ["ro"] },
      {
        Type: "bind",
        Source: "/srv/p/tls.pem",
        Destination: "/run/secrets/certs/tls.pem",
        Options: ["ro"],
      },
    ]);
    expect(spec.secrets).toBeUndefined();
  });

  it("cannot set the owner or mode of a bind-mounted file secret", () => {
    const project = parse(
      [
        "services:",
        "  web: {image: busybox, secrets: [{source: tls, mode: 0o400}]}",
        "secrets: {tls: {file: /etc/tls.pem}}",
      ].join("\n"),
    );
    expect(() => serviceSpec(project, project.services[0]!, "busybox")).toThrow(
      /a file secret is bind-mounted as the file is, so uid, gid and mode cannot be set/,
    );
  });

  it("refuses environment secrets, relative files without a directory, and undefined ones", () => {
    const attempt = () =>
      parse(
        [
          "services:",
          "  web: {image: busybox, secrets: [b, c]}",
          "secrets:",
          "  b: {environment: HOME}",
        ].join("\n"),
      );
    expect(attempt).toThrow(/secrets\.b: "environment" secrets are not supported.*\(line 4\)/);
    expect(attempt).toThrow(/secret "c" is not defined under the top-level `secrets`/);
    expect(attempt).not.toThrow(/secret "b" is not defined/);
    expect(() =>
      parseCompose("services: {web: {image: b, secrets: [a]}}\nsecrets: {a: {file: ./a}}", {
        projectName: "p",
      }),
    ).toThrow(/secret file "\.\/a" is relative/);
  });
});
