import {
  Cancelled,
  Conflict,
  McpPodmanError,
  NotFound,
  PodmanRejected,
  PodmanTimeout,
  PodmanUnreachable,
} from "../errors.js";
import type { PodmanResponse, SocketConnect, SocketFetch } from "../contracts.js";
import { tracePodmanRequest } from "../observability/telemetry.js";
import { type HijackOptions, type HijackedConnection, openHijacked } from "./hijack.js";

/**
 * A raw two-way connection to Podman's socket, for the requests libpod
 * hijacks (exec with stdin), which fetch cannot make: supplied by the runtime
 * adapter (node:net on Node, Deno.connect on Deno).
 */
/**
 * Podman 4.x and 5.x both serve the v4.0.0 libpod paths. The host is "libpod"
 * on purpose: clients that send the absolute URL as request target (Deno's
 * unix-socket client does) would otherwise get Docker-compatible answers,
 * because libpod tells its own requests from compat ones by the third
 * "/"-separated part of the URL.
 */
const API_PATH = "/v4.0.0/libpod";
const API_BASE = `http://libpod${API_PATH}`;

/** A list value repeats the parameter: `t=a&t=b`. */
export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface RequestOptions {
  query?: Query;
  /** JSON-encoded unless it is already a BodyInit such as a tar stream. */
  body?: unknown;
  signal?: AbortSignal;
  /** Overrides the client's default; 0 means no limit (the caller bounds it). */
  timeoutMs?: number;
  /** Names the operation in a timeout message: "Creating the container". */
  what?: string;
  /** Extra headers, such as X-Registry-Auth. */
  headers?: Record<string, string>;
}

export interface PodmanClientOptions {
  fetch: SocketFetch;
  connect?: SocketConnect;
  /** The socket's path, named in every "unreachable" message. */
  socket: string;
  timeoutMs: number;
}

/** The libpod REST API with its errors turned into the project's typed errors. */
export class PodmanClient {
  readonly socket: string;
  readonly timeoutMs: number;
  readonly #fetch: SocketFetch;
  readonly #connect: SocketConnect | undefined;

  constructor(options: PodmanClientOptions) {
    this.#fetch = options.fetch;
    this.#connect = options.connect;
    this.socket = options.socket;
    this.timeoutMs = options.timeoutMs;
  }

  /**
   * Sends a request; 2xx and 304 (not modified) come back, everything else
   * throws. The time limit holds until the caller has read or cancelled the
   * body.
   */
  async request(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<PodmanResponse> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const what = options.what ?? `${method} ${path}`;
    const deadline = new Deadline(options.signal, timeoutMs);
    let response: PodmanResponse;
    try {
      response = await tracePodmanRequest(method, path, this.socket, () =>
        this.#fetch(API_BASE + path + encodeQuery(options.query), {
          method,
          headers: { ...requestHeaders(options.body), ...options.headers },
          body: encodeBody(options.body),
          signal: deadline.signal,
        }),
      );
    } catch (error) {
      deadline.clear();
      throw this.translateFailure(error, options.signal, deadline.signal, what, timeoutMs);
    }
    const read = clearedOnceRead(response, deadline);
    if (response.ok || response.status === 304) return read;
    throw await errorFromResponse(read);
  }

  /** Sends a request whose answer carries nothing to read; answers its status. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<number> {
    const response = await this.request(method, path, options);
    await response.body?.cancel();
    return response.status;
  }

  /** libpod's `.../exists` endpoints answer 204 when the object exists, 404 when not. */
  async exists(path: string, signal: AbortSignal): Promise<boolean> {
    try {
      await this.send("GET", path, { signal });
      return true;
    } catch (error) {
      if (error instanceof NotFound) return false;
      throw error;
    }
  }

  /**
   * Sends a request whose answer takes over the connection (a hijack): the
   * caller then writes to and reads from Podman directly. Non-2xx answers throw.
   */
  async hijack(method: string, path: string, options: HijackOptions): Promise<HijackedConnection> {
    const connect = this.#connect;
    if (!connect) throw new Error("this runtime supplies no raw socket connection to Podman");
    const { signal } = new Deadline(options.signal, options.timeoutMs ?? this.timeoutMs);
    let hijacked: HijackedConnection;
    try {
      hijacked = await tracePodmanRequest(method, path, this.socket, () =>
        openHijacked(connect, method, API_PATH + path, options.body, signal),
      );
    } catch (error) {
      throw this.translateFailure(
        error,
        options.signal,
        signal,
        options.what ?? `${method} ${path}`,
        options.timeoutMs ?? this.timeoutMs,
      );
    }
    if (hijacked.status === 101 || (hijacked.status >= 200 && hijacked.status < 300)) {
      return hijacked;
    }
    const text = () => hijacked.text();
    throw await errorFromResponse({ status: hijacked.status, ok: false, body: null, text });
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    const text = await this.readText(response, options, method, path);
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  /** Reads a body, keeping the timeout and cancellation semantics of the request. */
  async readText(response: PodmanResponse, options: RequestOptions, method: string, path: string) {
    try {
      return await response.text();
    } catch (error) {
      const timeoutMs = options.timeoutMs ?? this.timeoutMs;
      throw this.translateFailure(
        error,
        options.signal,
        undefined,
        options.what ?? `${method} ${path}`,
        timeoutMs,
      );
    }
  }

  /** Turns a thrown fetch or body-read failure into the error a user can act on. */
  translateFailure(
    error: unknown,
    callerSignal: AbortSignal | undefined,
    combined: AbortSignal | undefined,
    what: string,
    timeoutMs: number,
  ): Error {
    if (error instanceof McpPodmanError || error instanceof SyntaxError) return error;
    if (callerSignal?.aborted) return new Cancelled(`${what} was cancelled`);
    if (isTimeout(error) || (combined?.aborted ?? false)) {
      return new PodmanTimeout(what, timeoutMs);
    }
    return new PodmanUnreachable(this.socket, describeConnectFailure(error));
  }
}

