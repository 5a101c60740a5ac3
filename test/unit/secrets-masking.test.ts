import { describe, expect, it } from "vitest";
import {
  HIDDEN,
  maskSecrets,
  maskYamlSecrets,
  secretValuesIn,
} from "../../src/core/policy/secrets.js";

const PASSWORD = "s3cr3t-Pa55word";
const URL_PASSWORD = "url-pa55@w0rd";
const DATABASE_URL = `postgres://app:${URL_PASSWORD}@db:5432/app`;

/** An inspect document shaped as Podman 4.3 answers it, secrets in every usual place. */
const inspected = {
  Id: "4f1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcdef",
  Name: "web",
  Args: ["--db", DATABASE_URL],
  Config: {
    Env: ["PATH=/bin", `DB_PASSWORD=${PASSWORD}`, `DATABASE_URL=${DATABASE_URL}`],
    Cmd: ["app", "--db", DATABASE_URL],
    CreateCommand: ["podman", "run", "-e", `DB_PASSWORD=${PASSWORD}`, "--env=API_TOKEN=tok-12345"],
    Healthcheck: { Test: ["CMD-SHELL", `wget --header 'X-Pass: ${PASSWORD}' http://localhost/`] },
    Labels: { "io.mcp-podman.managed": "true", note: `uses ${PASSWORD}` },
    Annotations: { "io.container.manager": "libpod" },
  },
  HostConfig: { NetworkMode: "bridge" },
  NetworkSettings: { SandboxKey: "/run/netns/netns-1" },
};

const everyString = (value: unknown): string[] =>
  typeof value === "string"
    ? [value]
    : typeof value === "object" && value !== null
      ? Object.values(value).flatMap(everyString)
      : [];

describe("maskSecrets on an inspect document", () => {
  const masked = maskSecrets(inspected);
  const text = JSON.stringify(masked);

  it("hides the env values by name and then wherever else they appear", () => {
    expect(text).not.toContain(PASSWORD);
    expect(masked.Config.Env).toEqual(["PATH=/bin", `DB_PASSWORD=${HIDDEN}`, expect.any(String)]);
    expect(masked.Config.CreateCommand[3]).toBe(`DB_PASSWORD=${HIDDEN}`);
    expect(masked.Config.CreateCommand[4]).toBe(`--env=API_TOKEN=${HIDDEN}`);
    expect(masked.Config.Labels.note).toBe(`uses ${HIDDEN}`);
    expect(masked.Config.Healthcheck.Test[1]).toBe(
      `wget --header 'X-Pass: ${HIDDEN}' http://localhost/`,
    );
  });

  it("hides URL passwords by shape, keeping the rest of the URL", () => {
    expect(text).not.toContain(URL_PASSWORD);
    expect(masked.Args[1]).toBe(`postgres://app:${HIDDEN}@db:5432/app`);
    expect(masked.Config.Cmd[2]).toBe(`postgres://app:${HIDDEN}@db:5432/app`);
  });

  it("leaves everything else as it was, and the original untouched", () => {
    expect(masked.Id).toBe(inspected.Id);
    expect(masked.Config.Labels["io.mcp-podman.managed"]).toBe("true");
    expect(masked.NetworkSettings).toBe(inspected.NetworkSettings);
    expect(masked.HostConfig).toBe(inspected.HostConfig);
    expect(JSON.stringify(inspected)).toContain(PASSWORD);
  });

  it("answers the same object when nothing is secret", () => {
    const plain = { Config: { Env: ["PATH=/bin"], Cmd: ["sleep", "60"] } };
    expect(maskSecrets(plain)).toBe(plain);
  });
});

