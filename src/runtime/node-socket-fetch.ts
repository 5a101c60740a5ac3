import { Agent, type IncomingMessage, request } from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { SocketFetch } from "../core/podman/client.js";

/** Statuses whose Response must have a null body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * fetch over a unix socket with node:http and a keep-alive agent. It is a
 * fraction of undici's size, which is most of the start-up time on Node: the
 * whole bundle is compiled before the first line runs.
 */
export function unixSocketFetch(socketPath: string): SocketFetch {
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 10_000 });
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
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
        const reason = signal?.reason;
        outgoing.destroy(reason);
        incoming?.destroy(reason);
        reject(reason);
      };
      signal?.addEventListener("abort", abort, { once: true });
      const release = () => signal?.removeEventListener("abort", abort);
      outgoing.on("error", (error) => {
        release();
        reject(error);
      });
      outgoing.on("response", (response) => {
        incoming = response;
        response.on("close", release);
        const status = response.statusCode ?? 500;
        const headers = new Headers();
        for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
          headers.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
        }
        let body: ReadableStream<Uint8Array> | null = null;
        if (NULL_BODY_STATUSES.has(status)) response.resume();
        else body = Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>;
        resolve(new Response(body, { status, statusText: response.statusMessage, headers }));
      });
      sendBody(outgoing, init.body);
    });
}

function sendBody(outgoing: ReturnType<typeof request>, body: BodyInit | null | undefined) {
  if (body === undefined || body === null) return void outgoing.end();
  if (typeof body === "string" || body instanceof Uint8Array) return void outgoing.end(body);
  if (body instanceof ArrayBuffer) return void outgoing.end(new Uint8Array(body));
  const stream = body instanceof Blob ? body.stream() : body;
  if (!(stream instanceof ReadableStream)) {
    const kind = Object.prototype.toString.call(body);
    return void outgoing.destroy(new TypeError(`unsupported request body: ${kind}`));
  }
  const source = Readable.fromWeb(stream as unknown as NodeReadableStream<Uint8Array>);
  source.on("error", (error) => outgoing.destroy(error));
  source.pipe(outgoing);
}
