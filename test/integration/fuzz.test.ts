import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  type RunningServer,
  callOk,
  connectHttp,
  startHttpServer,
  testEnv,
  textOf,
  uniqueName,
} from "./harness.js";

/**
 * Tools the fuzzer leaves alone: with arbitrary (or missing) filters they act
 * machine-wide, on what the other test files running at the same time own.
 */
const SKIPPED: Record<string, string> = {
  podman_image_prune: "dangling_only=false or a missing label filter removes other files' images",
  podman_volume_prune: "a missing label filter removes other files' unused volumes",
};

/**
 * Known bugs, tolerated by the checks below until fixed (see the report):
 * - on some failures Podman 4.3 writes two JSON error bodies into one answer
 *   (POST /images/[]/tag: a 500 body then a 404 body), and errorFromResponse,
 *   failing to parse them as one, passes both lines on (podman_tag source "[]");
 * - a compose file whose alias contains itself (`a: &a [*a]`) sends
 *   interpolateTree into endless recursion (podman_compose_up).
 */
const KNOWN_BUGS = [
  /^\{"cause":[^\n]*\}\n\{"cause":[^\n]*\}\.?$/,
  /^Unexpected failure: Maximum call stack size exceeded\.$/,
];

const RUNS_PER_TOOL = Number(process.env.FUZZ_RUNS ?? 15);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  additionalProperties?: JsonSchema | boolean;
}

/** Values of the wrong JSON type for anything: never a string, so never a name Podman could match. */
const wrongType = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

const nastyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "line\nbreak",
    "(unclosed[regex",
    "*+?",
    "../../../../etc/passwd",
    "%00%2e%2e/",
    "{not json",
    '{"a":{"b":[1,2,{"c":"d"}]}}',
    "[[[[[[[[[[]]]]]]]]]]",
    "🐳💥\u202e\uFEFF",
    "x".repeat(100_000),
  ),
);

/** A generator for one property: values a careful client would send, and anything at all. */
interface PropertyValues {
  plausible: fc.Arbitrary<unknown>;
  any: fc.Arbitrary<unknown>;
}

const values = (
  plausible: fc.Arbitrary<unknown>,
  ...junk: fc.Arbitrary<unknown>[]
): PropertyValues => ({
  plausible,
  any: fc.oneof(
    { weight: 3, arbitrary: plausible },
    ...junk.map((arbitrary) => ({ weight: 1, arbitrary })),
  ),
});

/**
 * The fuzz session's world: every name it can produce starts with `prefix`
 * (whose "u" keeps it from being an id prefix), so whatever a tool creates,
 * stops or removes is this file's own.
 */
class FuzzWorld {
  readonly prefix = uniqueName("fuzz");
  /** A host directory named with the prefix, for compose working_dir and file paths. */
  readonly dir = mkdtempSync(join(tmpdir(), `${this.prefix}-`));
  readonly fixture = `${this.prefix}-a`;

  constructor(readonly image: string) {
    mkdirSync(join(this.dir, `${this.prefix}-project`));
    writeFileSync(join(this.dir, `${this.prefix}-project`, "compose.yaml"), this.composeYaml());
    writeFileSync(join(this.dir, "pod.yaml"), this.kubeYaml());
  }

  /** Names of this world: some hit the fixture container, most hit nothing. */
  get name(): fc.Arbitrary<string> {
    return fc.oneof(
      fc.constant(this.fixture),
      fc.constantFrom("a", "b", "c").map((s) => `${this.prefix}-${s}`),
      fc.string({ maxLength: 12 }).map((s) => `${this.prefix}-${s}`),
      fc.string({ unit: "grapheme", maxLength: 8 }).map((s) => `${this.prefix}${s}`),
      fc.constant(`${this.prefix}-${"n".repeat(100_000)}`),
      fc.constant(`${this.prefix}:tag@sha256:zz`),
    );
  }

  /** A name, or anything but a string, or a JSON string of names (never a bare non-prefixed name). */
  get reference(): PropertyValues {
    return values(
      this.name,
      wrongType,
      fc.array(this.name, { maxLength: 2 }).map((a) => JSON.stringify(a)),
    );
  }