describe("secrets by name", () => {
  it.each([
    ["an env entry", ["API_KEY=abc"], ["API_KEY=<H>"]],
    ["a value with spaces", ["PASSWORD=two words"], ["PASSWORD=<H>"]],
    [
      "a short value, hidden only where its name is",
      ["PIN_TOKEN=12", "12 items"],
      ["PIN_TOKEN=<H>", "12 items"],
    ],
    [
      "an assignment inside a command",
      ["sh -c 'PGPASSWORD=hunter22 psql'"],
      ["sh -c 'PGPASSWORD=<H> psql'"],
    ],
    [
      "a query parameter",
      ["http://h/x?access_token=abcdef&x=1"],
      ["http://h/x?access_token=<H>&x=1"],
    ],
    [
      "a flag and its value",
      ["app", "--password", "hunter22", "--port", "80"],
      ["app", "--password", "<H>", "--port", "80"],
    ],
    ["a JSON member", ['{"client_secret":"abc\\"def","id":1}'], ['{"client_secret":"<H>","id":1}']],
    [
      "a YAML line",
      ["user: bob\napi_key: k-12345 \nport: 1"],
      ["user: bob\napi_key: <H> \nport: 1"],
    ],
  ])("%s", (_, input, expected) => {
    expect(maskSecrets(input)).toEqual(expected.map((line) => line.replaceAll("<H>", HIDDEN)));
  });

  it("hides label, annotation, option and event attribute values under secret names", () => {
    const masked = maskSecrets({
      Labels: { DB_PASSWORD: "x", app: "web" },
      Annotations: { "example.com/auth": "y" },
      Options: { o: "size=1m", token: "z" },
      attributes: { GITHUB_TOKEN: "q" },
    });
    expect(masked).toEqual({
      Labels: { DB_PASSWORD: HIDDEN, app: "web" },
      Annotations: { "example.com/auth": HIDDEN },
      Options: { o: "size=1m", token: HIDDEN },
      attributes: { GITHUB_TOKEN: HIDDEN },
    });
  });

  it("hides the value of {name, value} pairs with a secret name, as Kubernetes env lists hold them", () => {
    expect(
      maskSecrets([
        { name: "REDIS_PASSWORD", value: "pw" },
        { name: "MODE", value: "pw" },
      ]),
    ).toEqual([
      { name: "REDIS_PASSWORD", value: HIDDEN },
      { name: "MODE", value: "pw" },
    ]);
  });

  it("keeps variable references, which name a secret without holding it", () => {
    expect(maskSecrets(["curl -H 'Authorization: Bearer $TOKEN' http://x"])).toEqual([
      "curl -H 'Authorization: Bearer $TOKEN' http://x",
    ]);
  });
});

describe("secrets by shape", () => {
  const key = [
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    "-----END OPENSSH PRIVATE KEY-----",
  ].join("\n");
  it.each([
    ["a URL password", "redis://:pw-123456@cache:6379/0", `redis://:${HIDDEN}@cache:6379/0`],
    ["a password holding @", "mysql://u:p@ss@db/x", `mysql://u:${HIDDEN}@db/x`],
    ["a bearer header", "Authorization: Bearer abc.def.ghi", `Authorization: Bearer ${HIDDEN}`],
    ["a basic header", "authorization=Basic dXNlcjpwYXNz", `authorization=Basic ${HIDDEN}`],
    [
      "a bare bearer token",
      "curl -H 'X: bearer abcdefgh1234' x",
      `curl -H 'X: bearer ${HIDDEN}' x`,
    ],
    ["curl credentials", "curl -u admin:hunter22 http://x", `curl -u admin:${HIDDEN} http://x`],
    ["a private key block", `key:\n${key}\ndone`, `key:\n${HIDDEN}\ndone`],
    ["a cut private key", `${key.slice(0, 60)}`, HIDDEN],
    ["a GitHub token", `x ghp_${"a".repeat(36)} y`, `x ${HIDDEN} y`],
    ["an AWS key id", "id AKIAABCDEFGHIJKLMNOP", `id ${HIDDEN}`],
    ["a JWT", "t eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4f", `t ${HIDDEN}`],
  ])("%s", (_, input, expected) => {
    expect(maskSecrets(input)).toBe(expected);
  });

  it("leaves plain text, host:port pairs and URLs without passwords alone", () => {
    const plain = ["db:5432", "http://user@host/x", "key not found", "token expired", "Bearer"];
    expect(maskSecrets(plain)).toBe(plain);
  });
});

