import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { callTool, textOf } from "./mcp-clients.js";

/** What a scripted workflow asks a server to do, whatever its tools are called. */
export type Ability =
  /** A detached container with a published port. */
  | "run"
  /** A detached container with a command of our choosing. */
  | "runCommand"
  | "runToExit"
  | "exec"
  | "logs"
  | "remove"
  | "healthcheck"
  | "compose"
  | "build"
  | "removeImage"
  | "wait"
  | "readFile";

export interface RunSpec {
  name: string;
  image: string;
  command?: string[];
  /** Published on 127.0.0.1 at this host port. */
  port?: { host: number; container: number };
}

/** What podman_wait waits for (issue 13's conditions). */
export type WaitCondition =
  | { condition: "running" | "healthy" | "exited" }
  | { condition: "log"; pattern: string }
  | { condition: "http"; port: { host: number; container: number }; path: string; status: number };

/**
 * The calls an agent makes, one tool call each. A call the server answers
 * with an error throws: a workflow that fails is a broken server, not a figure.
 */
export interface ContainerAgent {
  /** The abilities (of those asked) its server has no tool for, each with why. */
  lacks(abilities: Ability[]): string[];
  /** Starts a detached container; answers what to address it by later. */
  run(spec: RunSpec): Promise<string>;
  /** Runs a container until it exits; answers the exit code. */
  runToExit(spec: RunSpec): Promise<number>;
  /** Answers the exit code (null when unknown) and everything the answer says. */
  exec(container: string, command: string[]): Promise<{ exitCode: number | null; text: string }>;
  logs(container: string): Promise<string>;
  remove(container: string): Promise<void>;
  /** Runs the health check once; answers the container's health. */
  healthcheck(container: string): Promise<string>;
  composeUp(project: string, yaml: string): Promise<void>;
  composeDown(project: string): Promise<void>;
  build(tag: string, containerfile: string): Promise<void>;
  removeImage(tag: string): Promise<void>;
  wait(container: string, condition: WaitCondition, timeoutSeconds: number): Promise<string>;
  readFile(container: string, path: string): Promise<string>;
}

/** A call answered with isError. */
export class ToolFailed extends Error {}

export async function callAnswering(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const result = await callTool(client, name, args);
  if (result.isError) throw new ToolFailed(`${name} failed: ${textOf(result).slice(0, 300)}`);
  return result;
}

const OUR_TOOLS: Record<Ability, string> = {
  run: "podman_run",
  runCommand: "podman_run",
  runToExit: "podman_run",
  exec: "podman_exec",
  logs: "podman_logs",
  remove: "podman_rm",
  healthcheck: "podman_healthcheck_run",
  compose: "podman_compose_up",
  build: "podman_build",
  removeImage: "podman_rmi",
  wait: "podman_wait",
  readFile: "podman_read_file",
};

const structured = <T>(result: CallToolResult) => result.structuredContent as T;

/** mcp-podman, called by its own tool names and arguments. */
export class OurAgent implements ContainerAgent {
  readonly #client: Client;
  readonly #tools: Set<string>;

  constructor(client: Client, tools: Tool[]) {
    this.#client = client;
    this.#tools = new Set(tools.map((tool) => tool.name));
  }

  lacks(abilities: Ability[]): string[] {
    const missing = abilities.map((ability) => OUR_TOOLS[ability]);
    if (abilities.includes("compose")) missing.push("podman_compose_down");
    return [...new Set(missing)].filter((name) => !this.#tools.has(name)).map((n) => `no ${n}`);
  }

  #call(name: string, args: Record<string, unknown>) {
    return callAnswering(this.#client, name, args);
  }

  #runArguments(spec: RunSpec) {
    return {
      image: spec.image,
      name: spec.name,
      ...(spec.command ? { command: spec.command } : {}),
      ...(spec.port ? { ports: [`127.0.0.1:${spec.port.host}:${spec.port.container}`] } : {}),
    };
  }

  async run(spec: RunSpec) {
    const result = await this.#call("podman_run", this.#runArguments(spec));
    return structured<{ id: string }>(result).id;
  }

  async runToExit(spec: RunSpec) {
    const args = { ...this.#runArguments(spec), detach: false, timeout: 60 };
    const answer = structured<{ exit_code?: number }>(await this.#call("podman_run", args));
    if (answer.exit_code === undefined) throw new Error(`${spec.name} did not exit in 60 s`);
    return answer.exit_code;
  }

  async exec(container: string, command: string[]) {
    const result = await this.#call("podman_exec", { name: container, command, timeout: 30 });
    return {
      exitCode: structured<{ exit_code: number | null }>(result).exit_code,
      text: textOf(result),
    };
  }

  async logs(container: string) {
    return textOf(await this.#call("podman_logs", { name: container, tail: 20 }));
  }

  async remove(container: string) {
    await this.#call("podman_rm", { name: container, force: true });
  }

  async healthcheck(container: string) {
    const result = await this.#call("podman_healthcheck_run", { name: container, log_entries: 0 });
    return structured<{ status: string }>(result).status;
  }

  async composeUp(project: string, yaml: string) {
    await this.#call("podman_compose_up", { content: yaml, project_name: project });
  }

  async composeDown(project: string) {
    await this.#call("podman_compose_down", { project_name: project, timeout: 1 });
  }

  async build(tag: string, containerfile: string) {
    await this.#call("podman_build", { tag, containerfile });
  }

  async removeImage(tag: string) {
    await this.#call("podman_rmi", { reference: tag });
  }

  async wait(container: string, wanted: WaitCondition, timeoutSeconds: number) {
    const args: Record<string, unknown> = { name: container, timeout: timeoutSeconds };
    if (wanted.condition === "http") {
      const { path, status } = wanted;
      Object.assign(args, { condition: "http", port: wanted.port.container, path, status });
    } else Object.assign(args, wanted);
    const result = await this.#call("podman_wait", args);
    // A wait that timed out is an answer, not an error: the workflow cannot go on.
    const { met } = structured<{ met?: boolean }>(result);
    if (met === false) throw new Error(`podman_wait ${wanted.condition}: ${textOf(result)}`);
    return textOf(result);
  }

  async readFile(container: string, path: string) {
    return textOf(await this.#call("podman_read_file", { name: container, path }));
  }
}
