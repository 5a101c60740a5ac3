import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import {
  type AddressInfo,
  type Server as TcpServer,
  createServer as createTcpServer,
} from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  type RunningServer,
  call,
  callError,
  callOk,
  connectHttp,
  startHttpServer,
  testEnv,
  textOf,
  uniqueName,
} from "./harness.js";

/*
 * An attacker with an operate token against a server started with
 * --allowed-registries localhost: builds and image tools must neither read
 * host files, nor pull from another registry, nor reach the host's network.
 */

const OPERATOR = `operator-${uniqueName("token")}`;
const MANAGED = "io.mcp-podman.managed";
const image = () => testEnv().PODMAN_TEST_IMAGE;
const registry = () => testEnv().PODMAN_TEST_REGISTRY;

interface BuildAnswer {
  id: string;
  log: { text: string };
}

/** Every image in the store, as "id name name ...", to see that nothing arrived. */
async function imageInventory(podman: PodmanDirect): Promise<string[]> {
  const { body } = await podman.request("GET", "/images/json?all=true");
  return ((body ?? []) as { Id: string; RepoTags?: string[] | null }[])
    .map((entry) => [entry.Id, ...(entry.RepoTags ?? [])].sort().join(" "))
    .sort();
}

/** A loopback TCP service on the host that answers a secret and counts who asked. */
function hostLoopbackService(
  secret: string,
): Promise<{ port: number; hits: () => number; server: TcpServer }> {
  let hits = 0;
  const server = createTcpServer((socket) => {
    hits += 1;
    socket.end(`${secret}\n`);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ port: (server.address() as AddressInfo).port, hits: () => hits, server }),
    ),
  );
}

/** A loopback HTTP server that serves anything and counts requests. */
function hostHttpService(
  body: string,
): Promise<{ url: string; hits: () => number; server: Server }> {
  let hits = 0;
  const server = createServer((_request, response) => {
    hits += 1;
    response.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        hits: () => hits,
        server,
      }),
    ),
  );
}

/** The podman CLI that matches the Podman under test (a 4.3 client cannot parse 5.x push answers). */
const podmanCli = (...args: string[]) => {
  const [command, ...remote] = testEnv().PODMAN_TEST_PODMAN_REMOTE.split(" ");
  return execFileSync(command!, [...remote, ...args], { stdio: ["ignore", "pipe", "pipe"] });
};

