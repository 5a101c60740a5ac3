import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The README's "Deploy to a build host", done literally on a real build host: a new non-root
 * user, rootless Podman, a real `systemd --user` manager (test/env/user-manager.sh), the unit
 * exactly as shipped. The agent sits in a network namespace of its own and reaches the server
 * on a veth address, so nothing here is loopback and nothing is started by hand.
 */

const root = join(import.meta.dirname, "..", "..");
const script = join(root, "test", "env", "user-manager.sh");
const bundle = join(root, "dist", "mcp-podman.js");
const unitFile = join(root, "systemd", "mcp-podman.service");
const tokenFileDropIn = join(root, "systemd", "token-file.conf");
const agentScript = join(import.meta.dirname, "deploy-agent.mjs");
const TIMEOUT_STOP_SEC = 40;

interface DeployEnv {
  DEPLOY_USER: string;
  DEPLOY_UID: string;
  DEPLOY_HOME: string;
  DEPLOY_NS_PID: string;
  DEPLOY_IMAGE: string;
  DEPLOY_NETNS: string;
  DEPLOY_HOST_ADDR: string;
}

let dir: string;
let env: DeployEnv;
let agent: RemoteAgent | undefined;
let token: string;
let url: string;

/** A command as the deploy user, in the manager's mount namespace, as after `ssh user@host`. */
function asUser(command: string[], input?: string) {
  const result = spawnSync(
    "nsenter",
    [
      "-t",
      env.DEPLOY_NS_PID,
      "-m",
      "--",
      "setpriv",
      `--reuid=${env.DEPLOY_UID}`,
      `--regid=${env.DEPLOY_UID}`,
      "--init-groups",
      "--reset-env",
      "--",
      "env",
      `HOME=${env.DEPLOY_HOME}`,
      `USER=${env.DEPLOY_USER}`,
      `XDG_RUNTIME_DIR=/run/user/${env.DEPLOY_UID}`,
      "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
      ...command,
    ],
    { encoding: "utf8", input, timeout: 60_000 },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function asUserOk(command: string[], input?: string): string {
  const result = asUser(command, input);
  if (result.status !== 0) {
    throw new Error(`${command.join(" ")} exited ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}

const sh = (script: string) => asUserOk(["bash", "-euc", script]);

function unitProperty(name: string): string {
  return asUserOk(["systemctl", "--user", "show", "-P", name, "mcp-podman"]).trim();
}

async function eventually<T>(seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function until<T>(what: string, seconds: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function runningPid(): number | undefined {
  const pid = Number(unitProperty("MainPID"));
  return unitProperty("ActiveState") === "active" && pid > 0 ? pid : undefined;
}

interface Answer {
  ok: boolean;
  result?: Record<string, unknown>;
  error?: string;
}

/** deploy-agent.mjs inside the agent's network namespace. */
class RemoteAgent {
  private next = 1;
  private waiting = new Map<number, (answer: Answer) => void>();
  readonly process: ChildProcess;

  constructor(netns: string, serverUrl: string, caFile: string) {
    this.process = spawn(
      "ip",
      ["netns", "exec", netns, process.execPath, agentScript, serverUrl, caFile],
      {
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    createInterface({ input: this.process.stdout! }).on("line", (line) => {
      const answer = JSON.parse(line) as Answer & { id: number };
      this.waiting.get(answer.id)?.(answer);
      this.waiting.delete(answer.id);
    });
  }

  request(body: Record<string, unknown>): Promise<Answer> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.process.stdin!.write(JSON.stringify({ id, ...body }) + "\n");
    });
  }

  async ok(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = await this.request(body);
    if (!answer.ok) throw new Error(answer.error);
    return answer.result!;
  }

  async call<T>(name: string, args: Record<string, unknown>): Promise<T> {
    const result = await this.ok({ op: "call", name, arguments: args });
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
    return result.structured as T;
  }
}

function readEnv(text: string): DeployEnv {
  return Object.fromEntries(
    text
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  ) as unknown as DeployEnv;
}

function down() {
  agent?.process.kill("SIGKILL");
  if (dir) execFileSync("bash", [script, "down", dir], { stdio: ["ignore", "ignore", "inherit"] });
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the deploy test creates a user: run it as root");
  dir = mkdtempSync("/tmp/mcp-podman-deploy-");
  env = readEnv(
    execFileSync("bash", [script, "up", dir], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }),
  );

  // "From your machine": the bundle and the unit.
  sh("mkdir -p ~/.local/lib/mcp-podman ~/.config/systemd/user");
  const copy = (from: string, to: string) =>
    asUserOk(
      ["sh", "-c", 'cat >"$1"', "copy", `${env.DEPLOY_HOME}/${to}`],
      readFileSync(from, "utf8"),
    );
  copy(bundle, ".local/lib/mcp-podman/mcp-podman.js");
  copy(unitFile, ".config/systemd/user/mcp-podman.service");
  // "On the build host", the README's commands; the certificate also names the veth address.
  sh(`mkdir -p ~/.config/mcp-podman && chmod 700 ~/.config/mcp-podman
umask 077
openssl rand -hex 32 > ~/.config/mcp-podman/token
openssl req -x509 -newkey rsa:3072 -nodes -days 1 -subj "/CN=$(hostname -f)" \\
  -addext "subjectAltName=DNS:$(hostname -f),IP:${env.DEPLOY_HOST_ADDR}" \\
  -keyout ~/.config/mcp-podman/tls.key -out ~/.config/mcp-podman/tls.crt 2>/dev/null
systemctl --user enable --now podman.socket
systemctl --user daemon-reload
systemctl --user enable --now mcp-podman.service`);
  token = readFileSync(join(env.DEPLOY_HOME, ".config", "mcp-podman", "token"), "utf8").trim();
  const ca = join(dir, "tls.crt");
  copyFileSync(join(env.DEPLOY_HOME, ".config", "mcp-podman", "tls.crt"), ca);

  url = `https://${env.DEPLOY_HOST_ADDR}:8443/mcp`;
  agent = new RemoteAgent(env.DEPLOY_NETNS, url, ca);
  const readyz = `https://${env.DEPLOY_HOST_ADDR}:8443/readyz`;
  try {
    await eventually(30, async () => {
      const answer = await agent!.request({ op: "fetch", url: readyz });
      return answer.ok && answer.result!.status === 200 ? true : undefined;
    });
  } catch {
    const journal = asUser(["journalctl", "--user", "-u", "mcp-podman", "-n", "20", "--no-pager"]);
    throw new Error(`the deployed server never answered ${readyz}:\n${journal.stdout}`);
  }
}, 180_000);

afterAll(down, 120_000);

describe("deployed as the README says, on a real systemd user manager", () => {
  it("runs the shipped unit under the user's manager, as that user", () => {
    const pid = runningPid();
    expect(pid).toBeGreaterThan(0);
    expect(statSync(`/proc/${pid}`).uid).toBe(Number(env.DEPLOY_UID));
    expect(unitProperty("FragmentPath")).toBe(
      `${env.DEPLOY_HOME}/.config/systemd/user/mcp-podman.service`,
    );
    expect(readFileSync(unitProperty("FragmentPath"), "utf8")).toBe(readFileSync(unitFile, "utf8"));
    expect(asUserOk(["systemctl", "--user", "is-active", "podman.socket"]).trim()).toBe("active");
  });

  it("applies every hardening directive, as seen from outside", () => {
    const pid = runningPid()!;
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    // RestrictNamespaces=, RestrictRealtime=, RestrictSUIDSGID=, LockPersonality= and
    // SystemCallArchitectures= are seccomp filters.
    expect(status).toMatch(/^Seccomp:\s+2$/m);
    expect(Number(/^Seccomp_filters:\s+(\d+)$/m.exec(status)?.[1])).toBeGreaterThanOrEqual(4);
    expect(/^Umask:\s+(\d+)$/m.exec(status)?.[1]).toBe("0077");
    // ProtectKernelModules=: CAP_SYS_MODULE (bit 16) gone from the bounding set.
    const bounding = BigInt(`0x${/^CapBnd:\s+([0-9a-f]+)$/m.exec(status)![1]}`);
    expect(bounding & (1n << 16n)).toBe(0n);
    expect(bounding & (1n << 0n)).not.toBe(0n);

    // PrivateUsers=: its own user namespace mapping only the user itself.
    expect(readlinkSync(`/proc/${pid}/ns/user`)).not.toBe(readlinkSync("/proc/self/ns/user"));
    expect(readFileSync(`/proc/${pid}/uid_map`, "utf8").trim().split(/\s+/)).toEqual([
      env.DEPLOY_UID,
      env.DEPLOY_UID,
      "1",
    ]);

    // The mount namespace directives: /, /proc/sys, /sys and the cgroups read-only; /tmp its own.
    const mounts = new Map(
      readFileSync(`/proc/${pid}/mountinfo`, "utf8")
        .trim()
        .split("\n")
        .map((line) => line.split(" "))
        .map((fields) => [fields[4]!, { root: fields[3]!, options: fields[5]!.split(",") }]),
    );
    for (const point of ["/", "/proc/sys", "/sys", "/sys/fs/cgroup"]) {
      expect(mounts.get(point)?.options, point).toContain("ro");
    }
    expect(mounts.get("/tmp")?.root).toMatch(/systemd-private-.*-mcp-podman\.service-.*\/tmp$/);
    expect(mounts.get("/var/tmp")?.root).toMatch(/systemd-private-.*-mcp-podman\.service-.*\/tmp$/);

    // A write attempt inside its namespaces, as the service's own user.
    const inside = (command: string) =>
      spawnSync(
        "nsenter",
        [
          "-t",
          String(pid),
          "-U",
          "-m",
          "--preserve-credentials",
          "-S",
          env.DEPLOY_UID,
          "-G",
          env.DEPLOY_UID,
          "sh",
          "-c",
          command,
        ],
        { encoding: "utf8" },
      );
    const home = inside(`touch ${env.DEPLOY_HOME}/written-by-service`);
    expect(home.status).not.toBe(0);
    expect(home.stderr).toMatch(/Read-only file system/);
    const runtime = inside(`touch /run/user/${env.DEPLOY_UID}/written-by-service`);
    expect(runtime.stderr).toMatch(/Read-only file system/);
    // The same user outside the unit can write $HOME: the refusal is the unit's doing.
    sh("touch ~/written-by-user && rm ~/written-by-user");

    const marker = `host-tmp-${process.pid}`;
    sh(`touch /tmp/${marker}`);
    try {
      const tmp = inside(`ls -A /tmp; touch /tmp/own && echo writable`);
      expect(tmp.stdout).not.toContain(marker);
      expect(tmp.stdout).toContain("writable");
    } finally {
      sh(`rm -f /tmp/${marker}`);
    }
  });

  it("keeps the token and the TLS key where the unit says, and nowhere else", () => {
    const pid = runningPid()!;
    const credentials = `/run/user/${env.DEPLOY_UID}/credentials/mcp-podman.service`;
    const listing = asUserOk([
      "stat",
      "-c",
      "%n %a %u",
      `${credentials}/token`,
      `${credentials}/tls.key`,
    ]);
    expect(listing.trim().split("\n")).toEqual([
      `${credentials}/token 400 ${env.DEPLOY_UID}`,
      `${credentials}/tls.key 400 ${env.DEPLOY_UID}`,
    ]);
    // Readable by any process of the user, as the unit's comment says.
    expect(asUserOk(["cat", `${credentials}/token`]).trim()).toBe(token);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    expect(cmdline).toContain(`${credentials}/token`);
    expect(cmdline).not.toContain(token);
    expect(environ).not.toContain(token);
    expect(asUserOk(["systemctl", "--user", "show", "mcp-podman"])).not.toContain(token);
  });

  it("answers 401 to a wrong token or none, from the other host", async () => {
    const wrong = await agent!.ok({ op: "fetch", url, method: "POST", token: `${token}x` });
    expect(wrong.status).toBe(401);
    const none = await agent!.ok({ op: "fetch", url, method: "POST" });
    expect(none.status).toBe(401);
  });

  it("does real work on the user's rootless Podman for an agent on another host", async () => {
    await agent!.ok({ op: "connect", token });
    const name = `web-${process.pid}`;
    const tag = `localhost/mcp-podman-deploy/built:${process.pid}`;
    const port = 20_000 + (process.pid % 20_000);
    try {
      const run = await agent!.call<{ name: string; state: string; ports: string[] }>(
        "podman_run",
        {
          image: env.DEPLOY_IMAGE,
          name,
          command: ["httpd", "-f", "-v", "-p", "80", "-h", "/bin"],
          ports: [`${env.DEPLOY_HOST_ADDR}:${port}:80`],
        },
      );
      expect(run).toMatchObject({ name, state: "running" });
      // Rootless: the container's processes belong to the user, not root.
      const owners = asUserOk(["podman", "top", name, "huser"]);
      expect(owners.trim().split("\n").slice(1)).toEqual([env.DEPLOY_UID]);

      const web = await eventually(15, async () => {
        const answer = await agent!.request({
          op: "fetch",
          url: `http://${env.DEPLOY_HOST_ADDR}:${port}/busybox`,
        });
        return answer.ok ? answer.result! : undefined;
      });
      expect(web.status).toBe(200);

      const logs = await agent!.call<{ text: string }>("podman_logs", { name });
      // busybox httpd -v logs each answer, from slirp4netns's side of the rootless network.
      expect(logs.text).toMatch(/response:200/);

      const built = await agent!.call<{ id: string }>("podman_build", {
        tag,
        containerfile: `FROM ${env.DEPLOY_IMAGE}\nRUN echo deployed > /deployed.txt\n`,
      });
      expect(built.id).toBeTruthy();
      expect(asUserOk(["podman", "image", "exists", tag])).toBe("");

      await agent!.call("podman_rm", { name, force: true, timeout: 0 });
      await agent!.call("podman_rmi", { reference: tag });
    } finally {
      asUser(["podman", "rm", "-f", "-t", "0", name]);
      asUser(["podman", "rmi", "-f", tag]);
    }
    expect(asUserOk(["podman", "ps", "-a", "--format", "{{.Names}}"]).trim()).toBe("");
    expect(asUser(["podman", "image", "exists", tag]).status).toBe(1);
  });

  it("is brought back by systemd after kill -9, and the agent goes on", async () => {
    const before = runningPid()!;
    process.kill(before, "SIGKILL");
    const after = await until("the restarted server", 20, () => {
      const pid = runningPid();
      return pid && pid !== before ? pid : undefined;
    });
    expect(after).not.toBe(before);
    await eventually(20, async () =>
      (await agent!.request({ op: "connect", token })).ok ? true : undefined,
    );
    const listed = await agent!.call<{ containers: unknown[] }>("podman_ps", { all: true });
    expect(listed.containers).toEqual([]);
  });

  it("logs JSON lines to the user's journal", () => {
    const lines = asUserOk(["journalctl", "--user", "-u", "mcp-podman", "-o", "cat", "--no-pager"])
      .split("\n")
      .filter((line) => line.startsWith("{"));
    expect(lines.length).toBeGreaterThan(2);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.some((record) => typeof record.url === "string")).toBe(true);
  });

  it("stops cleanly within TimeoutStopSec on systemctl --user stop, a session still open", async () => {
    await agent!.call("podman_ps", { all: true });
    const started = Date.now();
    asUserOk(["systemctl", "--user", "stop", "mcp-podman"]);
    const seconds = (Date.now() - started) / 1000;
    expect(unitProperty("TimeoutStopUSec")).toBe(`${TIMEOUT_STOP_SEC}s`);
    expect(seconds).toBeLessThan(TIMEOUT_STOP_SEC);
    expect(unitProperty("ActiveState")).toBe("inactive");
    expect(unitProperty("Result")).toBe("success");
    expect(unitProperty("ExecMainCode")).toBe("1"); // CLD_EXITED: it exited, was not killed
    expect(unitProperty("ExecMainStatus")).toBe("0");
  });

  it("serves the same way with the token-file drop-in, reading the 0600 files directly", async () => {
    sh("mkdir -p ~/.config/systemd/user/mcp-podman.service.d");
    const dropIn = ".config/systemd/user/mcp-podman.service.d/token-file.conf";
    asUserOk(
      ["sh", "-c", 'cat >"$1"', "copy", `${env.DEPLOY_HOME}/${dropIn}`],
      readFileSync(tokenFileDropIn, "utf8"),
    );
    sh("systemctl --user daemon-reload && systemctl --user start mcp-podman");
    try {
      const pid = await until("the server with the drop-in", 20, runningPid);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      expect(cmdline).toContain(`${env.DEPLOY_HOME}/.config/mcp-podman/token`);
      expect(cmdline).toContain(`${env.DEPLOY_HOME}/.config/mcp-podman/tls.key`);
      await eventually(20, async () =>
        (await agent!.request({ op: "connect", token })).ok ? true : undefined,
      );
      const listed = await agent!.call<{ containers: unknown[] }>("podman_ps", { all: true });
      expect(listed.containers).toEqual([]);
      const wrong = await agent!.ok({ op: "fetch", url, method: "POST", token: `${token}x` });
      expect(wrong.status).toBe(401);
      await agent!.request({ op: "close" });
    } finally {
      sh(`systemctl --user stop mcp-podman; rm ~/${dropIn}; systemctl --user daemon-reload`);
    }
    expect(unitProperty("Result")).toBe("success");
  });
});