/**
 * A request's time limit, with the caller's cancellation. It is cleared once
 * the answer is read (clearedOnceRead): AbortSignal.timeout would fire for
 * every request, read or not, and each firing (a DOMException, an abort event
 * through every combined signal) costs CPU that calls made meanwhile wait for.
 */
class Deadline {
  readonly signal: AbortSignal | undefined;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(caller: AbortSignal | undefined, timeoutMs: number) {
    if (timeoutMs <= 0) {
      this.signal = caller;
      return;
    }
    const expired = new AbortController();
    this.#timer = setTimeout(
      () => expired.abort(new DOMException("The operation timed out.", "TimeoutError")),
      timeoutMs,
    );
    // Node: a limit left running (a body the caller streams) keeps no process alive.
    (this.#timer as { unref?: () => void }).unref?.();
    this.signal = caller ? AbortSignal.any([caller, expired.signal]) : expired.signal;
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * The response, with its deadline cleared once its text is read, or its body
 * read to the end, cancelled or failed. The body is wrapped only when a
 * caller asks for it, as the runtimes make it only then.
 */
function clearedOnceRead(response: PodmanResponse, deadline: Deadline): PodmanResponse {
  let body: ReadableStream<Uint8Array> | null | undefined;
  return {
    status: response.status,
    ok: response.ok,
    get body() {
      body ??= response.body && clearedAtEnd(response.body, deadline);
      return body;
    },
    text: () => response.text().finally(() => deadline.clear()),
  };
}

function clearedAtEnd(body: ReadableStream<Uint8Array>, deadline: Deadline) {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(value);
        deadline.clear();
        controller.close();
      } catch (error) {
        deadline.clear();
        throw error;
      }
    },
    cancel(reason) {
      deadline.clear();
      return reader.cancel(reason);
    },
  });
}

function encodeQuery(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function isRawBody(body: unknown): body is BodyInit {
  return (
    body instanceof ReadableStream ||
    body instanceof Uint8Array ||
    body instanceof ArrayBuffer ||
    body instanceof Blob
  );
}

function requestHeaders(body: unknown): Record<string, string> {
  if (body === undefined) return {};
  if (isRawBody(body)) return { "content-type": "application/x-tar" };
  return { "content-type": "application/json" };
}

function encodeBody(body: unknown): BodyInit | undefined {
  if (body === undefined) return undefined;
  if (isRawBody(body)) return body;
  return JSON.stringify(body);
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || isTimeout(error.cause));
}

/** A socket error carries its code itself (node:http), in `cause` (fetch) or only in its message (Deno). */
function describeConnectFailure(error: unknown): string {
  let current: unknown = error;
  let message = String(error);
  while (typeof current === "object" && current !== null) {
    const {
      code,
      cause,
      message: text,
    } = current as { code?: unknown; cause?: unknown; message?: unknown };
    if (code === "ENOENT") return "the socket does not exist (is the Podman service running?)";
    if (code === "ECONNREFUSED") return "the socket refused the connection";
    if (code === "EACCES") return "permission denied on the socket";
    if (typeof text === "string") message = text;
    current = cause;
  }
  if (/no such file|not found|ENOENT/i.test(message)) {
    return "the socket does not exist (is the Podman service running?)";
  }
  if (/refused/i.test(message)) return "the socket refused the connection";
  return message;
}

interface LibpodErrorBody {
  cause?: string;
  message?: string;
  response?: number;
}

/** Libpod answers errors as `{"cause": ..., "message": ..., "response": CODE}`. */
export async function errorFromResponse(response: PodmanResponse): Promise<Error> {
  const text = await response.text().catch(() => "");
  let message = text.trim() || `HTTP ${response.status}`;
  try {
    // Podman 4.3 sometimes writes two error bodies, one per line: the first says it.
    const body = JSON.parse(text.trim().split("\n")[0] ?? "") as LibpodErrorBody;
    if (body.message) message = body.message;
  } catch {
    // Not JSON: keep the raw text as the message.
  }
  return errorForStatus(response.status, message);
}

export function errorForStatus(status: number, message: string): Error {
  if (
    status === 404 ||
    /no such (container|image|pod|volume|network|exec)|image not known/i.test(message)
  ) {
    return new NotFound(message);
  }
  if (
    status === 409 ||
    /already in use|state improper|is not running|is paused|already exists/i.test(message)
  ) {
    return new Conflict(message);
  }
  return new PodmanRejected(message, status);
}
