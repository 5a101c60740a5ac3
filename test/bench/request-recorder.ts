import { type Server, type Socket, createConnection, createServer } from "node:net";
import type { LibpodRequest } from "./libpod.js";

const REQUEST_LINE = /(?:^|\r\n)(GET|HEAD|POST|PUT|DELETE|PATCH) (\S+) HTTP\/1\.[01]\r\n/g;

/**
 * A unix socket in front of Podman's that passes every byte through and writes
 * down each request line: the libpod requests a tool call really makes, so its
 * floor replays exactly those and follows along when the server changes.
 */
export class RequestRecorder {
  readonly #server: Server;
  readonly #connections = new Set<Socket>();
  #requests: LibpodRequest[] = [];

  constructor(upstreamSocket: string) {
    this.#server = createServer((client) => {
      const podman = createConnection(upstreamSocket);
      for (const socket of [client, podman]) {
        this.#connections.add(socket);
        socket.once("close", () => this.#connections.delete(socket));
        socket.on("error", () => {
          client.destroy();
          podman.destroy();
        });
      }
      client.on("data", (chunk: Buffer) => this.#note(chunk.toString("latin1")));
      client.pipe(podman);
      podman.pipe(client);
    });
  }

  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(path, resolve);
    });
  }

  /** The requests recorded since the last take. */
  take(): LibpodRequest[] {
    return this.#requests.splice(0);
  }

  close(): Promise<void> {
    for (const socket of this.#connections) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #note(text: string) {
    for (const [, method, target] of text.matchAll(REQUEST_LINE)) {
      // Some clients (Deno's) send the absolute URL as the request target.
      const path = /^https?:/.test(target as string)
        ? pathOf(target as string)
        : (target as string);
      this.#requests.push({ method: method as string, target: path });
    }
  }
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}
