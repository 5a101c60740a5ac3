import { spawn } from "node:child_process";
import { mkdtemp, readFile, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface IsolatedPodman {
  root: string;
  socket: string;
  image: string;
}

/** Podman is missing or would not start: the message says what to do, no stack trace needed. */
export class PodmanUnavailable extends Error {}

const script = (repo: string) => join(repo, "test", "env", "podman-test-env.sh");

/** Its output goes to our stderr: package installation and failures show up live. */
function runEnvScript(repo: string, command: "up" | "down", root: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script(repo), command, root], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
  });
}

/**
 * The same isolated Podman as the integration tests (own store, socket and
 * FROM-scratch busybox image). `stop` must run whatever happens after `start`
 * began, so the caller registers it before awaiting `ready`.
 */
export function startIsolatedPodman(repo: string) {
  let root: string | undefined;
  const ready = (async (): Promise<IsolatedPodman> => {
    root = await mkdtemp(join(tmpdir(), "mcp-podman-bench-"));
    const code = await runEnvScript(repo, "up", root);
    if (code !== 0) {
      throw new PodmanUnavailable(
        "The benchmark needs a real Podman and could not start one " +
          `(test/env/podman-test-env.sh up ${root} exited with ${code}; see its output above). ` +
          "As root on Debian the script installs Podman itself; otherwise install podman, runc, " +
          "conmon, busybox-static and docker-registry first.",
      );
    }
    const env = await readEnvFile(join(root, "env"));
    return {
      root,
      socket: required(env, "PODMAN_TEST_SOCKET"),
      image: required(env, "PODMAN_TEST_IMAGE"),
    };
  })();
  const stop = async () => {
    // A "down" racing a still running "up" would leave half of it behind.
    await ready.catch(() => undefined);
    if (!root) return;
    await runEnvScript(repo, "down", root);
    // Left when "up" failed before it wrote anything; never removes a non-empty directory.
    await rmdir(root).catch(() => undefined);
  };
  return { ready, stop };
}

/** The KEY=VALUE lines `podman-test-env.sh up` writes (a value may be single-quoted). */
async function readEnvFile(path: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const line of (await readFile(path, "utf8")).split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (match) env[match[1] as string] = (match[2] as string).replace(/^'(.*)'$/, "$1");
  }
  return env;
}

function required(env: Record<string, string>, key: string): string {
  const value = env[key];
  if (!value) throw new Error(`podman-test-env.sh wrote no ${key}`);
  return value;
}