  composeYaml() {
    return [
      `name: ${this.prefix}-compose`,
      "services:",
      "  web:",
      `    image: ${this.image}`,
      '    command: ["sh", "-c", "trap \'exit 0\' TERM; while true; do sleep 1; done"]',
      `    labels: { fuzz: "${this.prefix}" }`,
    ].join("\n");
  }

  kubeYaml() {
    return [
      "apiVersion: v1",
      "kind: Pod",
      "metadata:",
      `  name: ${this.prefix}-kube`,
      "spec:",
      "  containers:",
      "    - name: main",
      `      image: ${this.image}`,
      '      command: ["sleep", "1"]',
    ].join("\n");
  }

  /** What a property of this name may be given, where free text could reach beyond the test. */
  overrides(): Record<string, PropertyValues> {
    const reference = this.reference;
    const references = values(
      fc.array(this.name, { minLength: 1, maxLength: 3 }),
      reference.any,
      wrongType,
    );
    const project = join(this.dir, `${this.prefix}-project`);
    const path = values(
      fc.constantFrom(
        join(this.dir, "missing.yaml"),
        join(project, "compose.yaml"),
        project,
        join(this.dir, "pod.yaml"),
      ),
      fc.constantFrom("relative/path", `/nonexistent/${this.prefix}`, ""),
      wrongType,
    );
    const command = values(
      fc.constantFrom(
        ["true"],
        ["false"],
        ["sh", "-c", "echo out; echo err >&2; exit 3"],
        ["echo", "🐳\u0000\u202e"],
        ["sleep", "1"],
        ["no-such-binary"],
      ),
      fc.constant([]),
      fc.array(
        fc.string({ maxLength: 5 }).map((s) => `echo${s}`),
        { maxLength: 2 },
      ),
      wrongType,
    );
    return {
      name: reference,
      names: references,
      reference,
      source: reference,
      target: reference,
      destination: reference,
      tag: reference,
      tags: references,
      pod: reference,
      project_name: values(fc.constant(`${this.prefix}-compose`), reference.any),
      network: values(fc.constantFrom("bridge", "none", "host", "slirp4netns"), reference.any),
      image: values(fc.constant(this.image), reference.any),
      command,
      entrypoint: command,
      file: path,
      context_dir: path,
      working_dir: values(fc.constant(project), path.any),
      content: values(
        fc.constantFrom(this.composeYaml(), this.kubeYaml()),
        fc.constantFrom(
          "services: [",
          "kind: Pod\nmetadata: {}",
          "a: &a [*a]",
          `name: ${this.prefix}-compose\nservices:\n  web:\n    build: ../../../\n`,
        ),
        nastyText.map((s) => `name: ${this.prefix}-compose\n${s}`),
        wrongType,
      ),
      containerfile: values(
        fc.constantFrom(
          `FROM ${this.image}\nLABEL fuzz=${this.prefix}\nRUN echo hi`,
          `FROM ${this.image}\nCOPY a.txt /a.txt\nLABEL fuzz=${this.prefix}`,
          "FROM scratch",
        ),
        fc.constantFrom("RUN before from", `FROM ${this.image}\nCOPY ../../etc/passwd /x`),
        nastyText,
        wrongType,
      ),
      files: values(
        fc.dictionary(
          fc.constantFrom(
            "a.txt",
            "dir/b.sh",
            `../${this.prefix}-escape`,
            `/${this.prefix}-abs`,
            "",
          ),
          fc.string({ maxLength: 20 }),
          { maxKeys: 3 },
        ),
        wrongType,
      ),
      // Host-side things other files may own: only invalid or Podman-chosen values.
      volumes: values(
        fc.array(
          fc.oneof(
            this.name.map((n) => `${n}:/data`),
            fc.constantFrom(`${this.dir}:/host:ro`, "/:/host", "::", "a:b:c:d", ""),
          ),
          { maxLength: 2 },
        ),
        wrongType,
      ),
      ports: values(
        fc.array(
          fc.oneof(
            fc.constantFrom("80", "127.0.0.1::80", "99999:80", "0:80/udp", "abc", "1-2-3", ""),
            fc.record(
              {
                container_port: fc.constantFrom(80, 0, 70000),
                host_port: fc.constantFrom(0, -1, 70000),
                host_ip: fc.constantFrom("127.0.0.1", "::1", "999.1.1.1", ""),
                protocol: fc.constantFrom("tcp", "udp", "sctp", "icmp"),
                range: fc.constantFrom(1, 2, 0),
              },
              { requiredKeys: ["container_port"] },
            ),
          ),
          { maxLength: 2 },
        ),
        wrongType,
      ),
      subnet: values(fc.constantFrom("10.0.0.0/33", "not-a-cidr", "::/200", ""), wrongType),
      gateway: values(fc.constantFrom("10.0.0.1", "999.0.0.1", ""), wrongType),
      interface_name: values(
        fc.stringMatching(/^fz[0-9]{6}$/),
        fc.constantFrom("bad name!", "x".repeat(16), ""),
        wrongType,
      ),
      options: values(
        fc.constantFrom({}, { type: "tmpfs", device: "tmpfs" }, { foo: "bar" }, { type: "none" }),
        wrongType,
      ),
    };
  }
}

