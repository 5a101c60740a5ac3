import type { PodmanResponse, SocketFetch } from "../../core/contracts.js";
import { Agent, type ClientRequest, type IncomingMessage, request } from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";

/** Statuses that have no body. */
const NO_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * fetch over a unix socket with node:http and a keep-alive agent: a fraction
 * of undici's size, which was most of the start-up time. The answer is read
 * straight from Node's stream; a web stream is made only for a caller that
 * asks for `body` (logs, events, build progress).
 */
export function unixSocketFetch(socketPath: string): SocketFetch {
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 10_000 });
  return (url, init) =>
    new Promise<PodmanResponse>((resolve, reject) => {
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const target = new URL(url);
      const outgoing = request({
        agent,
        socketPath,
        method: init.method ?? "GET",
        path: target.pathname + target.search,
        headers: { host: target.host, ...(init.headers as Record<string, string> | undefined) },
      });
      let incoming: IncomingMessage | undefined;
      const abort = () => {
        outgoing.destroy(signal?.reason);
        incoming?.destroy(signal?.reason);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", abort, { once: true });
      const release = () => signal?.removeEventListener("abort", abort);
      outgoing.on("error", (error) => {
        release();
        reject(error);
      });
      outgoing.on("response", (answer: IncomingMessage) => {
        incoming = answer;
        answer.on("close", release);
        resolve(new SocketResponse(answer));
      });
      sendBody(outgoing, init.body);
    });
}

class SocketResponse implements PodmanResponse {
  readonly status: number;
  readonly #incoming: IncomingMessage;
  #body: ReadableStream<Uint8Array> | null | undefined;

  constructor(incoming: IncomingMessage) {
    this.#incoming = incoming;
    this.status = incoming.statusCode ?? 500;
  }

  get ok() {
    return this.status >= 200 && this.status < 300;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#body === undefined) {
      if (NO_BODY_STATUSES.has(this.status)) {
        this.#incoming.resume();
        this.#body = null;
      } else {
        this.#body = Readable.toWeb(this.#incoming) as unknown as ReadableStream<Uint8Array>;
      }
    }
    return this.#body;
  }

  async text(): Promise<string> {
    if (this.#body !== undefined) return this.#body ? new Response(this.#body).text() : "";
    this.#body = null;
    const incoming = this.#incoming;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      incoming.on("error", reject);
      // Destroyed without an error: an abort whose reason already went to the caller.
      incoming.on("close", () => {
        if (!incoming.complete) reject(new Error("Podman closed the connection mid-answer"));
      });
    });
  }
}

/**
 * The body's framing is always said: node:http sends a DELETE body with
 * neither Content-Length nor chunked encoding, and Podman reads none of it
 * (kube down sends its YAML that way).
 */
function sendBody(outgoing: ClientRequest, body: BodyInit | null | undefined) {
  if (body === undefined || body === null) return void outgoing.end();
  if (body instanceof ArrayBuffer) body = new Uint8Array(body);
  if (typeof body === "string" || body instanceof Uint8Array) {
    outgoing.setHeader("content-length", Buffer.byteLength(body));
    return void outgoing.end(body);
  }
  const stream = body instanceof Blob ? body.stream() : body;
  if (!(stream instanceof ReadableStream)) {
    const kind = Object.prototype.toString.call(body);
    return void outgoing.destroy(new TypeError(`unsupported request body: ${kind}`));
  }
  outgoing.setHeader("transfer-encoding", "chunked");
  const source = Readable.fromWeb(stream as unknown as NodeReadableStream<Uint8Array>);
  source.on("error", (error) => outgoing.destroy(error));
  source.pipe(outgoing);
}
