import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  callOk,
  connectHttp,
  startHttpServer,
  testEnv,
  uniqueName,
  MCP_POST_HEADERS,
  initializeRequest,
} from "./harness.js";

const headers = MCP_POST_HEADERS;
const initialize = JSON.stringify(initializeRequest());

describe("limits", () => {
  it("answers 413 to a body over --max-body-bytes", async () => {
    const server = await startHttpServer(["--no-auth", "--max-body-bytes", "1024"]);
    try {
      const big = await fetch(server.url, { method: "POST", headers, body: "x".repeat(4096) });
      expect(big.status).toBe(413);
      expect((await big.json()).error.message).toMatch(/--max-body-bytes/);
      const ok = await fetch(server.url, { method: "POST", headers, body: initialize });
      expect(ok.status).toBe(200);
      await ok.text();
    } finally {
      await server.stop();
    }
  });

  it("refuses a session beyond --max-sessions until one closes", async () => {
    const server = await startHttpServer(["--no-auth", "--max-sessions", "2"]);
    try {
      const first = await connectHttp(server.url);
      const second = await connectHttp(server.url);
      const third = await fetch(server.url, { method: "POST", headers, body: initialize });
      expect(third.status).toBe(503);
      expect((await third.json()).error.message).toMatch(/--max-sessions/);
      // Ending the session (DELETE) frees its place; merely dropping the connection does not.
      await (first.transport as StreamableHTTPClientTransport).terminateSession();
      await first.close();
      await expect
        .poll(async () => {
          const retry = await fetch(server.url, { method: "POST", headers, body: initialize });
          await retry.text();
          return retry.status;
        })
        .toBe(200);
      await second.close();
    } finally {
      await server.stop();
    }
  });

  it("refuses an answer over --max-output-bytes and says how to narrow it", async () => {
    const podman = new PodmanDirect();
    const name = podman.track(uniqueName("big-answer"));
    const server = await startHttpServer(["--no-auth", "--max-output-bytes", "2000"]);
    try {
      const client = await connectHttp(server.url);
      await callOk(client, "podman_run", {
        image: testEnv().PODMAN_TEST_IMAGE,
        name,
        command: ["sleep", "60"],
      });
      const whole = await client.callTool({ name: "podman_inspect", arguments: { name } });
      expect(whole.isError).toBe(true);
      expect(JSON.stringify(whole.content)).toMatch(
        /over the 2000 bytes --max-output-bytes allows/,
      );
      const narrow = await callOk<{ inspect: Record<string, unknown> }>(client, "podman_inspect", {
        name,
        fields: ["State.Status"],
      });
      expect(narrow.inspect["State.Status"]).toBe("running");
      await client.close();
    } finally {
      await server.stop();
      await podman.cleanup();
    }
  });

  it("closes a session left idle for --session-idle-timeout", async () => {
    const server = await startHttpServer(["--no-auth", "--session-idle-timeout", "1"]);
    try {
      const opened = await fetch(server.url, { method: "POST", headers, body: initialize });
      const sessionId = opened.headers.get("mcp-session-id")!;
      await opened.text();
      const list = () =>
        fetch(server.url, {
          method: "POST",
          headers: { ...headers, "mcp-session-id": sessionId },
          body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
        }).then(async (response) => {
          await response.text();
          return response.status;
        });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await expect.poll(list, { timeout: 5000 }).toBe(404);
    } finally {
      await server.stop();
    }
  });
});

/** Removes whatever a compose project left, found by its label. */
async function removeProject(podman: PodmanDirect, project: string) {
  const labelled = encodeURIComponent(
    JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
  );
  const containers = await podman.request("GET", `/containers/json?all=true&filters=${labelled}`);
  for (const { Id } of (containers.body ?? []) as { Id: string }[]) {
    await podman.request("DELETE", `/containers/${Id}?force=true&v=true&timeout=0`);
  }
  const networks = await podman.request("GET", `/networks/json?filters=${labelled}`);
  for (const { name } of (networks.body ?? []) as { name: string }[]) {
    await podman.request("DELETE", `/networks/${name}`);
  }
  const volumes = await podman.request("GET", `/volumes/json?filters=${labelled}`);
  for (const { Name } of (volumes.body ?? []) as { Name: string }[]) {
    await podman.request("DELETE", `/volumes/${Name}?force=true`);
  }
}