/**
 * Arguments for one JSON schema. Half the runs are well-formed (plausible
 * values, few optional keys) to reach the handlers and Podman; the others are
 * chaos: wrong types, junk, missing required keys, extra keys.
 */
function argumentsFor(schema: JsonSchema, overrides: Record<string, PropertyValues>) {
  return fc.oneof(
    objectFor(schema, overrides, "plausible", 0),
    objectFor(schema, overrides, "any", 0),
  );
}

function objectFor(
  schema: JsonSchema,
  overrides: Record<string, PropertyValues>,
  mode: keyof PropertyValues,
  depth: number,
): fc.Arbitrary<Record<string, unknown>> {
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {}).map(([key, property]) => {
    const value = (overrides[key] ?? valuesFor(property, depth))[mode];
    const [presentWeight, absentWeight] =
      mode === "plausible"
        ? required.has(key)
          ? [1, 0]
          : [1, 3]
        : required.has(key)
          ? [6, 1]
          : [1, 1];
    return fc.oneof(
      { weight: presentWeight, arbitrary: value.map((v): [string, unknown][] => [[key, v]]) },
      { weight: absentWeight, arbitrary: fc.constant<[string, unknown][]>([]) },
    );
  });
  const extra =
    mode === "plausible"
      ? fc.constant({})
      : fc.oneof(
          { weight: 4, arbitrary: fc.constant({}) },
          {
            weight: 1,
            arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
              maxKeys: 2,
            }),
          },
          {
            weight: 1,
            arbitrary: fc.constant(
              JSON.parse('{"__proto__": {"polluted": true}, "constructor": "x"}'),
            ),
          },
        );
  return fc.tuple(fc.tuple(...entries), extra).map(([pairs, extraKeys]) => ({
    ...Object.fromEntries(pairs.flat()),
    ...extraKeys,
  }));
}

