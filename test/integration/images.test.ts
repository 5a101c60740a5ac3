import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult, Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, expect, it } from "vitest";
import { PodmanDirect, callError, callOk, testEnv, textOf, uniqueName } from "./harness.js";
import { describeOverTransports } from "./over-transports.js";

interface BuildResult {
  id: string;
  tags: string[];
  steps: number;
  log: { text: string; lines: number; truncated: boolean };
}

interface ImagesResult {
  images: { id: string; tags: string[]; size: string; size_bytes: number; created: string }[];
  count: number;
}

/** Images created through the server, removed by name or id whatever happens. */
class ImageCleanup {
  readonly #names = new Set<string>();
  constructor(readonly podman: PodmanDirect) {}

  track(nameOrId: string) {
    this.#names.add(nameOrId);
    return nameOrId;
  }

  async exists(nameOrId: string) {
    const answer = await this.podman.request(
      "GET",
      `/images/${encodeURIComponent(nameOrId)}/exists`,
    );
    return answer.status === 204;
  }

  async fullId(nameOrId: string): Promise<string> {
    const answer = await this.podman.request("GET", `/images/${encodeURIComponent(nameOrId)}/json`);
    return answer.body.Id;
  }

  async cleanup() {
    for (const name of [...this.#names].reverse()) {
      await this.podman.request("DELETE", `/images/${encodeURIComponent(name)}?force=true`);
    }
    this.#names.clear();
  }
}

/** A tool call that records its progress notifications; it must succeed. */
async function callWithProgress<T>(client: Client, name: string, args: Record<string, unknown>) {
  const notes: Progress[] = [];
  const result = (await client.callTool({ name, arguments: args }, undefined, {
    onprogress: (progress) => notes.push(progress),
  })) as CallToolResult;
  expect(result.isError, `${name} failed: ${textOf(result)}`).toBeFalsy();
  return { result: result.structuredContent as T, notes };
}

const image = () => testEnv().PODMAN_TEST_IMAGE;

describeOverTransports("building images over %s", {}, ({ client }) => {
  const podman = new PodmanDirect();
  const images = new ImageCleanup(podman);

  afterAll(async () => {
    // Images first: PodmanDirect.cleanup() also closes the connection both use.
    await images.cleanup();
    await podman.cleanup();
  });

  it("builds an inline Containerfile with files, then runs the image and sees the file", async () => {
    const tag = images.track(`localhost/mcp-images-test/${uniqueName("inline")}:1`);
    const marker = uniqueName("marker");
    const { result: built, notes } = await callWithProgress<BuildResult>(client, "podman_build", {
      tag,
      containerfile: [
        `FROM ${image()}`,
        "COPY app/greeting.txt /greeting.txt",
        "RUN echo built-by-run > /run.txt",
        `LABEL test.marker=${marker}`,
      ].join("\n"),
      files: { "app/greeting.txt": `hello ${marker}\n` },
    });
    expect(built.id).toMatch(/^[0-9a-f]{12}$/);
    expect(built.tags).toEqual([tag]);
    // Podman adds one LABEL step for the labels the server sets (the managed label).
    expect(built.steps).toBe(5);
    expect(built.log.text).toContain("STEP 3/5: RUN echo built-by-run > /run.txt");
    expect((await images.fullId(tag)).startsWith(built.id)).toBe(true);

    const steps = notes.map((note) => note.message).filter((m) => m?.startsWith("STEP"));
    expect(steps.slice(0, 4)).toEqual([
      `STEP 1/5: FROM ${image()}`,
      "STEP 2/5: COPY app/greeting.txt /greeting.txt",
      "STEP 3/5: RUN echo built-by-run > /run.txt",
      `STEP 4/5: LABEL test.marker=${marker}`,
    ]);
    expect(steps[4]).toMatch(/^STEP 5\/5: LABEL .*io\.mcp-podman\.managed/);
    expect(steps).toHaveLength(5);
    const counts = notes.map((note) => note.progress);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));

    const name = podman.track(uniqueName("built"));
    const run = await callOk<{ exit_code: number; logs: { text: string } }>(client, "podman_run", {
      image: tag,
      name,
      command: ["cat", "/greeting.txt", "/run.txt"],
      detach: false,
    });
    expect(run.exit_code).toBe(0);
    expect(run.logs.text).toBe(`hello ${marker}\nbuilt-by-run`);

    const listed = await callOk<ImagesResult>(client, "podman_images", {
      filters: { label: [`test.marker=${marker}`] },
    });
    expect(listed.images).toHaveLength(1);
    expect(listed.images[0]).toMatchObject({ id: built.id, tags: [tag] });
  });
});

