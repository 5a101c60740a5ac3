import { describe, it, expect } from "vitest";
import { z } from "zod";
import { decodeJsonStringArguments } from "../../src/core/tools/json-arguments.js";

const port = z.object({ container_port: z.number(), host_port: z.number().optional() });

const schema = z.object({
  name: z.string().optional(),
  count: z.number().optional(),
  env: z.record(z.string(), z.string()).optional(),
  command: z.array(z.string()).optional(),
  ports: z.array(z.union([z.string(), port])).optional(),
  healthcheck: z.object({ test: z.array(z.string()), retries: z.number().optional() }).optional(),
  services: z
    .array(z.object({ name: z.string(), env: z.record(z.string(), z.string()).default({}) }))
    .optional(),
  labels: z.record(z.string(), z.string()).nullable().default(null),
  mounts: z.record(z.string(), z.array(z.string())).optional(),
  options: z.object({ tty: z.boolean() }).prefault({ tty: false }).readonly(),
  trimmed: z
    .array(z.string())
    .transform((list) => list.map((item) => item.trim()))
    .optional(),
});

const decode = (value: unknown) => decodeJsonStringArguments(schema, value);

describe("decodeJsonStringArguments", () => {
  it("decodes a JSON string where an object or a record is expected", () => {
    expect(
      decode({
        env: '{"FOO":"bar","EMPTY":""}',
        healthcheck: ' {"test":["CMD","true"],"retries":2}',
      }),
    ).toEqual({
      env: { FOO: "bar", EMPTY: "" },
      healthcheck: { test: ["CMD", "true"], retries: 2 },
    });
  });

  it("decodes a JSON string where an array is expected", () => {
    expect(decode({ command: '["sleep", "60"]' })).toEqual({ command: ["sleep", "60"] });
  });

  it("decodes the whole arguments object when it arrives as a string", () => {
    expect(decode('{"name":"web","env":"{\\"A\\":\\"1\\"}"}')).toEqual({
      name: "web",
      env: { A: "1" },
    });
  });

  it("decodes an object inside an array inside an object", () => {
    const services = JSON.stringify([
      { name: "db", env: JSON.stringify({ POSTGRES_PASSWORD: "pw" }) },
      { name: "web", env: { PORT: "8080" } },
    ]);
    expect(decode({ services })).toEqual({
      services: [
        { name: "db", env: { POSTGRES_PASSWORD: "pw" } },
        { name: "web", env: { PORT: "8080" } },
      ],
    });
  });

  it("decodes the values of a record against the record's value schema", () => {
    expect(decode({ mounts: { web: '["/srv:/srv"]', db: ["/data:/data"] } })).toEqual({
      mounts: { web: ["/srv:/srv"], db: ["/data:/data"] },
    });
  });

  it("keeps a port string a string, and decodes a port object string in the same union", () => {
    expect(
      decode({ ports: ["8080:80", '{"container_port":443,"host_port":8443}', " 53/udp"] }),
    ).toEqual({
      ports: ["8080:80", { container_port: 443, host_port: 8443 }, " 53/udp"],
    });
  });

  it("looks inside an already-decoded object of a union", () => {
    const nested = z.object({
      value: z.union([z.string(), z.object({ env: z.record(z.string(), z.string()) })]),
    });
    expect(decodeJsonStringArguments(nested, { value: { env: '{"A":"1"}' } })).toEqual({
      value: { env: { A: "1" } },
    });
  });

  it("sees through optional, nullable, default, prefault, readonly and pipe wrappers", () => {
    expect(
      decode({
        labels: '{"app":"web"}',
        options: '{"tty":true}',
        trimmed: '[" a "]',
      }),
    ).toEqual({
      labels: { app: "web" },
      options: { tty: true },
      trimmed: [" a "],
    });
  });

  it("leaves invalid JSON strings alone so that zod reports them", () => {
    const args = { env: '{"FOO": bar}', command: '["unterminated"', ports: ['{"container_port":'] };
    expect(decode(args)).toEqual(args);
    const result = schema.safeParse(decode(args));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join("."))).toEqual(["env", "command"]);
  });

  it("leaves strings alone that do not open the expected structure", () => {
    const args = { env: "FOO=bar", command: "sleep 60", healthcheck: "[1]", name: '{"x":1}' };
    expect(decode(args)).toEqual(args);
  });

  it("leaves non-string values untouched", () => {
    const args = {
      name: "web",
      count: 3,
      env: null,
      command: ["echo", '{"not":"decoded"}'],
      ports: [8080, true],
      labels: 5,
      options: false,
    };
    expect(decode(args)).toEqual(args);
  });

  it("keeps keys the schema does not know", () => {
    expect(decode({ extra: '{"a":1}', env: '{"A":"1"}' })).toEqual({
      extra: '{"a":1}',
      env: { A: "1" },
    });
  });

  it("does not modify its input", () => {
    const args = { env: '{"A":"1"}', services: [{ name: "x", env: '{"B":"2"}' }] };
    const copy = structuredClone(args);
    decode(args);
    expect(args).toEqual(copy);
  });

  it("lets the decoded arguments pass validation", () => {
    const parsed = schema.parse(
      decode({ env: '{"A":"1"}', ports: '["80", "{\\"container_port\\":81}"]' }),
    );
    expect(parsed.env).toEqual({ A: "1" });
    expect(parsed.ports).toEqual(["80", { container_port: 81 }]);
    expect(parsed.options).toEqual({ tty: false });
    expect(parsed.labels).toBeNull();
  });
});
