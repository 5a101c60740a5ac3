import { describe, it, expect } from "vitest";
import { z } from "zod";
import {
  BadArgument,
  Cancelled,
  Conflict,
  NotFound,
  PodmanRejected,
  PodmanTimeout,
  PodmanUnreachable,
} from "../../src/core/errors.js";
import { PodmanClient } from "../../src/core/podman/client.js";
import { callTool } from "../../src/core/server.js";
import { defineTool, type HostFiles, type ToolContext } from "../../src/core/tools/tool.js";
import { DENY_ALL } from "./deny-all-policy.js";

const failures: Record<string, () => Error> = {
  not_found: () => new NotFound('no container with name or ID "web" found: no such container'),
  conflict: () => new Conflict("container state improper."),
  podman_error: () => new PodmanRejected("invalid reference format", 500),
  unreachable: () =>
    new PodmanUnreachable(
      "/run/podman/podman.sock",
      "the socket does not exist (is the Podman service running?)",
    ),
  timeout: () => new PodmanTimeout("Creating the container", 30_000),
  bad_argument: () => new BadArgument('invalid port mapping "http"'),
  cancelled: () => new Cancelled("Pulling busybox was cancelled"),
  unexpected: () => new RangeError("Invalid array length"),
  syntax: () => new SyntaxError("Unexpected token < in JSON at position 0"),
};

const received: unknown[] = [];

const echo = defineTool({
  name: "podman_echo",
  title: "Echo",
  description: "Answers its arguments, or fails the way it is told to.",
  input: z.object({
    name: z.string().min(1).describe("A name"),
    env: z.record(z.string(), z.string()).optional().describe("Environment"),
    ports: z.array(z.union([z.string(), z.object({ port: z.number() })])).optional(),
    count: z.number().int().min(1).default(2),
    fail: z.string().optional(),
    throw_string: z.boolean().optional(),
  }),
  output: z.object({
    name: z.string(),
    count: z.number(),
    env: z.record(z.string(), z.string()).optional(),
    note: z.string().default("none"),
  }),
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handle(ctx, args) {
    received.push(args);
    if (args.throw_string) throw "plain string";
    if (args.fail) throw failures[args.fail]?.() ?? new Error(`unknown failure ${args.fail}`);
    return { name: args.name, count: args.count, env: args.env, secret: "stripped" };
  },
  render: ({ name, count, note }) => `${name} x${count} (${note})`,
});

const files: HostFiles = {
  readFile: () => Promise.reject(new Error("no files in unit tests")),
  readTextFile: () => Promise.reject(new Error("no files in unit tests")),
  realPath: () => Promise.reject(new Error("no files in unit tests")),
  walk: () => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error("no files")) }),
  }),
};

const ctx: ToolContext = {
  podman: new PodmanClient({
    fetch: () => Promise.reject(new Error("no Podman in unit tests")),
    socket: "/nowhere.sock",
    timeoutMs: 1000,
  }),
  files,
  signal: new AbortController().signal,
  progress: async () => {},
  policy: DENY_ALL,
  access: { scope: "admin" },
  showSecrets: false,
  timeLimits: { maxFollowSeconds: 1, maxWaitSeconds: 1 },
  probeTcp: () => Promise.reject(new Error("no network in unit tests")),
};

const call = (args: unknown) => callTool(echo, args, ctx);

function errorText(outcome: Awaited<ReturnType<typeof call>>): string {
  expect(outcome.result.isError).toBe(true);
  expect(outcome.result.structuredContent).toBeUndefined();
  expect(outcome.result.content).toHaveLength(1);
  const [content] = outcome.result.content;
  if (content?.type !== "text") throw new Error("expected a text content");
  return content.text;
}

