import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { type Ability, type ContainerAgent, type RunSpec, callAnswering } from "./agent.js";
import { textOf } from "./mcp-clients.js";

/** "list_containers", "listContainers" and "podman-ps" alike, as lower-case words. */
const wordsOf = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

const hasAny = (words: string[], wanted: string[]) => wanted.some((word) => words.includes(word));
const REMOVE = ["remove", "rm", "delete"];

/** How another server's tool for each ability is recognised by the words of its name. */
const RECOGNISE: Partial<Record<Ability | "composeDown", (w: string[]) => boolean>> = {
  run: (w) => w.includes("run") && !hasAny(w, ["pod", "health", "healthcheck", "exec", "compose"]),
  exec: (w) => hasAny(w, ["exec", "execute"]),
  logs: (w) => hasAny(w, ["logs", "log"]) && !hasAny(w, ["pod", "compose", "events"]),
  remove: (w) => hasAny(w, REMOVE) && hasAny(w, ["container", "containers"]),
  healthcheck: (w) => hasAny(w, ["health", "healthcheck"]),
  compose: (w) => w.includes("compose") && w.includes("up"),
  composeDown: (w) => w.includes("compose") && w.includes("down"),
  build: (w) => w.includes("build") && !w.includes("compose"),
  removeImage: (w) => (hasAny(w, REMOVE) && hasAny(w, ["image", "images"])) || w.includes("rmi"),
};

const DOING: Record<Ability, string> = {
  run: "run a container",
  runCommand: "run a container",
  runToExit: "run a container to its exit",
  exec: "run a command in a container",
  logs: "read logs",
  remove: "remove a container",
  healthcheck: "run a health check",
  compose: "compose up",
  build: "build an image",
  removeImage: "remove an image",
  wait: "wait",
  readFile: "read a file",
};

type Properties = Record<string, { type?: unknown; description?: string }>;

const propertiesOf = (tool: Tool) => (tool.inputSchema.properties ?? {}) as Properties;
const keyLike = (tool: Tool, pattern: RegExp) =>
  Object.keys(propertiesOf(tool)).find((key) => pattern.test(key));
/** An argument taking text itself, not the path of a file holding it. */
const takesText = (tool: Tool, key: string) =>
  !/\bpath\b|\bfile\b/i.test(propertiesOf(tool)[key]?.description ?? "");

const CONTAINER_KEY = /^(name|id|container|container_?(id|name)|name_?or_?id)$/i;

/**
 * Another MCP server, its tools recognised by name and their arguments by
 * their schema's property names: what it cannot be asked for is "not possible".
 * Only the variants that work without podman_wait and podman_read_file run
 * against it.
 */
export class OtherAgent implements ContainerAgent {
  readonly #client: Client;
  readonly #tools: Tool[];

  constructor(client: Client, tools: Tool[]) {
    this.#client = client;
    this.#tools = tools;
  }