describe("an operate token attacking builds and image tools", () => {
  const podman = new PodmanDirect();
  const dir = mkdtempSync(join(tmpdir(), "mcp-attack-build-"));
  const contexts = join(dir, "contexts");
  const secret = `HOST-SECRET-${uniqueName("s")}`;
  const secretFile = join(dir, "secret.txt");
  const foreign = `${registry()}/attack/${uniqueName("base")}:1`;
  const createdTags = new Set<string>();
  let guarded: RunningServer;
  let networked: RunningServer;
  let client: Client;
  let loopback: Awaited<ReturnType<typeof hostLoopbackService>>;
  let web: Awaited<ReturnType<typeof hostHttpService>>;

  const serverArgs = (extra: string[]) => {
    const tokenFile = join(dir, `tokens-${extra.length}`);
    writeFileSync(tokenFile, `${OPERATOR} operate\n`, { mode: 0o600 });
    return [
      "--token-file",
      tokenFile,
      "--allowed-registries",
      "localhost",
      "--allow-read",
      contexts,
      ...extra,
    ];
  };

  /** Nothing the attacker's calls could have pulled or built arrived in the store. */
  const expectNoNewImages = async (baseline: string[]) =>
    expect(await imageInventory(podman)).toEqual(baseline);

  const everythingSaid = (result: unknown) => JSON.stringify(result);

  beforeAll(async () => {
    mkdirSync(join(contexts, "app"), { recursive: true });
    writeFileSync(secretFile, `${secret}\n`);
    writeFileSync(
      join(contexts, "app", "Containerfile"),
      `FROM ${image()}\nCOPY data.txt /data.txt\n`,
    );
    writeFileSync(join(contexts, "app", "data.txt"), "context data\n");

    // An image that only the loopback registry has: pulling it would be visible in the store.
    const foreignContext = join(dir, "foreign");
    mkdirSync(foreignContext);
    writeFileSync(
      join(foreignContext, "Containerfile"),
      `FROM ${image()}\nLABEL attack.foreign=${secret}\n`,
    );
    podmanCli("build", "-q", "-t", foreign, foreignContext);
    podmanCli("push", "--tls-verify=false", foreign);
    podmanCli("rmi", foreign);

    loopback = await hostLoopbackService(secret);
    web = await hostHttpService(secret);
    guarded = await startHttpServer(serverArgs([]));
    networked = await startHttpServer(serverArgs(["--allow-build-network"]));
    client = await connectHttp(guarded.url, OPERATOR);
  });

  afterAll(async () => {
    await client?.close();
    await guarded?.stop();
    await networked?.stop();
    loopback?.server.close();
    web?.server.close();
    for (const tag of [...createdTags, foreign]) {
      await podman.request("DELETE", `/images/${encodeURIComponent(tag)}?force=true`);
    }
    await podman.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const build = (args: Record<string, unknown>, on = client) => call(on, "podman_build", args);
  const tag = (name: string) => {
    const full = `localhost/attack-build/${uniqueName(name)}:1`;
    createdTags.add(full);
    return full;
  };

  it("never lets containerfile_path name a host file: not as a JSON list, not as a path", async () => {
    const baseline = await imageInventory(podman);
    for (const containerfilePath of [
      JSON.stringify([secretFile]),
      JSON.stringify(["/etc/passwd"]),
      `[${JSON.stringify(secretFile)}, "Containerfile"]`,
      `../../${secretFile}`,
      secretFile,
    ]) {
      const answer = await build({
        tag: tag("json-path"),
        context_dir: join(contexts, "app"),
        containerfile_path: containerfilePath,
      });
      expect(answer.isError, containerfilePath).toBe(true);
      expect(everythingSaid(answer), containerfilePath).not.toContain(secret);
      expect(everythingSaid(answer), containerfilePath).not.toMatch(/root:x?:0:0/);
      expect(everythingSaid(answer)).not.toContain(OPERATOR);
    }
    await expectNoNewImages(baseline);
  });

  it("never lets containerfile_path make Podman fetch a URL", async () => {
    const baseline = await imageInventory(podman);
    for (const url of [`${web.url}/Containerfile`, `${web.url.replace("http", "https")}/x`]) {
      const answer = await build({
        tag: tag("url-path"),
        context_dir: join(contexts, "app"),
        containerfile_path: url,
      });
      expect(answer.isError, url).toBe(true);
    }
    await expectNoNewImages(baseline);
    expect(web.hits()).toBe(0);
  });

  it("with an inline Containerfile, uses containerfile_path only as the text's name in the context", async () => {
    for (const containerfilePath of [JSON.stringify([secretFile]), `${web.url}/Containerfile`]) {
      const answer = await build({
        tag: tag("inline-path"),
        containerfile: `FROM ${image()}\n`,
        containerfile_path: containerfilePath,
      });
      expect(textOf(answer), containerfilePath).not.toContain(secret);
    }
    expect(web.hits()).toBe(0);
  });

  it("refuses every spelling of FROM that would pull from another registry, and pulls nothing", async () => {
    const local = image();
    const spellings = [
      `FROM ${foreign}`,
      `ARG B=${foreign}\nFROM $B`,
      `ARG B=${foreign}\nFROM \${B}`,
      `FROM "${foreign}"`,
      `FROM ${foreign.replace("/", "\\/")}`,
      `FROM --platform=linux/amd64 ${foreign}`,
      `FROM \\\n${foreign}`,
      `FROM ${local} \\\n# a comment Buildah drops\nAS x\nFROM ${foreign}`,
      `# escape=\`\nFROM ${foreign}`,
      `# syntax=${foreign}\nFROM ${local}`,
      `FROM ${local} AS base\nFROM base\nCOPY --from=${foreign} /bin/sh /x`,
      `FROM ${local}\nRUN --mount=type=bind,from=${foreign},target=/m true`,
      `FROM ${local}\nRUN --mount=type=cache,from=${foreign},target=/m true`,
      `FROM later\nFROM ${foreign} AS later`,
      `FROM ${local} AS Base\nFROM base`,
      `FROM ${foreign.toUpperCase()}`,
      `FROM docker-archive:${secretFile}`,
      `FROM oci-archive:${secretFile}`,
      `FROM dir:${dir}`,
      `FROM docker://${foreign}`,
      `FROM busybox`,
      `FROM ${local}\nONBUILD FROM ${foreign}`,
      `FROM ${local}\nRUN <<EOF\ntrue\nEOF\nFROM ${foreign}`,
    ];
    const baseline = await imageInventory(podman);
    for (const containerfile of spellings) {
      const answer = await build({ tag: tag("from"), containerfile });
      expect(answer.isError, containerfile).toBe(true);
      expect(textOf(answer), containerfile).toMatch(
        /refused|cannot|not an image reference|transport/i,
      );
      expect(everythingSaid(answer)).not.toContain(secret);
    }
    await expectNoNewImages(baseline);
  });

  it("refuses RUN mounts that reach host files", async () => {
    const baseline = await imageInventory(podman);
    for (const mount of [
      "type=bind,source=/,target=/h",
      `type=bind,source=${dir},target=/h`,
      "source=/,target=/h",
      `type=cache,id=../../../../../../..${dir},target=/h`,
      "type=cache,source=../../..,target=/h",
      "type=secret,id=x,src=/etc/shadow",
    ]) {
      const answer = await build({
        tag: tag("mount"),
        containerfile: `FROM ${image()}\nRUN --mount=${mount} cat /h/secret.txt`,
      });
      expect(answer.isError, mount).toBe(true);
      expect(everythingSaid(answer), mount).not.toContain(secret);
    }
    await expectNoNewImages(baseline);
  });

  it("refuses ADD and COPY of URLs without --allow-build-network, fetching nothing", async () => {
    const baseline = await imageInventory(podman);
    for (const line of [
      `ADD ${web.url}/payload /payload`,
      `ADD ["${web.url}/payload", "/payload"]`,
      `COPY ${web.url}/payload /payload`,
      `ARG U=${web.url}/payload\nADD $U /payload`,
      `ADD git@127.0.0.1:repo.git /src`,
    ]) {
      const answer = await build({
        tag: tag("add-url"),
        containerfile: `FROM ${image()}\n${line}`,
      });
      expect(answer.isError, line).toBe(true);
    }
    expect(web.hits()).toBe(0);
    await expectNoNewImages(baseline);
  });

  it("refuses podman_pull from another registry, and a transport that reads host paths", async () => {
    const baseline = await imageInventory(podman);
    for (const reference of [
      foreign,
      "busybox",
      "localhost/mcp-podman-test/busybox:latest",
      `docker-archive:${secretFile}`,
      `dir:${dir}`,
      `oci-archive:${secretFile}`,
    ]) {
      const message = await callError(client, "podman_pull", { reference, tls_verify: false });
      expect(message, reference).toMatch(/refused|transport|names a local image/);
      expect(message).not.toContain(secret);
    }
    await expectNoNewImages(baseline);
  });

  it("refuses to tag an image from another registry into an allowed name", async () => {
    podmanCli("pull", "-q", "--tls-verify=false", foreign);
    const laundered = tag("laundered");
    const message = await callError(client, "podman_tag", { source: foreign, target: laundered });
    expect(message).toMatch(/neither comes from localhost nor was built by this server/);
    const exists = await podman.request("GET", `/images/${encodeURIComponent(laundered)}/exists`);
    expect(exists.status).toBe(404);
    expect(
      await callError(client, "podman_tag", { source: image(), target: `${registry()}/x/y:1` }),
    ).toMatch(/comes from 127\.0\.0\.1/);
    await podman.request("DELETE", `/images/${encodeURIComponent(foreign)}`);

    const renamed = tag("renamed");
    await callOk(client, "podman_tag", { source: image(), target: renamed });
    const tagged = await podman.request("GET", `/images/${encodeURIComponent(renamed)}/exists`);
    expect(tagged.status).toBe(204);
  });

  it("gives RUN no network by default: no host interfaces, no host loopback service", async () => {
    const built = await callOk<BuildAnswer>(client, "podman_build", {
      tag: tag("no-network"),
      containerfile: [
        `FROM ${image()}`,
        `RUN echo ifaces: $(ls /sys/class/net); nc -w 2 127.0.0.1 ${loopback.port} </dev/null || echo unreachable`,
      ].join("\n"),
      no_cache: true,
    });
    expect(built.log.text).toMatch(/^ifaces: lo$/m);
    expect(built.log.text).toContain("unreachable");
    expect(built.log.text).not.toContain(secret);
    expect(loopback.hits()).toBe(0);
  });

  it("with --allow-build-network gives RUN a network of its own, still not the host's", async () => {
    const open = await connectHttp(networked.url, OPERATOR);
    try {
      const built = await callOk<BuildAnswer>(open, "podman_build", {
        tag: tag("network"),
        containerfile: [
          `FROM ${image()}`,
          `RUN echo ifaces: $(ls /sys/class/net); nc -w 2 127.0.0.1 ${loopback.port} </dev/null || echo unreachable`,
        ].join("\n"),
        no_cache: true,
      });
      expect(built.log.text).toMatch(/^ifaces: eth0 lo$/m);
      expect(built.log.text).toContain("unreachable");
      expect(loopback.hits()).toBe(0);

      // What the README must say: ADD of a URL is fetched by the Podman service
      // itself, in the host's network namespace, so with the flag it reaches host loopback.
      await callOk(open, "podman_build", {
        tag: tag("network-add"),
        containerfile: `FROM ${image()}\nADD ${web.url}/payload /payload\n`,
      });
      expect(web.hits()).toBe(1);
    } finally {
      await open.close();
    }
  });

  it("still builds legitimately, inline and from an allowed context directory", async () => {
    const inline = tag("inline");
    await callOk(client, "podman_build", {
      tag: inline,
      containerfile: `from ${image()}\nrun echo ok > /ok \\\n  && true\nCOPY note.txt /note.txt\n`,
      files: { "note.txt": "note\n" },
    });
    const fromDir = tag("context");
    await callOk(client, "podman_build", { tag: fromDir, context_dir: join(contexts, "app") });
    for (const name of [inline, fromDir]) {
      const inspected = await podman.request("GET", `/images/${encodeURIComponent(name)}/json`);
      expect(inspected.status, name).toBe(200);
      expect(inspected.body.Labels[MANAGED]).toBeDefined();
    }
    const run = await callOk<{ logs: { text: string } }>(client, "podman_run", {
      image: fromDir,
      name: podman.track(uniqueName("attack-build")),
      command: ["sh", "-c", "cat /data.txt; ls -A /"],
      detach: false,
    });
    expect(run.logs.text).toContain("context data");
    expect(run.logs.text).not.toContain(".mcp-podman");
  });
});