describeOverTransports("images", { over: ["stdio"] }, ({ client }) => {
  const podman = new PodmanDirect();
  const images = new ImageCleanup(podman);
  const scratch = mkdtempSync(join(tmpdir(), "mcp-images-test-"));
  const env = testEnv();

  afterAll(async () => {
    // Images first: PodmanDirect.cleanup() also closes the connection both use.
    await images.cleanup();
    await podman.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("builds from a context directory on the host, with build args and several tags", async () => {
    const context = join(scratch, "context");
    mkdirSync(join(context, "sub"), { recursive: true });
    writeFileSync(join(context, "sub", "data.txt"), "from the host\n");
    mkdirSync(join(context, "ignored"));
    writeFileSync(join(context, "ignored", "big.bin"), "not for the image");
    writeFileSync(join(context, ".containerignore"), "ignored\n");
    writeFileSync(
      join(context, "build.Containerfile"),
      `FROM ${image()}\nARG GREETING\nCOPY sub /app/sub\nRUN echo "$GREETING" > /app/greeting\nCOPY . /ctx\n`,
    );
    const base = `localhost/mcp-images-test/${uniqueName("ctx")}`;
    const tags = [images.track(`${base}:a`), images.track(`${base}:b`)];
    const built = await callOk<BuildResult>(client, "podman_build", {
      tags,
      context_dir: context,
      containerfile_path: "build.Containerfile",
      build_args: { GREETING: "hi there" },
      labels: { "test.kind": "context-dir" },
    });
    expect(built.tags).toEqual(tags);
    expect(await images.fullId(tags[0]!)).toBe(await images.fullId(tags[1]!));

    const run = await callOk<{ exit_code: number; logs: { text: string } }>(client, "podman_run", {
      image: tags[1],
      name: podman.track(uniqueName("ctx")),
      command: ["sh", "-c", "cat /app/sub/data.txt /app/greeting && ls -A /ctx"],
      detach: false,
    });
    expect(run.logs.text).toBe(
      "from the host\nhi there\n.containerignore\nbuild.Containerfile\nsub",
    );

    const inspected = await podman.request("GET", `/images/${encodeURIComponent(tags[0]!)}/json`);
    expect(inspected.body.Labels).toMatchObject({ "test.kind": "context-dir" });

    const listed = await callOk<ImagesResult>(client, "podman_images", {
      filters: { reference: base },
    });
    expect(listed.images).toHaveLength(1);
    expect(listed.images[0]!.tags.sort()).toEqual([...tags].sort());
    expect(listed.images[0]!.size_bytes).toBeGreaterThan(0);
    expect(listed.rendered).toContain(built.id);
  });

  it("names the step of a failing build and shows its last output", async () => {
    const tag = images.track(`localhost/mcp-images-test/${uniqueName("fail")}:1`);
    const message = await callError(client, "podman_build", {
      tag,
      containerfile: `FROM ${image()}\nRUN echo before-failing\nRUN echo about-to-fail && false\nRUN echo never\n`,
    });
    expect(message).toContain("STEP 3/5: RUN echo about-to-fail && false");
    expect(message).toContain("exit status 1");
    expect(message).toContain("about-to-fail");
    expect(message).not.toContain("STEP 4/5");
    expect(await images.exists(tag)).toBe(false);
  });

  it("refuses a build without a tag or with two sources", async () => {
    expect(await callError(client, "podman_build", { containerfile: "FROM x" })).toMatch(/tag/);
    const both = await callError(client, "podman_build", {
      tag: "localhost/x:1",
      containerfile: "FROM x",
      context_dir: scratch,
    });
    expect(both).toMatch(/exactly one of `context_dir` or `containerfile`/);
    const escaping = await callError(client, "podman_build", {
      tag: "localhost/x:1",
      containerfile: "FROM x",
      files: { "../outside": "x" },
    });
    expect(escaping).toMatch(/not a relative path inside the build context/);
  });

  it("cancels a running build when the client cancels, and keeps serving", async () => {
    const tag = images.track(`localhost/mcp-images-test/${uniqueName("slow")}:1`);
    const controller = new AbortController();
    let sawRunStep!: () => void;
    const runStepReached = new Promise<void>((resolve) => (sawRunStep = resolve));
    const call = client.callTool(
      {
        name: "podman_build",
        arguments: { tag, containerfile: `FROM ${image()}\nRUN sleep 30\n` },
      },
      undefined,
      {
        signal: controller.signal,
        onprogress: (progress) => {
          if (progress.message?.includes("RUN sleep 30")) sawRunStep();
        },
      },
    );
    const outcome = call.then(
      () => "completed",
      (error: Error) => error.name + ": " + error.message,
    );
    await Promise.race([runStepReached, outcome]);
    controller.abort("the test cancels");
    expect(await outcome).toMatch(/AbortError|cancel/i);

    const listed = await callOk<ImagesResult>(client, "podman_images", {
      filters: { reference: tag },
    });
    expect(listed.count).toBe(0);
  });

  it("pushes to the open registry, removes the local tag and pulls the same image back", async () => {
    const remote = images.track(
      `${env.PODMAN_TEST_REGISTRY}/mcp-images-test/${uniqueName("rt")}:v1`,
    );
    const tagged = await callOk<{ id: string }>(client, "podman_tag", {
      source: image(),
      target: remote,
    });
    const imageId = await images.fullId(image());
    expect(imageId.startsWith(tagged.id)).toBe(true);

    const { result: pushed, notes: pushNotes } = await callWithProgress<{
      destination: string;
      id: string;
    }>(client, "podman_push", { reference: remote, tls_verify: false });
    expect(pushed).toMatchObject({ destination: remote, id: tagged.id });
    expect(pushNotes.map((note) => note.message)).toContain(
      "Writing manifest to image destination",
    );

    const removed = await callOk<{ untagged: string[]; deleted: string[] }>(client, "podman_rmi", {
      reference: remote,
    });
    expect(removed.untagged).toEqual([remote]);
    expect(removed.deleted).toEqual([]);
    expect(await images.exists(remote)).toBe(false);
    expect(await images.exists(image())).toBe(true);

    const { result: pulled, notes: pullNotes } = await callWithProgress<{ id: string }>(
      client,
      "podman_pull",
      { reference: remote, tls_verify: false },
    );
    expect(pulled.id).toBe(tagged.id);
    expect(await images.fullId(remote)).toBe(imageId);
    expect(pullNotes.map((note) => note.message)).toContain(`Trying to pull ${remote}...`);
  });

  it("pushes to and pulls from the registry with basic auth, never echoing the password", async () => {
    const remote = images.track(
      `${env.PODMAN_TEST_AUTH_REGISTRY}/mcp-images-test/${uniqueName("auth")}:v1`,
    );
    await callOk(client, "podman_tag", { source: image(), target: remote });
    const good = {
      username: env.PODMAN_TEST_REGISTRY_USER,
      password: env.PODMAN_TEST_REGISTRY_PASSWORD,
    };
    const wrong = {
      username: env.PODMAN_TEST_REGISTRY_USER,
      password: `wrong-${uniqueName("pw")}`,
    };

    const anonymous = await callError(client, "podman_push", {
      reference: remote,
      tls_verify: false,
    });
    expect(anonymous).toMatch(/unauthorized|authentication required/i);

    const refused = await callError(client, "podman_push", {
      reference: remote,
      tls_verify: false,
      auth: wrong,
    });
    expect(refused).toMatch(/unauthorized|authentication required/i);
    expect(refused).not.toContain(wrong.password);

    const pushed = await callOk(client, "podman_push", {
      reference: remote,
      tls_verify: false,
      auth: good,
    });
    expect(pushed.rendered).not.toContain(good.password);
    expect(JSON.stringify(pushed)).not.toContain(good.password);

    await callOk(client, "podman_rmi", { reference: remote });
    const pullRefused = await callError(client, "podman_pull", {
      reference: remote,
      tls_verify: false,
      auth: wrong,
    });
    expect(pullRefused).toMatch(/unauthorized|authentication required/i);
    expect(pullRefused).not.toContain(wrong.password);

    const pulled = await callOk<{ id: string }>(client, "podman_pull", {
      reference: remote,
      tls_verify: false,
      auth: good,
    });
    expect((await images.fullId(image())).startsWith(pulled.id)).toBe(true);
  });

  it("answers clear errors for unknown images and tags", async () => {
    const unknown = `localhost/mcp-images-test/${uniqueName("nothing")}:1`;
    expect(await callError(client, "podman_rmi", { reference: unknown })).toMatch(
      new RegExp(`${unknown.replace(/[./]/g, "\\$&")}: image not known`, "i"),
    );
    const missing = `${env.PODMAN_TEST_REGISTRY}/mcp-images-test/${uniqueName("nothing")}:1`;
    const pull = await callError(client, "podman_pull", { reference: missing, tls_verify: false });
    expect(pull).toMatch(/manifest unknown/);
    expect(
      await callError(client, "podman_tag", { source: unknown, target: "localhost/x:1" }),
    ).toMatch(/image not known/);
  });

  it("prunes only the dangling image carrying the test's label", async () => {
    const label = `test.prune=${uniqueName("prune")}`;
    const tag = images.track(`localhost/mcp-images-test/${uniqueName("prune")}:1`);
    const build = (value: string) =>
      callOk<BuildResult>(client, "podman_build", {
        tag,
        containerfile: `FROM ${image()}\nARG V\nRUN echo "$V" > /v\n`,
        build_args: { V: value },
        labels: { [label.split("=")[0]!]: label.split("=")[1]! },
      });
    const first = await build("one");
    images.track(await images.fullId(tag));
    const second = await build("two");
    expect(second.id).not.toBe(first.id);

    const dangling = await callOk<ImagesResult>(client, "podman_images", {
      filters: { dangling: true, label: [label] },
    });
    expect(dangling.images.map((i) => i.id)).toEqual([first.id]);
    expect(dangling.images[0]!.tags).toEqual([]);

    const pruned = await callOk<{
      pruned: { id: string; size_bytes: number }[];
      freed_bytes: number;
    }>(client, "podman_image_prune", { filters: { label: [label] } });
    expect(pruned.pruned.map((p) => p.id)).toEqual([first.id]);
    expect(pruned.freed_bytes).toBe(pruned.pruned[0]!.size_bytes);
    expect(await images.exists(first.id)).toBe(false);
    expect(await images.exists(tag)).toBe(true);
    expect(await images.exists(image())).toBe(true);
  });
});
