import { resolve } from "node:path";
import { TOOL_KINDS, type ToolKind } from "./plan.js";

export interface Options {
  help: boolean;
  quick: boolean;
  /** Where latest.json and latest.md go. */
  out: string;
  /** A shell command that starts another MCP server over stdio. */
  compare?: string;
  /** Which of its tools stands for each of ours, when the name heuristics guess wrong. */
  compareTools: Partial<Record<ToolKind, string>>;
}

export const USAGE = `npm run bench -- [options]

Measures the built bundle (dist/mcp-podman.js) against an isolated Podman of its own:
latency of podman_ps/inspect/logs/images over stdio and Streamable HTTP next to the same
libpod requests made directly, output sizes, cold start, memory, throughput, the cost
of OpenTelemetry, and what an agent pays: the tool listing's bytes and the calls and bytes
of three scripted workflows; prints the table and writes it as JSON and Markdown.

  --quick                  few iterations: a smoke run, not figures to quote
  --out DIR                write latest.json and latest.md there (default test/bench/results)
  --compare "COMMAND"      also measure another MCP server, started as \`sh -c COMMAND\` over
                           stdio; CONTAINER_HOST and DOCKER_HOST point it at the benchmark's
                           Podman (unix://...) and PODMAN_SOCKET holds the socket's path;
                           its tool listing and the workflows its tools allow are measured too
  --compare-tools LIST     its tool for each call, when the name guess is wrong:
                           ps=NAME,inspect=NAME,logs=NAME,images=NAME ("-" for none)
  --help
`;

export function parseOptions(argv: string[], repo: string): Options {
  const options: Options = {
    help: false,
    quick: false,
    out: resolve(repo, "test", "bench", "results"),
    compareTools: {},
  };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index] as string;
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === "--help" || flag === "-h") options.help = true;
    else if (flag === "--quick") options.quick = true;
    else if (flag === "--out") options.out = resolve(value());
    else if (flag === "--compare") options.compare = value();
    else if (flag === "--compare-tools") options.compareTools = parseToolMap(value());
    else throw new Error(`unknown option ${flag}\n\n${USAGE}`);
  }
  return options;
}

function parseToolMap(text: string): Partial<Record<ToolKind, string>> {
  const map: Partial<Record<ToolKind, string>> = {};
  for (const pair of text.split(",").filter(Boolean)) {
    const [kind, name] = pair.split("=").map((part) => part.trim());
    if (!TOOL_KINDS.includes(kind as ToolKind) || !name) {
      throw new Error(`--compare-tools: "${pair}" is not KIND=NAME with KIND one of ${TOOL_KINDS}`);
    }
    map[kind as ToolKind] = name;
  }
  return map;
}
