import { PodmanRejected } from "../errors.js";
import { TailBuffer, type TailResult } from "./bounded-text.js";
import type { PodmanClient } from "./client.js";
import { readJsonLines } from "./json-stream.js";

export interface BuildOptions {
  tags: string[];
  /** Path of the Containerfile inside the context; libpod looks for Containerfile, then Dockerfile. */
  containerfile?: string;
  /**
   * The network RUN steps get: "none" (a namespace of their own with only
   * loopback) or "private" (their own namespace on Podman's default network).
   * Never the host's: see buildNetworkQuery.
   */
  network: "none" | "private";
  buildArgs?: Record<string, string>;
  target?: string;
  labels?: Record<string, string>;
  noCache?: boolean;
  /** Pull the base images even when present. */
  pull?: boolean;
  signal: AbortSignal;
  timeoutMs?: number;
  /** Called with each "STEP n/m: ..." line as the build reaches it. */
  onStep?: (line: string) => void;
}

export interface BuildResult {
  id: string;
  /** The last lines of the build output. */
  log: TailResult;
}

const DEFAULT_BUILD_TIMEOUT_MS = 30 * 60 * 1000;
const LOG_LIMITS = { maxBytes: 4 * 1024, maxLines: 30 };
/** The output of the current step, quoted when it fails. */
const STEP_OUTPUT_LIMITS = { maxBytes: 2 * 1024, maxLines: 15 };

interface BuildReport {
  stream?: string;
  error?: string;
  aux?: { ID?: string };
}

/**
 * Builds an image from a tar of its context (POST /libpod/build). libpod
 * answers 200 at once and streams {"stream": ...} output lines; a failure
 * arrives as an {"error": ...} report and, for libpod, the last stream is the image id.
 */
export async function buildImage(
  podman: PodmanClient,
  context: Uint8Array,
  options: BuildOptions,
): Promise<BuildResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
  const what = `Building ${options.tags[0] ?? "the image"}`;
  // libpod takes several tags as a repeated `t`, which the client's query map cannot express.
  const response = await podman.request("POST", `/build?${buildQuery(options)}`, {
    body: context,
    signal: options.signal,
    timeoutMs,
    what,
  });
  const progress = new BuildProgress(options.onStep);
  try {
    for await (const value of readJsonLines(response.body)) progress.add(value as BuildReport);
  } catch (error) {
    throw podman.translateFailure(error, options.signal, undefined, what, timeoutMs);
  }
  return progress.finish();
}

export function buildQuery(options: BuildOptions): string {
  const query = new URLSearchParams();
  for (const tag of options.tags) query.append("t", tag);
  if (options.containerfile) query.set("dockerfile", options.containerfile);
  if (options.buildArgs && Object.keys(options.buildArgs).length) {
    query.set("buildargs", JSON.stringify(options.buildArgs));
  }
  if (options.labels && Object.keys(options.labels).length) {
    query.set("labels", JSON.stringify(options.labels));
  }
  if (options.target) query.set("target", options.target);
  if (options.noCache) query.set("nocache", "true");
  if (options.pull) query.set("pull", "true");
  for (const [key, value] of Object.entries(buildNetworkQuery(options.network))) {
    query.set(key, value);
  }
  return query.toString();
}

/**
 * libpod's build handler (pkg/api/handlers/compat/images_build.go, Podman 4.3
 * through 5.x) puts RUN in the HOST's network namespace whenever the request
 * has no `nsoptions`, whatever `networkmode` or `isolation` say; the podman
 * CLI never hits that because it builds in-process. `networkmode` takes only
 * a number or NetworkDefault/NetworkDisabled/NetworkEnabled: "none" silently
 * means NetworkDefault. A network namespace option with neither Host nor
 * Path gives RUN a namespace of its own; NetworkDisabled leaves only loopback in it.
 */
export function buildNetworkQuery(network: BuildOptions["network"]): Record<string, string> {
  return {
    nsoptions: JSON.stringify([{ Name: "network" }]),
    networkmode: network === "none" ? "NetworkDisabled" : "NetworkEnabled",
  };
}

const STEP_LINE = /^(\[[^\]]*\]\s*)?STEP \d+(\/\d+)?:/;
const IMAGE_ID = /^[0-9a-f]{64}$/;
const MAX_PENDING_CHARS = 64 * 1024;

/** Turns the stream of reports into lines, steps, the image id or the failure. */
export class BuildProgress {
  readonly #log = new TailBuffer(LOG_LIMITS);
  #stepOutput = new TailBuffer(STEP_OUTPUT_LIMITS);
  readonly #onStep?: (line: string) => void;
  #pending = "";
  #lastStep?: string;
  #id?: string;
  #errors: string[] = [];

  constructor(onStep?: (line: string) => void) {
    this.#onStep = onStep;
  }

  add(report: BuildReport): void {
    if (report.aux?.ID) this.#id = stripDigestPrefix(report.aux.ID);
    if (report.stream) this.#addText(report.stream);
    if (report.error) this.#errors.push(report.error.trim());
  }

  finish(): BuildResult {
    this.#flush();
    if (this.#errors.length) throw this.#failure();
    if (!this.#id) throw new PodmanRejected("the build ended without an image id", 500);
    return { id: this.#id, log: this.#log.result() };
  }

  #addText(text: string): void {
    this.#pending += text;
    let newline: number;
    while ((newline = this.#pending.indexOf("\n")) >= 0) {
      this.#addLine(this.#pending.slice(0, newline));
      this.#pending = this.#pending.slice(newline + 1);
    }
    // libpod's final report is the bare image id, without a newline; an
    // endless line (a progress bar) is cut rather than held.
    if (IMAGE_ID.test(this.#pending.trim()) || this.#pending.length > MAX_PENDING_CHARS) {
      this.#flush();
    }
  }

  #flush(): void {
    if (this.#pending.trim()) this.#addLine(this.#pending);
    this.#pending = "";
  }

  #addLine(raw: string): void {
    // What a terminal would show of a line rewritten with carriage returns.
    const line =
      raw
        .split("\r")
        .filter((part) => part !== "")
        .pop() ?? "";
    // A step's output may look like an id too: the last one, libpod's, wins.
    if (IMAGE_ID.test(line.trim())) {
      this.#id = line.trim();
      return;
    }
    if (line.trim() === "") return;
    this.#log.push(line);
    if (STEP_LINE.test(line)) {
      this.#lastStep = line;
      this.#stepOutput = new TailBuffer(STEP_OUTPUT_LIMITS);
      this.#onStep?.(line);
    } else {
      this.#stepOutput.push(line);
    }
  }

  #failure(): PodmanRejected {
    const where = this.#lastStep ? ` at ${this.#lastStep}` : "";
    const output = this.#stepOutput.result().lines;
    const tail = output.length ? `\nLast output:\n${output.join("\n")}` : "";
    return new PodmanRejected(`build failed${where}: ${this.#errors.join("; ")}${tail}`, 500);
  }
}

function stripDigestPrefix(id: string): string {
  return id.replace(/^sha256:/, "");
}