describe("values found elsewhere", () => {
  it("hides values known from another document, such as the container a check ran in", () => {
    const secrets = secretValuesIn(inspected);
    expect(secrets).toEqual(expect.arrayContaining([PASSWORD, URL_PASSWORD]));
    expect(maskSecrets({ output: `connected with ${PASSWORD}` }, secrets)).toEqual({
      output: `connected with ${HIDDEN}`,
    });
  });

  it("leaves ids whole when a short hex secret happens to be inside one", () => {
    const id = "0123456789abcdef".repeat(4);
    expect(maskSecrets({ Id: id, Env: ["API_KEY=89abcdef"], Note: "89abcdef" })).toEqual({
      Id: id,
      Env: [`API_KEY=${HIDDEN}`],
      Note: HIDDEN,
    });
  });

  it("hides the labels of a pod inspect and the attributes of an event", () => {
    const pod = {
      Name: "auth",
      Labels: { ADMIN_PASSWORD: "pod-pw-1234" },
      CreateCommand: ["podman", "pod", "create", "--label", "ADMIN_PASSWORD=pod-pw-1234"],
    };
    expect(JSON.stringify(maskSecrets(pod))).not.toContain("pod-pw-1234");
    const event = { name: "auth", attributes: { "vault.token": "hvs.abcdef", app: "auth" } };
    expect(maskSecrets([event])).toEqual([
      { name: "auth", attributes: { "vault.token": HIDDEN, app: "auth" } },
    ]);
  });

  it("never rewrites the hiding text itself, whatever the secret", () => {
    expect(maskSecrets(["TOKEN=podman", "podman run"])).toEqual([
      `TOKEN=${HIDDEN}`,
      `${HIDDEN} run`,
    ]);
  });
});

describe("maskYamlSecrets", () => {
  const yaml = [
    "# Save the output of this file and use kubectl create -f to import it into Kubernetes.",
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    "  labels:",
    "    app: web",
    "  name: web",
    "spec:",
    "  containers:",
    "  - args:",
    `    - ${DATABASE_URL}`,
    "    env:",
    "    - name: DB_PASSWORD",
    `      value: ${PASSWORD}`,
    "    - name: MOTD",
    `      value: hello ${PASSWORD}`,
    "    - name: TLS_KEY",
    "      value: |-",
    "        first line",
    "        second line",
    "    image: localhost/web:latest",
    "    name: web",
    "---",
    "apiVersion: v1",
    "kind: Service",
    "metadata:",
    "  name: web",
    "",
  ].join("\n");

  it("hides env values, their copies and URL passwords, and keeps comments and layout", () => {
    const masked = maskYamlSecrets(yaml);
    for (const secret of [PASSWORD, URL_PASSWORD, "first line", "second line"])
      expect(masked).not.toContain(secret);
    expect(masked).toContain("# Save the output of this file");
    expect(masked).toContain("  - args:\n");
    expect(masked).toContain("    - name: DB_PASSWORD\n");
    expect(masked).toContain("kind: Service");
    expect(masked).toContain(`postgres://app:${HIDDEN}@db:5432/app`);
  });

  it("reads Podman's per-container annotation keys without the container's name in them", () => {
    const generated = [
      "apiVersion: v1",
      "kind: Pod",
      "metadata:",
      "  annotations:",
      "    io.kubernetes.cri-o.ContainerType/auth-api: container",
      "    io.podman.annotations.init/auth-api: FALSE",
      "    example.com/api-token/auth-api: tok-123456",
      "  name: auth-pod",
      "spec:",
      "  automountServiceAccountToken: false",
      "  containers:",
      "  - image: localhost/auth:latest",
      "    name: auth-api",
      "",
    ].join("\n");
    const masked = maskYamlSecrets(generated);
    expect(masked).not.toContain("tok-123456");
    expect(masked).toContain("ContainerType/auth-api: container\n");
    expect(masked).toContain("  containers:\n");
    expect(masked).toContain("automountServiceAccountToken: false");
  });

  it("answers the text unchanged when it holds no secret", () => {
    const plain = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n";
    expect(maskYamlSecrets(plain)).toBe(plain);
  });

  it("still hides by shape in text it cannot read as YAML", () => {
    expect(maskYamlSecrets(`a: [\nurl: ${DATABASE_URL}`)).not.toContain(URL_PASSWORD);
  });
});

it("masks every string: no secret survives anywhere in a masked document", () => {
  expect(everyString(maskSecrets(inspected)).join("\n")).not.toMatch(
    new RegExp(`${PASSWORD}|${URL_PASSWORD.replace("@", "\\@")}|tok-12345`),
  );
});