  #tool(wanted: Ability | "composeDown"): Tool | undefined {
    const ability = wanted === "runCommand" ? "run" : wanted;
    const recognise = RECOGNISE[ability];
    if (!recognise) return undefined;
    return this.#tools
      .filter((tool) => recognise(wordsOf(tool.name)))
      .sort((a, b) => a.name.length - b.name.length)[0];
  }

  /** Why this ability cannot be had from the server, or undefined when it can. */
  #missing(ability: Ability): string | undefined {
    const tool = this.#tool(ability);
    if (!tool) return `no tool to ${DOING[ability]}`;
    const needs: Partial<Record<Ability, [RegExp, string][]>> = {
      run: [
        [/image/i, "an image"],
        [/port/i, "published ports"],
      ],
      runCommand: [
        [/image/i, "an image"],
        [/^(command|cmd|args)$/i, "a command"],
      ],
      exec: [
        [CONTAINER_KEY, "a container"],
        [/^(command|cmd)$/i, "a command"],
      ],
      logs: [[CONTAINER_KEY, "a container"]],
      remove: [[CONTAINER_KEY, "a container"]],
      healthcheck: [[CONTAINER_KEY, "a container"]],
      build: [
        [/containerfile|dockerfile/i, "a Containerfile"],
        [/tag|image/i, "a tag"],
      ],
      compose: [[/content|yaml|compose/i, "a compose file"]],
      removeImage: [[/image|reference|name|id/i, "an image"]],
    };
    for (const [pattern, what] of needs[ability] ?? []) {
      const key = keyLike(tool, pattern);
      if (!key) return `${tool.name} has no argument for ${what}`;
      if ((ability === "build" || ability === "compose") && !takesText(tool, key)) {
        return `${tool.name} takes ${what} as a host path, not its text`;
      }
    }
    if (ability === "compose" && !this.#tool("composeDown")) return "no tool to compose down";
    return undefined;
  }

  lacks(abilities: Ability[]): string[] {
    return abilities.flatMap((ability) => this.#missing(ability) ?? []);
  }

  async #call(ability: Ability | "composeDown", fill: (tool: Tool) => Record<string, unknown>) {
    const tool = this.#tool(ability) as Tool;
    return textOf(await callAnswering(this.#client, tool.name, fill(tool)));
  }

  #container(tool: Tool, container: string) {
    return { [keyLike(tool, CONTAINER_KEY) as string]: container };
  }

  /** An array property gets the words, a string one the shell line. */
  #command(tool: Tool, key: string, command: string[]) {
    const array = propertiesOf(tool)[key]?.type === "array";
    return { [key]: array ? command : command.map((word) => `'${word}'`).join(" ") };
  }

  async run(spec: RunSpec) {
    const text = await this.#call("run", (tool) => ({
      [keyLike(tool, /image/i) as string]: spec.image,
      ...(keyLike(tool, /^(name|container_?name)$/i)
        ? { [keyLike(tool, /^(name|container_?name)$/i) as string]: spec.name }
        : {}),
      ...(spec.command
        ? this.#command(tool, keyLike(tool, /^(command|cmd|args)$/i) as string, spec.command)
        : {}),
      ...(spec.port
        ? { [keyLike(tool, /port/i) as string]: [`${spec.port.host}:${spec.port.container}`] }
        : {}),
    }));
    return /\b[0-9a-f]{64}\b/.exec(text)?.[0] ?? /\b[0-9a-f]{12}\b/.exec(text)?.[0] ?? spec.name;
  }

  runToExit(): Promise<number> {
    throw new Error("not tried against another server");
  }

  async exec(container: string, command: string[]) {
    const text = await this.#call("exec", (tool) => ({
      ...this.#container(tool, container),
      ...this.#command(tool, keyLike(tool, /^(command|cmd)$/i) as string, command),
    }));
    return { exitCode: null, text };
  }

  logs(container: string) {
    return this.#call("logs", (tool) => this.#container(tool, container));
  }

  async remove(container: string) {
    await this.#call("remove", (tool) => ({
      ...this.#container(tool, container),
      ...(keyLike(tool, /^force$/i) ? { force: true } : {}),
    }));
  }

  async healthcheck(container: string) {
    const text = await this.#call("healthcheck", (tool) => this.#container(tool, container));
    return /\bunhealthy\b/i.test(text) ? "unhealthy" : /\bhealthy\b/i.test(text) ? "healthy" : text;
  }

  async composeUp(project: string, yaml: string) {
    await this.#call("compose", (tool) => ({
      [keyLike(tool, /content|yaml|compose/i) as string]: yaml,
      ...(keyLike(tool, /project/i) ? { [keyLike(tool, /project/i) as string]: project } : {}),
    }));
  }

  async composeDown(project: string) {
    await this.#call("composeDown", (tool) => {
      const key = keyLike(tool, /project/i);
      if (!key) throw new Error(`${tool.name} takes no project name`);
      return { [key]: project };
    });
  }

  async build(tag: string, containerfile: string) {
    await this.#call("build", (tool) => ({
      [keyLike(tool, /containerfile|dockerfile/i) as string]: containerfile,
      [keyLike(tool, /tag|image/i) as string]: tag,
    }));
  }

  async removeImage(tag: string) {
    await this.#call("removeImage", (tool) => ({
      [keyLike(tool, /image|reference|name|id/i) as string]: tag,
    }));
  }

  wait(): Promise<string> {
    throw new Error("not tried against another server");
  }

  readFile(): Promise<string> {
    throw new Error("not tried against another server");
  }
}
