import { createServer } from "node:net";
import type { ContainerAgent } from "./agent.js";
import type { WorkflowFigure, WorkflowRun } from "./figures.js";
import type { Libpod } from "./libpod.js";
import type { CountedStdioTransport } from "./wire-bytes.js";
import {
  type Created,
  WORKFLOWS,
  type WorkflowFixture,
  type WorkflowVariant,
} from "./workflows.js";

const PAGE = "hello from the mcp-podman bench";

/**
 * Seconds the web server takes before it listens, as a real service takes to
 * start: without them the first look finds it ready and polling costs nothing.
 */
export const WEB_STARTUP_SECONDS = 3;

/** A shell line running `command` as a child that a SIGTERM to the shell ends. */
export const UNTIL_TERM = (command: string) => `trap 'exit 0' TERM; ${command} & wait`;

const ignoreMissing = (error: unknown) => {
  if (!/HTTP 404/.test((error as Error).message)) throw error;
};

/**
 * The web server image: the test image with `httpd` as its command and a page
 * to serve, so that a server whose run tool takes no command can start it too.
 * Made by committing a container that wrote the page; answers its tag and how
 * to remove it.
 */
export async function makeWebImage(libpod: Libpod, testImage: string, prefix: string) {
  const tag = `localhost/mcp-podman-bench/${prefix}-web:latest`;
  const { Id } = await libpod.json<{ Id: string }>("POST", "/containers/create", {
    image: testImage,
    command: ["sh", "-c", `echo '${PAGE}' > /index.html`],
    netns: { nsmode: "none" },
  });
  try {
    await libpod.json("POST", `/containers/${Id}/start`);
    await libpod.json("POST", `/containers/${Id}/wait?condition=stopped`);
    // PID 1 ignores a SIGTERM it has no handler for: the trap lets a stop end it at once.
    const change = encodeURIComponent(
      `CMD ["sh", "-c", "${UNTIL_TERM(`(sleep ${WEB_STARTUP_SECONDS}; exec httpd -f -v -p 80 -h /)`)}"]`,
    );
    const [repo, version] = tag.split(/:(?=[^:]+$)/) as [string, string];
    await libpod.json(
      "POST",
      `/commit?container=${Id}&repo=${encodeURIComponent(repo)}&tag=${version}&changes=${change}`,
    );
  } finally {
    await libpod.json("DELETE", `/containers/${Id}?force=true&timeout=0`);
  }
  return {
    tag,
    remove: () => libpod.json("DELETE", `/images/${encodeURIComponent(tag)}?force=true`),
  };
}

export function workflowFixture(testImage: string, webImage: string): WorkflowFixture {
  const prefix = `wf-${Date.now().toString(36)}`;
  let serial = 0;
  return {
    testImage,
    webImage,
    page: PAGE,
    unique: (what) => `${prefix}-${what}-${++serial}`,
    freePort,
    async pageAnswers(port) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`, {
          signal: AbortSignal.timeout(5000),
        });
        return (await response.text()).includes(PAGE);
      } catch {
        return false;
      }
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Everything a run made, removed straight through libpod, by id where one is known. */
class Leftovers implements Created {
  readonly containers: string[] = [];
  readonly projects: string[] = [];
  readonly images: string[] = [];
  readonly #networks: string[] = [];
  container = (nameOrId: string) => void this.containers.push(nameOrId);
  project = (name: string) => void this.projects.push(name);
  image = (tag: string) => void this.images.push(tag);

  async remove(libpod: Libpod) {
    for (const project of this.projects) {
      const label = encodeURIComponent(
        JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
      );
      const listed = await libpod.json<{ Id: string }[]>(
        "GET",
        `/containers/json?all=true&filters=${label}`,
      );
      this.containers.push(...listed.map((container) => container.Id));
      const networks = await libpod.json<{ name: string }[]>(
        "GET",
        `/networks/json?filters=${label}`,
      );
      this.#networks.push(...networks.map((network) => network.name));
    }
    // Latest first: an id learnt from an answer comes after the name it was given.
    for (const container of [...new Set(this.containers)].reverse()) {
      await libpod
        .json("DELETE", `/containers/${encodeURIComponent(container)}?force=true&v=true&timeout=0`)
        .catch(ignoreMissing);
    }
    for (const network of this.#networks) {
      await libpod.json("DELETE", `/networks/${network}`).catch(ignoreMissing);
    }
    for (const image of this.images) {
      await libpod
        .json("DELETE", `/images/${encodeURIComponent(image)}?force=true`)
        .catch(ignoreMissing);
    }
  }
}

export interface WorkflowSession {
  agent: ContainerAgent;
  wire: CountedStdioTransport;
}

/**
 * Runs every workflow's variants `runs` times through the session, counting
 * the JSON-RPC bytes of each run alone. For another server a failing workflow
 * is a figure; for ours it fails the benchmark.
 */
export async function measureWorkflows(
  session: WorkflowSession,
  fixture: WorkflowFixture,
  libpod: Libpod,
  options: { runs: number; failuresAreFigures: boolean; variants: "all" | "without-new-tools" },
): Promise<WorkflowFigure[]> {
  const figures: WorkflowFigure[] = [];
  for (const workflow of WORKFLOWS) {
    const variants = options.variants === "all" ? workflow.variants : [workflow.variants[1]];
    for (const variant of variants) {
      const about = { key: workflow.key, title: workflow.title, variant: variant.label };
      const lacking = session.agent.lacks(variant.needs);
      if (lacking.length) {
        figures.push({ ...about, notPossible: lacking.join(", ") });
        continue;
      }
      try {
        const runs: WorkflowRun[] = [];
        for (let run = 0; run < options.runs; run++) {
          runs.push(await runOnce(session, variant, fixture, libpod));
        }
        figures.push({ ...about, runs });
      } catch (error) {
        if (!options.failuresAreFigures) {
          throw new Error(`workflow ${workflow.key} ${variant.label}: ${(error as Error).message}`);
        }
        figures.push({ ...about, failure: (error as Error).message.slice(0, 300) });
      }
    }
  }
  return figures;
}

async function runOnce(
  session: WorkflowSession,
  variant: WorkflowVariant,
  fixture: WorkflowFixture,
  libpod: Libpod,
): Promise<WorkflowRun> {
  const leftovers = new Leftovers();
  session.wire.take();
  const started = performance.now();
  try {
    await variant.run(session.agent, fixture, leftovers);
    const wallMs = performance.now() - started;
    return { ...session.wire.take(), wallMs };
  } finally {
    await leftovers.remove(libpod);
  }
}