describe("audit and secrets", () => {
  const podman = new PodmanDirect();
  let dir: string;
  const token = "audit-token-secret-value";

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mcp-podman-audit-"));
  });
  afterAll(async () => {
    await podman.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes one line per mutating call to --audit-log, naming the token only by its hash", async () => {
    const auditLog = join(dir, "audit.jsonl");
    const tokenFile = join(dir, "tokens");
    writeFileSync(tokenFile, `${token} operate\n`, { mode: 0o600 });
    const server = await startHttpServer(["--token-file", tokenFile, "--audit-log", auditLog]);
    try {
      const client = await connectHttp(server.url, token);
      await client.callTool({ name: "podman_ps", arguments: {} });
      const missing = uniqueName("audited");
      await client.callTool({ name: "podman_stop", arguments: { name: missing } });
      await client.callTool({ name: "podman_rmi", arguments: { reference: missing } });
      await client.close();
      const lines = readFileSync(auditLog, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => [line.tool, line.target, line.outcome])).toEqual([
        ["podman_stop", missing, "not_found"],
        ["podman_rmi", missing, "refused_scope"],
      ]);
      expect(lines[0].token).toMatch(/^[0-9a-f]{8}$/);
      expect(lines[0].session).toEqual(expect.any(String));
      for (const channel of [readFileSync(auditLog, "utf8"), server.stderr.join("\n")]) {
        expect(channel).not.toContain(token);
      }
    } finally {
      await server.stop();
    }
  });

  it("names what compose up created and compose down removed, and why the policy refused a call", async () => {
    const auditLog = join(dir, "compose-audit.jsonl");
    const tokenFile = join(dir, "compose-tokens");
    writeFileSync(tokenFile, `${token} operate\n`, { mode: 0o600 });
    const project = uniqueName("audited").replace(/[^a-z0-9_-]/g, "");
    const refusedProject = `${project}-refused`;
    const secret = "compose-secret-value-for-audit";
    const compose = (extra: string[]) =>
      [
        "services:",
        "  app:",
        `    image: ${testEnv().PODMAN_TEST_IMAGE}`,
        '    command: ["sleep", "600"]',
        `    environment: {DB_PASSWORD: ${secret}}`,
        "    volumes: [data:/data]",
        ...extra,
        "volumes:",
        "  data:",
      ].join("\n");
    const server = await startHttpServer(["--token-file", tokenFile, "--audit-log", auditLog]);
    try {
      const client = await connectHttp(server.url, token);
      await callOk(client, "podman_compose_up", { content: compose([]), project_name: project });
      await callOk(client, "podman_compose_down", {
        project_name: project,
        volumes: true,
        timeout: 0,
      });
      const refused = await client.callTool({
        name: "podman_compose_up",
        arguments: { content: compose(["    privileged: true"]), project_name: refusedProject },
      });
      expect(refused.isError).toBe(true);
      await client.close();

      const lines = readFileSync(auditLog, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => [line.tool, line.target, line.outcome])).toEqual([
        ["podman_compose_up", project, "ok"],
        ["podman_compose_down", project, "ok"],
        ["podman_compose_up", refusedProject, "refused_by_policy"],
      ]);
      const [up, down, refusal] = lines;
      expect(up.created.sort()).toEqual(
        [
          `container/${project}-app-1`,
          `network/${project}_default`,
          `volume/${project}_data`,
        ].sort(),
      );
      expect(up.removed).toBeUndefined();
      expect(down.removed.sort()).toEqual(
        [
          `container/${project}-app-1`,
          `network/${project}_default`,
          `volume/${project}_data`,
        ].sort(),
      );
      expect(refusal.reason).toMatch(
        /privileged containers are refused by policy.*--allow-privileged/,
      );
      expect(refusal.created).toBeUndefined();
      expect(readFileSync(auditLog, "utf8")).not.toContain(secret);
      expect(readFileSync(auditLog, "utf8")).not.toContain("sleep");

      const labelled = encodeURIComponent(
        JSON.stringify({ label: [`com.docker.compose.project=${refusedProject}`] }),
      );
      for (const kind of ["containers/json?all=true&", "networks/json?", "volumes/json?"]) {
        const found = await podman.request("GET", `/${kind}filters=${labelled}`);
        expect(found.body ?? [], kind).toEqual([]);
      }
    } finally {
      await server.stop();
      await removeProject(podman, project);
      await removeProject(podman, refusedProject);
    }
  });

  it("names the pods and containers kube play created and kube down removed, and a refusal's reason", async () => {
    const auditLog = join(dir, "kube-audit.jsonl");
    const tokenFile = join(dir, "kube-tokens");
    writeFileSync(tokenFile, `${token} operate\n`, { mode: 0o600 });
    const pod = uniqueName("audited-pod").replace(/[^a-z0-9-]/g, "");
    const yaml = (extra: string[]) =>
      [
        "apiVersion: v1",
        "kind: Pod",
        `metadata: {name: ${pod}}`,
        "spec:",
        "  containers:",
        "  - name: app",
        `    image: ${testEnv().PODMAN_TEST_IMAGE}`,
        "    command: [sleep, '600']",
        ...extra,
      ].join("\n");
    const server = await startHttpServer(["--token-file", tokenFile, "--audit-log", auditLog]);
    try {
      const client = await connectHttp(server.url, token);
      await callOk(client, "podman_kube_play", { content: yaml([]) });
      await callOk(client, "podman_kube_down", { content: yaml([]) });
      const refused = await client.callTool({
        name: "podman_kube_play",
        arguments: { content: yaml(["    securityContext: {privileged: true}"]) },
      });
      expect(refused.isError).toBe(true);
      await client.close();

      const lines = readFileSync(auditLog, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => [line.tool, line.outcome])).toEqual([
        ["podman_kube_play", "ok"],
        ["podman_kube_down", "ok"],
        ["podman_kube_play", "refused_by_policy"],
      ]);
      const [play, down, refusal] = lines;
      expect(play.created).toEqual([`pod/${pod}`, `container/${pod}-app`]);
      expect(down.removed).toEqual([expect.stringMatching(/^pod\/[0-9a-f]{12}$/)]);
      expect(refusal.reason).toMatch(/privileged containers are refused by policy/);
      expect((await podman.request("GET", `/pods/${pod}/exists`)).status).toBe(404);
    } finally {
      await server.stop();
      await podman.request("DELETE", `/pods/${pod}?force=true`);
    }
  });

  it("hides secret-looking environment values in inspect unless --show-secrets", async () => {
    const name = podman.track(uniqueName("secrets"));
    const hidden = await startHttpServer(["--no-auth"]);
    const shown = await startHttpServer(["--no-auth", "--show-secrets"]);
    try {
      const client = await connectHttp(hidden.url);
      await callOk(client, "podman_run", {
        image: testEnv().PODMAN_TEST_IMAGE,
        name,
        command: ["sleep", "60"],
        env: { DB_PASSWORD: "hunter2", GREETING: "hello" },
      });
      const masked = await callOk<{ inspect: Record<string, string[]> }>(client, "podman_inspect", {
        name,
        fields: ["Config.Env"],
      });
      expect(masked.inspect["Config.Env"]).toContain("GREETING=hello");
      expect(masked.inspect["Config.Env"]!.find((e) => e.startsWith("DB_PASSWORD="))).toMatch(
        /hidden/,
      );
      expect(masked.rendered).not.toContain("hunter2");
      await client.close();

      const revealing = await connectHttp(shown.url);
      const plain = await callOk<{ inspect: Record<string, string[]> }>(
        revealing,
        "podman_inspect",
        {
          name,
          fields: ["Config.Env"],
        },
      );
      expect(plain.inspect["Config.Env"]).toContain("DB_PASSWORD=hunter2");
      await revealing.close();
    } finally {
      await hidden.stop();
      await shown.stop();
    }
  });
});
