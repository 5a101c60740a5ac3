import { setTimeout as sleep } from "node:timers/promises";
import type { Ability, ContainerAgent } from "./agent.js";

/** An agent's guess at how long to wait between two looks. */
const POLL_INTERVAL_MS = 1000;
/** How long any wait may take before the workflow fails. */
export const WAIT_SECONDS = 30;

/** What the workflows run against; every name is new for each run. */
export interface WorkflowFixture {
  /** The busybox image the isolated Podman builds. */
  testImage: string;
  /** That image with `httpd` as its command, serving a page that says `page` after a few seconds. */
  webImage: string;
  page: string;
  /** A fresh name for each thing a workflow makes. */
  unique(what: string): string;
  freePort(): Promise<number>;
  /** Whether the published port answers with the page, from outside any container. */
  pageAnswers(port: number): Promise<boolean>;
}

/** What a workflow made, so that it is removed whatever happens. */
export interface Created {
  container(nameOrId: string): void;
  project(name: string): void;
  image(tag: string): void;
}

export interface WorkflowVariant {
  /** "with podman_wait", "polling". */
  label: string;
  needs: Ability[];
  run(agent: ContainerAgent, fixture: WorkflowFixture, created: Created): Promise<void>;
}

export interface Workflow {
  key: "web" | "compose" | "build";
  /** Short, for a table row. */
  title: string;
  /** Every step, for the report's method. */
  story: string;
  /** The variant using the newer tools first, then the way that works without them. */
  variants: [WorkflowVariant, WorkflowVariant];
}

/** Looks again after a pause until `done` answers true; fails after WAIT_SECONDS. */
async function poll(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + WAIT_SECONDS * 1000;
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`${what}: not after ${WAIT_SECONDS} s`);
    await sleep(POLL_INTERVAL_MS);
  }
}

function expect(condition: boolean, what: string) {
  if (!condition) throw new Error(`workflow check failed: ${what}`);
}

async function startWebServer(agent: ContainerAgent, fixture: WorkflowFixture, created: Created) {
  const port = { host: await fixture.freePort(), container: 80 };
  const name = fixture.unique("web");
  created.container(name);
  const id = await agent.run({ name, image: fixture.webImage, port });
  created.container(id);
  return { id, port };
}

async function checkLogsAndRemove(agent: ContainerAgent, id: string) {
  await agent.logs(id);
  await agent.remove(id);
}

const web: Workflow = {
  key: "web",
  title: "1, web server",
  story:
    "run busybox httpd with a published port, wait until it answers, read its logs, remove it " +
    "(the benchmark then checks the page on the published port itself)",
  variants: [
    {
      label: "with podman_wait",
      needs: ["run", "wait", "logs", "remove"],
      async run(agent, fixture, created) {
        const { id, port } = await startWebServer(agent, fixture, created);
        await agent.wait(id, { condition: "http", port, path: "/", status: 200 }, WAIT_SECONDS);
        expect(await fixture.pageAnswers(port.host), "the published port answers after the wait");
        await checkLogsAndRemove(agent, id);
      },
    },
    {
      label: "polling with podman_exec wget",
      needs: ["run", "exec", "logs", "remove"],
      async run(agent, fixture, created) {
        const { id, port } = await startWebServer(agent, fixture, created);
        await poll("the web server answers", async () => {
          const { text } = await agent.exec(id, ["wget", "-q", "-O-", "http://127.0.0.1/"]);
          return text.includes(fixture.page);
        });
        expect(await fixture.pageAnswers(port.host), "the published port answers after polling");
        await checkLogsAndRemove(agent, id);
      },
    },
  ],
};

/** A web service with a health check, and a client that fetches its page by service name. */
function composeFile(fixture: WorkflowFixture) {
  return [
    "services:",
    "  web:",
    `    image: ${fixture.webImage}`,
    "    healthcheck:",
    '      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]',
    "      interval: 1s",
    "      retries: 30",
    "  client:",
    `    image: ${fixture.testImage}`,
    "    command:",
    "      - sh",
    "      - -c",
    // "$$": compose interpolates a single "$".
    `      - for i in $$(seq ${WAIT_SECONDS}); do wget -q -O- http://web/ && exit 0; sleep 1; done; exit 1`,
    "    depends_on: [web]",
  ].join("\n");
}