/** Values for a schema: within its bounds, and (for `any`) past them, of other types, or junk. */
function valuesFor(schema: JsonSchema, depth: number): PropertyValues {
  if (schema.anyOf) {
    const options = schema.anyOf.map((s) => valuesFor(s, depth));
    return {
      plausible: fc.oneof(...options.map((o) => o.plausible)),
      any: fc.oneof(...options.map((o) => o.any)),
    };
  }
  if (schema.enum)
    return values(fc.constantFrom(...schema.enum), fc.constant("not-in-enum"), wrongType);
  switch (schema.type) {
    case "string":
      return values(fc.string({ minLength: 1, maxLength: 10 }), nastyText, wrongType);
    case "boolean":
      return values(fc.boolean(), fc.constantFrom("true", 0), wrongType);
    case "integer":
    case "number": {
      const low = schema.minimum ?? (schema.exclusiveMinimum ?? -1) + 1;
      // Small valid values only: a stop timeout of 3600 s would stall the run.
      return values(
        fc.integer({ min: low, max: low + 2 }),
        fc.constantFrom(low - 1, (schema.maximum ?? 1e9) + 1, 0.5, -1, 1e308, "5"),
        wrongType,
      );
    }
    case "array": {
      const item = schema.items ? valuesFor(schema.items, depth + 1) : values(fc.string());
      return values(
        fc.array(item.plausible, { minLength: 1, maxLength: 3 }),
        fc.array(item.any, { maxLength: 3 }),
        fc.array(item.any, { maxLength: 3 }).map((a) => JSON.stringify(a)),
        fc.constant(Array.from({ length: 200 }, (_, i) => `item${i}`)),
        wrongType,
      );
    }
    case "object": {
      if (depth > 2) return values(fc.constant({}));
      if (schema.properties) {
        const plausible = objectFor(schema, {}, "plausible", depth + 1);
        const any = objectFor(schema, {}, "any", depth + 1);
        return values(
          plausible,
          any,
          any.map((o) => JSON.stringify(o)),
          wrongType,
        );
      }
      const item =
        typeof schema.additionalProperties === "object"
          ? valuesFor(schema.additionalProperties, depth + 1)
          : values(fc.string());
      const any = fc.dictionary(nastyText, item.any, { maxKeys: 3 });
      return values(
        fc.dictionary(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,8}$/), item.plausible, {
          maxKeys: 3,
        }),
        any,
        any.map((o) => JSON.stringify(o)),
        wrongType,
      );
    }
    default:
      return values(fc.jsonValue({ maxDepth: 2 }));
  }
}

const STACK_FRAME = /\n\s+at /;

describe("fuzzing every tool through a real MCP client", () => {
  let server: RunningServer;
  let client: Client;
  let world: FuzzWorld;
  const podman = new PodmanDirect();
  /** Ids and names of what successful calls created, by kind, for the cleanup. */
  const created = {
    containers: new Set<string>(),
    volumes: new Set<string>(),
    images: new Set<string>(),
  };

  beforeAll(async () => {
    world = new FuzzWorld(testEnv().PODMAN_TEST_IMAGE);
    // Waits and follows that may last a minute by default would stall the run.
    server = await startHttpServer([
      "--no-auth",
      "--max-wait-seconds",
      "1",
      "--max-follow-seconds",
      "1",
    ]);
    client = await connectHttp(server.url);
    podman.track(world.fixture);
  });

  /** The running container the names sometimes hit, back before each tool (podman_rm takes it). */
  async function refreshFixture() {
    if (!(await podman.exists(world.fixture))) {
      await callOk(client, "podman_run", {
        image: world.image,
        name: world.fixture,
        command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
      });
    } else if ((await podman.state(world.fixture)) !== "running") {
      await callOk(client, "podman_start", { name: world.fixture });
    }
  }

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await removeLeftovers(podman, world.prefix, created);
    await podman.cleanup();
    rmSync(world.dir, { recursive: true, force: true });
  });

  it(`answers every tool with a valid result or a one-line error (seed ${seed})`, async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const skipped of Object.keys(SKIPPED)) expect(names).toContain(skipped);

    const fuzzed: string[] = [];
    for (const tool of tools) {
      if (SKIPPED[tool.name]) continue;
      fuzzed.push(tool.name);
      await refreshFixture();
      const args = argumentsFor(tool.inputSchema as JsonSchema, world.overrides());
      await fc.assert(
        fc.asyncProperty(args, async (argumentsGiven) => {
          const result = (await client.callTool({
            name: tool.name,
            arguments: argumentsGiven,
          })) as CallToolResult;
          const text = textOf(result);
          remember(tool.name, result, created);
          if (process.env.FUZZ_VERBOSE)
            console.log(tool.name, result.isError ? "ERR" : "OK", text.length, text.slice(0, 160));
          expect(text, `${tool.name} answered a stack trace`).not.toMatch(STACK_FRAME);
          if (result.isError) {
            expect(result.content).toHaveLength(1);
            expect(text.trim(), `${tool.name} error is empty`).not.toBe("");
            if (!KNOWN_BUGS.some((bug) => bug.test(text))) {
              // A message may quote an argument that itself holds a line break.
              const quotesABreak = JSON.stringify(argumentsGiven).includes("\\n");
              if (!quotesABreak) expect(text, `${tool.name} error spans lines`).not.toContain("\n");
              // "Unexpected failure" is the server's word for an error nobody mapped.
              expect(text, `${tool.name} failed unexpectedly`).not.toMatch(/^Unexpected failure/);
            }
          } else {
            expect(
              result.structuredContent,
              `${tool.name} without structuredContent`,
            ).toBeDefined();
          }
        }),
        { numRuns: RUNS_PER_TOOL, seed, endOnFailure: true },
      );
      // Still answering, and still seeing the fixture when the tool left it alone.
      const alive = await callOk<{ containers: { name: string }[]; count: number }>(
        client,
        "podman_ps",
        { all: true },
      );
      expect(alive.count).toBe(alive.containers.length);
      if (await podman.exists(world.fixture)) {
        expect(alive.containers.map((c) => c.name)).toContain(world.fixture);
      }
    }
    expect(fuzzed.length + Object.keys(SKIPPED).length).toBe(tools.length);
    expect(fuzzed.length).toBeGreaterThan(30);

    // The server itself must not have logged a crash or an unhandled rejection.
    expect(server.process.exitCode).toBeNull();
    expect(server.process.signalCode).toBeNull();
    const troubled = server.stderr.filter((line) => /Unhandled|^\s+at /.test(line));
    expect(troubled).toEqual([]);
  }, 240_000);
});

