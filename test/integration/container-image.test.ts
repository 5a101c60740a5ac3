import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Agent, fetch as socketFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildProgress } from "../../src/core/podman/build.js";
import { readJsonLines } from "../../src/core/podman/json-stream.js";
import { tarFiles } from "../../src/core/podman/tar.js";
import {
  PodmanDirect,
  bundle,
  callError,
  callOk,
  connectHttp,
  testEnv,
  uniqueName,
  freePort,
} from "./harness.js";

const containerfile = join(import.meta.dirname, "..", "..", "Containerfile");
const SOCKET_IN_CONTAINER = "/run/podman/podman.sock";
const READY_DEADLINE_MS = 30_000;

/**
 * A base image without internet: this machine's own Node (the one running
 * the tests) with the shared libraries and the loader `ldd` names, at the
 * paths the binary expects them.
 */
function nodeRootfsTar(): Uint8Array {
  // A static node makes ldd exit 1 ("not a dynamic executable"): then there is nothing to add.
  const ldd = spawnSync("ldd", [process.execPath], { encoding: "utf8" });
  const libraries = [...ldd.stdout.matchAll(/(\/\S+) \(0x[0-9a-f]+\)/g)].map((m) => m[1]!);
  return tarFiles([
    { path: "usr/local/bin/node", content: readFileSync(process.execPath), mode: 0o755 },
    ...libraries.map((path) => ({ path, content: readFileSync(path), mode: 0o755 })),
  ]);
}

/** The build context a user has after `npm run build`: the Containerfile and the bundle. */
function buildContextTar(): Uint8Array {
  return tarFiles([
    { path: "Containerfile", content: readFileSync(containerfile) },
    { path: "dist/mcp-podman.js", content: readFileSync(bundle), mode: 0o755 },
  ]);
}

/** Container logs as text; each frame has an 8-byte header: stream, 0, 0, 0, size (big-endian). */
function demultiplex(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  let text = "";
  for (let at = 0; at + 8 <= bytes.length; at += 8 + view.getUint32(at + 4)) {
    text += decoder.decode(bytes.subarray(at + 8, at + 8 + view.getUint32(at + 4)));
  }
  return text;
}

interface PsResult {
  count: number;
  containers: { name: string; image: string; state: string; ports: string[] }[];
}