async function composeUp(agent: ContainerAgent, fixture: WorkflowFixture, created: Created) {
  const project = fixture.unique("cmp");
  created.project(project);
  await agent.composeUp(project, composeFile(fixture));
  return { project, web: `${project}-web-1`, client: `${project}-client-1` };
}

const compose: Workflow = {
  key: "compose",
  title: "2, compose web and client",
  story:
    "compose up a web service with a health check and a client that fetches its page by " +
    "service name, wait until the web service is healthy, confirm from the client's logs that " +
    "it got the page, compose down",
  variants: [
    {
      label: "with podman_wait",
      needs: ["compose", "wait"],
      async run(agent, fixture, created) {
        const { project, web, client } = await composeUp(agent, fixture, created);
        await agent.wait(web, { condition: "healthy" }, WAIT_SECONDS);
        await agent.wait(client, { condition: "log", pattern: fixture.page }, WAIT_SECONDS);
        await agent.composeDown(project);
      },
    },
    {
      label: "polling with podman_healthcheck_run, podman_logs",
      needs: ["compose", "healthcheck", "logs"],
      async run(agent, fixture, created) {
        const { project, web, client } = await composeUp(agent, fixture, created);
        // Podman without systemd runs no health check by itself: the agent has to.
        await poll("web is healthy", async () => (await agent.healthcheck(web)) === "healthy");
        await poll("the client fetched the page", async () =>
          (await agent.logs(client)).includes(fixture.page),
        );
        await agent.composeDown(project);
      },
    },
  ],
};

const RESULT_FILE = "/result.txt";
/** What an agent runs to exec into later; the trap lets podman_rm stop it without a 10 s wait. */
const KEEP_RUNNING = ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"];
const WRITE_RESULT = `cat /built.txt > ${RESULT_FILE} && echo computed >> ${RESULT_FILE}`;

async function buildImage(agent: ContainerAgent, fixture: WorkflowFixture, created: Created) {
  const tag = `localhost/${fixture.unique("img")}:latest`;
  created.image(tag);
  await agent.build(tag, `FROM ${fixture.testImage}\nRUN echo built > /built.txt\n`);
  const name = fixture.unique("job");
  created.container(name);
  return { tag, name };
}

function expectResult(text: string) {
  expect(text.includes("built") && text.includes("computed"), `the result file, got: ${text}`);
}

const build: Workflow = {
  key: "build",
  title: "3, build, run, read the result",
  story:
    "build an image from an inline Containerfile, run a command in it that writes a result " +
    "file, read the file, remove the container and the image",
  variants: [
    {
      label: "with podman_read_file",
      needs: ["build", "runToExit", "readFile", "remove", "removeImage"],
      async run(agent, fixture, created) {
        const { tag, name } = await buildImage(agent, fixture, created);
        const exitCode = await agent.runToExit({
          name,
          image: tag,
          command: ["sh", "-c", WRITE_RESULT],
        });
        expect(exitCode === 0, `the command exits 0, not ${exitCode}`);
        expectResult(await agent.readFile(name, RESULT_FILE));
        await agent.remove(name);
        await agent.removeImage(tag);
      },
    },
    {
      label: "with podman_exec",
      needs: ["build", "runCommand", "exec", "remove", "removeImage"],
      async run(agent, fixture, created) {
        const { tag, name } = await buildImage(agent, fixture, created);
        const id = await agent.run({ name, image: tag, command: KEEP_RUNNING });
        created.container(id);
        const written = await agent.exec(id, ["sh", "-c", WRITE_RESULT]);
        // Other servers may not answer the exit code: the result file shows the outcome too.
        expect(written.exitCode === null || written.exitCode === 0, "the command exits 0");
        expectResult((await agent.exec(id, ["cat", RESULT_FILE])).text);
        await agent.remove(id);
        await agent.removeImage(tag);
      },
    },
  ],
};

export const WORKFLOWS: Workflow[] = [web, compose, build];