describe("callTool", () => {
  it("answers the rendered text and the output-parsed structured content", async () => {
    const outcome = await call({ name: "web", env: { A: "1" } });
    expect(outcome).toEqual({
      result: {
        content: [{ type: "text", text: "web x2 (none)" }],
        structuredContent: { name: "web", count: 2, env: { A: "1" }, note: "none" },
      },
    });
    expect(outcome.result.isError).toBeUndefined();
    expect(outcome.errorType).toBeUndefined();
  });

  it("gives the handler the validated arguments, defaults applied", async () => {
    received.length = 0;
    await call({ name: "web", count: 3 });
    expect(received).toEqual([{ name: "web", count: 3 }]);
  });

  it("decodes JSON-string arguments before validation", async () => {
    received.length = 0;
    const outcome = await call({
      name: "web",
      env: '{"PORT":"8080"}',
      ports: '["8080:80", "{\\"port\\":443}"]',
    });
    expect(outcome.result.structuredContent).toEqual({
      name: "web",
      count: 2,
      env: { PORT: "8080" },
      note: "none",
    });
    expect(received).toEqual([
      { name: "web", count: 2, env: { PORT: "8080" }, ports: ["8080:80", { port: 443 }] },
    ]);
  });

  it("refuses invalid arguments naming each path, without calling the handler", async () => {
    received.length = 0;
    const outcome = await call({ name: "", count: 1.5, env: { A: 1 } });
    expect(outcome.errorType).toBe("invalid_arguments");
    expect(errorText(outcome)).toBe(
      "Invalid arguments for podman_echo: " +
        "name: Too small: expected string to have >=1 characters; " +
        "env.A: Invalid input: expected string, received number; " +
        "count: Invalid input: expected int, received number.",
    );
    expect(received).toEqual([]);
  });

  it("names a missing argument and a malformed JSON string", async () => {
    expect(errorText(await call({}))).toBe(
      "Invalid arguments for podman_echo: name: Invalid input: expected string, received undefined.",
    );
    expect(errorText(await call({ name: "web", env: '{"A": 1' }))).toBe(
      "Invalid arguments for podman_echo: env: Invalid input: expected record, received string.",
    );
  });

  it("says 'arguments' when the whole value is wrong", async () => {
    expect(errorText(await call("not an object"))).toBe(
      "Invalid arguments for podman_echo: arguments: Invalid input: expected object, received string.",
    );
  });

  it.each([
    ["not_found", 'No container with name or ID "web" found: no such container.'],
    ["conflict", "Container state improper."],
    ["podman_error", "Invalid reference format."],
    [
      "unreachable",
      "Podman unreachable at /run/podman/podman.sock: " +
        "the socket does not exist (is the Podman service running?).",
    ],
    [
      "timeout",
      "Creating the container got no answer from Podman within 30s and may have completed: " +
        "check the state before retrying.",
    ],
    ["bad_argument", 'Invalid port mapping "http".'],
    ["cancelled", "Pulling busybox was cancelled."],
  ])("turns a %s error into one sentence", async (kind, text) => {
    const outcome = await call({ name: "web", fail: kind });
    expect(errorText(outcome)).toBe(text);
    expect(outcome.errorType).toBe(kind);
  });

  it("reports an unexpected error as such, without a stack", async () => {
    const outcome = await call({ name: "web", fail: "unexpected" });
    const text = errorText(outcome);
    expect(text).toBe("Unexpected failure: Invalid array length.");
    expect(text).not.toMatch(/\n|\bat /);
    expect(outcome.errorType).toBe("_OTHER");
  });

  it("reports a thrown non-Error value", async () => {
    const outcome = await call({ name: "web", throw_string: true });
    expect(errorText(outcome)).toBe("Unexpected failure: plain string.");
    expect(outcome.errorType).toBe("_OTHER");
  });

  it("reports an unreadable Podman answer", async () => {
    const outcome = await call({ name: "web", fail: "syntax" });
    expect(errorText(outcome)).toBe(
      "Podman sent an unreadable answer: Unexpected token < in JSON at position 0.",
    );
    expect(outcome.errorType).toBe("_OTHER");
  });
});