describe("the container image (Containerfile)", () => {
  const podman = new PodmanDirect();
  const socket = testEnv().PODMAN_TEST_SOCKET;
  const socketAgent = new Agent({ connect: { socketPath: socket } });
  const baseImage = `localhost/${uniqueName("mcp-podman-node-base")}:test`;
  const image = `localhost/${uniqueName("mcp-podman-image")}:test`;
  const token = randomBytes(16).toString("hex");
  const served = uniqueName("mcp-podman-served");
  const asImageUser = uniqueName("mcp-podman-image-user");
  const clients: Client[] = [];

  /** Sends a tar to libpod, which the JSON-only PodmanDirect.request cannot. */
  async function postTar(path: string, tar: Uint8Array) {
    const response = await socketFetch(`http://podman/v4.0.0/libpod${path}`, {
      method: "POST",
      dispatcher: socketAgent,
      headers: { "content-type": "application/x-tar" },
      body: tar,
    });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    return response;
  }

  async function buildImage(): Promise<string> {
    const query = new URLSearchParams({
      t: image,
      dockerfile: "Containerfile",
      buildargs: JSON.stringify({ BASE_IMAGE: baseImage }),
      // The OCI format has no HEALTHCHECK: keep it, as the Containerfile's build command does.
      outputformat: "application/vnd.docker.distribution.manifest.v2+json",
      layers: "false",
    });
    const response = await postTar(`/build?${query}`, buildContextTar());
    const progress = new BuildProgress();
    for await (const report of readJsonLines(response.body as ReadableStream<Uint8Array> | null)) {
      progress.add(report as Parameters<BuildProgress["add"]>[0]);
    }
    return progress.finish().id;
  }

  /** Runs the image with the test Podman's socket mounted, published on a loopback port. */
  async function runImage(name: string, user: string | undefined): Promise<string> {
    const port = await freePort();
    const created = await podman.request("POST", "/containers/create", {
      name,
      image,
      ...(user === undefined ? {} : { user }),
      env: { MCP_PODMAN_TOKEN: token },
      mounts: [{ Type: "bind", Source: socket, Destination: SOCKET_IN_CONTAINER, Options: [] }],
      portmappings: [{ host_ip: "127.0.0.1", host_port: port, container_port: 8080 }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await podman.request("POST", `/containers/${name}/start`);
    expect(started.status, JSON.stringify(started.body)).toBe(204);
    const url = `http://127.0.0.1:${port}`;
    await waitUntilServing(name, url);
    return url;
  }

  async function waitUntilServing(name: string, url: string) {
    const deadline = Date.now() + READY_DEADLINE_MS;
    while (Date.now() < deadline) {
      const answer = await fetch(`${url}/healthz`).catch(() => undefined);
      if (answer?.ok) return;
      if ((await podman.state(name)) !== "running") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const logs = await socketFetch(
      `http://podman/v4.0.0/libpod/containers/${name}/logs?stdout=true&stderr=true`,
      { dispatcher: socketAgent },
    );
    const text = demultiplex(new Uint8Array(await logs.arrayBuffer()));
    throw new Error(`${name} never served ${url}/healthz; its logs:\n${text}`);
  }

  async function connectWithToken(url: string) {
    const client = await connectHttp(`${url}/mcp`, token);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    const imported = await postTar(
      `/images/import?reference=${encodeURIComponent(baseImage)}`,
      nodeRootfsTar(),
    );
    expect(((await imported.json()) as { Id: string }).Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    await buildImage();
  });

  afterAll(async () => {
    try {
      for (const client of clients) await client.close();
      for (const name of [served, asImageUser]) {
        await podman.request("DELETE", `/containers/${name}?force=true&v=true&timeout=0`);
      }
      for (const name of [image, baseImage]) {
        await podman.request("DELETE", `/images/${encodeURIComponent(name)}?force=true`);
      }
    } finally {
      await socketAgent.close();
      await podman.cleanup();
    }
  });

  it("builds on any base with node: non-root, /app bundle, loopback-safe CMD, healthcheck", async () => {
    const { status, body } = await podman.request(
      "GET",
      `/images/${encodeURIComponent(image)}/json`,
    );
    expect(status).toBe(200);
    expect(body.Config).toMatchObject({
      User: "1000:1000",
      Entrypoint: ["node", "/app/mcp-podman.js"],
      Cmd: ["--listen", "0.0.0.0:8080", "--insecure-http"],
      ExposedPorts: { "8080/tcp": {} },
    });
    expect(body.Config.Env).toContain(`CONTAINER_HOST=unix://${SOCKET_IN_CONTAINER}`);
    // libpod's image inspect answers the healthcheck beside Config, not in it.
    expect(body.Healthcheck?.Test?.slice(0, 3)).toEqual(["CMD", "node", "-e"]);
  });

  it("serves MCP through the published port and lists the Podman that runs it, itself included", async () => {
    const url = await runImage(served, "0");

    const unauthenticated = await fetch(`${url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(unauthenticated.status).toBe(401);
    await unauthenticated.text();

    const client = await connectWithToken(url);
    const ps = await callOk<PsResult>(client, "podman_ps", { all: true });
    const itself = ps.containers.find((container) => container.name === served);
    expect(itself).toMatchObject({ image, state: "running" });
    expect(itself!.ports).toContain(`127.0.0.1:${new URL(url).port}->8080/tcp`);
    expect(ps.rendered).toContain(served);

    const health = await podman.request("GET", `/containers/${served}/healthcheck`);
    expect(health.status).toBe(200);
    expect(health.body.Status).toBe("healthy");
  });

  it("as its own non-root user, is refused by a root-only socket (hence --user 0 in the docs)", async () => {
    const url = await runImage(asImageUser, undefined);
    const client = await connectWithToken(url);
    expect(await callError(client, "podman_ps", {})).toBe(
      `Podman unreachable at ${SOCKET_IN_CONTAINER}: permission denied on the socket.`,
    );
  });
});
