import { Agent, request } from "undici";

/** The host the server itself puts in its libpod URLs (src/core/podman/client.ts). */
const ORIGIN = "http://libpod";
export const API_PREFIX = "/v4.0.0/libpod";

/** A request line as the server sent it: method and target ("/v4.0.0/libpod/..."). */
export interface LibpodRequest {
  method: string;
  target: string;
}

/** Podman's libpod API straight over the socket with undici, no server in between. */
export class Libpod {
  readonly #agent: Agent;

  constructor(socket: string) {
    this.#agent = new Agent({ connect: { socketPath: socket } });
  }

  /** Sends the request and reads the whole body without parsing it; answers the body's size. */
  async replay({ method, target }: LibpodRequest): Promise<number> {
    const { statusCode, body } = await request(ORIGIN + target, {
      method: method as "GET",
      dispatcher: this.#agent,
    });
    const bytes = (await body.arrayBuffer()).byteLength;
    if (statusCode >= 400) throw new Error(`${method} ${target} answered HTTP ${statusCode}`);
    return bytes;
  }

  /** The floor of a tool call: exactly the requests the tool makes, one after the other. */
  async replayAll(requests: LibpodRequest[]): Promise<number> {
    let bytes = 0;
    for (const one of requests) bytes += await this.replay(one);
    return bytes;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await request(ORIGIN + API_PREFIX + path, {
      method: method as "GET",
      dispatcher: this.#agent,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 400) {
      throw new Error(`${method} ${path} answered HTTP ${response.statusCode}: ${text.trim()}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  close() {
    return this.#agent.close();
  }
}
