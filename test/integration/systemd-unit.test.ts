import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle, testEnv } from "./harness.js";

const unitDir = join(import.meta.dirname, "..", "..", "systemd");

/** systemd-analyze exits 0 on mere warnings, so any output at all is a failure. */
function verify(unitPath: string, unitSearchPath?: string) {
  const runtimeDir = mkdtempSync(join(tmpdir(), "mcp-podman-xdg-"));
  try {
    return spawnSync("systemd-analyze", ["--user", "verify", unitPath], {
      encoding: "utf8",
      env: {
        ...process.env,
        XDG_RUNTIME_DIR: runtimeDir,
        ...(unitSearchPath ? { SYSTEMD_UNIT_PATH: `${unitSearchPath}:` } : {}),
      },
    });
  } finally {
    rmSync(runtimeDir, { recursive: true, force: true });
  }
}

/** The unit's ExecStart= arguments after the interpreter, continuation lines joined. */
function execStartArguments(unitText: string): string[] {
  const joined = unitText.replace(/\\\n\s*/g, " ");
  const line = joined.split("\n").find((l) => /^ExecStart=\S/.test(l))!;
  return line
    .replace(/^ExecStart=\/usr\/bin\/env node \S+\s*/, "")
    .split(/\s+/)
    .filter(Boolean);
}

describe("the systemd user unit", () => {
  let home: string;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), "mcp-podman-home-"));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("passes systemd-analyze verify, alone and with the token-file drop-in", () => {
    const alone = verify(join(unitDir, "mcp-podman.service"));
    expect(alone.stderr + alone.stdout).toBe("");
    expect(alone.status).toBe(0);

    const units = join(home, "units");
    mkdirSync(join(units, "mcp-podman.service.d"), { recursive: true });
    cpSync(join(unitDir, "mcp-podman.service"), join(units, "mcp-podman.service"));
    cpSync(
      join(unitDir, "token-file.conf"),
      join(units, "mcp-podman.service.d", "token-file.conf"),
    );
    const withDropIn = verify(join(units, "mcp-podman.service"), units);
    expect(withDropIn.stderr + withDropIn.stdout).toBe("");
    expect(withDropIn.status).toBe(0);
  });

  it("keeps the token out of the unit and the environment", () => {
    const unit = readFileSync(join(unitDir, "mcp-podman.service"), "utf8");
    expect(unit).not.toMatch(/MCP_PODMAN_TOKEN/);
    expect(unit).toMatch(/^LoadCredential=token:%h\/\.config\/mcp-podman\/token$/m);
    expect(unit).toMatch(/^Environment=CONTAINER_HOST=unix:\/\/%t\/podman\/podman\.sock$/m);
  });

  it("starts the bundle with exactly the unit's command line, serving HTTPS", async () => {
    const credentials = join(home, "credentials");
    const config = join(home, ".config", "mcp-podman");
    mkdirSync(credentials, { recursive: true });
    mkdirSync(config, { recursive: true });
    writeFileSync(join(credentials, "token"), "unit-token\n", { mode: 0o600 });
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-keyout",
        join(credentials, "tls.key"),
        "-out",
        join(config, "tls.crt"),
      ],
      { stdio: "ignore" },
    );

    const unit = readFileSync(join(unitDir, "mcp-podman.service"), "utf8");
    const args = execStartArguments(unit).map((arg) =>
      arg
        .replaceAll("%h", home)
        .replaceAll("${CREDENTIALS_DIRECTORY}", credentials)
        // Any free port instead of 8443, so the test never collides.
        .replace(/^0\.0\.0\.0:8443$/, "127.0.0.1:0"),
    );
    expect(args).toContain("--tls-cert");
    // The unit runs the bundle with Node, whichever runtime this suite tests.
    const child = spawn(process.execPath, [bundle, ...args], {
      env: {
        ...process.env,
        CONTAINER_HOST: `unix://${testEnv().PODMAN_TEST_SOCKET}`,
        MCP_PODMAN_TOKEN: "",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stderr! }).on("line", (line) => {
          const found = /"url":"([^"]+)"/.exec(line)?.[1];
          if (found) resolve(found);
        });
        child.once("exit", (code) => reject(new Error(`exited with ${code}`)));
      });
      expect(url).toMatch(/^https:\/\//);
      const insecure = new Agent({ connect: { rejectUnauthorized: false } });
      const ready = await fetch(new URL("/readyz", url), { dispatcher: insecure });
      expect(ready.status).toBe(200);
      const unauthorized = await fetch(url, { method: "POST", dispatcher: insecure });
      expect(unauthorized.status).toBe(401);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
