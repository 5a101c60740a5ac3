import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

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

/**
 * Static checks of the unit files. That the unit starts, serves and is hardened under a real
 * systemd user manager is proven by systemd-deploy.test.ts.
 */
describe("the systemd user unit files", () => {
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

  it("gives the mount and capability directives the user namespace they need", () => {
    const unit = readFileSync(join(unitDir, "mcp-podman.service"), "utf8");
    // In a user unit without one, PrivateTmp= and the Protect*= mounts are skipped silently
    // and ProtectKernelModules= fails the start with 218/CAPABILITIES.
    expect(unit).toMatch(/^PrivateTmp=yes$/m);
    expect(unit).toMatch(/^ProtectKernelModules=yes$/m);
    expect(unit).toMatch(/^PrivateUsers=yes$/m);
  });
});