function remember(
  tool: string,
  result: CallToolResult,
  created: { containers: Set<string>; volumes: Set<string>; images: Set<string> },
) {
  if (result.isError || !result.structuredContent) return;
  const { id, name } = result.structuredContent as { id?: unknown; name?: unknown };
  const kind =
    tool === "podman_run"
      ? created.containers
      : tool === "podman_volume_create"
        ? created.volumes
        : tool === "podman_build"
          ? created.images
          : undefined;
  for (const value of [id, name]) if (kind && typeof value === "string") kind.add(value);
}

/** Removes what the fuzz run may have created: by its name prefix, and what calls reported. */
async function removeLeftovers(
  podman: PodmanDirect,
  prefix: string,
  created: { containers: Set<string>; volumes: Set<string>; images: Set<string> },
) {
  const byName = encodeURIComponent(JSON.stringify({ name: [prefix] }));
  const containers = await podman.request("GET", `/containers/json?all=true&filters=${byName}`);
  for (const c of containers.body ?? []) created.containers.add(c.Id);
  for (const id of created.containers) {
    await podman.request(
      "DELETE",
      `/containers/${encodeURIComponent(id)}?force=true&v=true&timeout=0`,
    );
  }
  const pods = await podman.request("GET", `/pods/json?filters=${byName}`);
  for (const p of pods.body ?? []) await podman.request("DELETE", `/pods/${p.Id}?force=true`);
  const networks = await podman.request("GET", `/networks/json?filters=${byName}`);
  for (const n of networks.body ?? []) {
    await podman.request("DELETE", `/networks/${encodeURIComponent(n.name)}?force=true`);
  }
  const volumes = await podman.request("GET", `/volumes/json?filters=${byName}`);
  for (const v of volumes.body ?? []) created.volumes.add(v.Name);
  for (const name of created.volumes) {
    await podman.request("DELETE", `/volumes/${encodeURIComponent(name)}?force=true`);
  }
  const byReference = encodeURIComponent(JSON.stringify({ reference: [`*${prefix}*`] }));
  const images = await podman.request("GET", `/images/json?filters=${byReference}`);
  for (const i of images.body ?? []) created.images.add(i.Id);
  const byLabel = encodeURIComponent(JSON.stringify({ label: [`fuzz=${prefix}`] }));
  const labelled = await podman.request("GET", `/images/json?filters=${byLabel}`);
  for (const i of labelled.body ?? []) created.images.add(i.Id);
  for (const id of created.images) {
    await podman.request("DELETE", `/images/${encodeURIComponent(id)}?force=true`);
  }
  for (const kind of ["containers", "pods", "networks", "volumes"]) {
    const query = kind === "containers" ? "all=true&" : "";
    const left = await podman.request("GET", `/${kind}/json?${query}filters=${byName}`);
    expect(left.body ?? [], `${kind} left behind`).toEqual([]);
  }
}
