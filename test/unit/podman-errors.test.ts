import type { SocketFetch } from "../../src/core/contracts.js";
import { describe, it, expect } from "vitest";
import {
  Cancelled,
  Conflict,
  NotFound,
  PodmanRejected,
  PodmanTimeout,
  PodmanUnreachable,
} from "../../src/core/errors.js";
import { PodmanClient, errorForStatus, errorFromResponse } from "../../src/core/podman/client.js";

const SOCKET = "/run/user/1000/podman/podman.sock";

function libpodError(status: number, cause: string, message: string): Response {
  return new Response(JSON.stringify({ cause, message, response: status }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

describe("errorForStatus", () => {
  it.each([
    [404, 'no container with name or ID "web" found: no such container', NotFound],
    [500, "docker.io/library/nope:latest: image not known", NotFound],
    [500, "no such pod", NotFound],
    [409, "container state improper", Conflict],
    [
      500,
      'creating container storage: the container name "web" is already in use by 3f2a9c0d1e4b. ' +
        "You have to remove that container to be able to reuse that name: that name is already in use",
      Conflict,
    ],
    [
      500,
      "can only kill running containers. 3f2a9c0d1e4b is in state exited: container state improper",
      Conflict,
    ],
    [500, "volume with name data already exists: volume already exists", Conflict],
    [500, "rootlessport listen tcp 0.0.0.0:8080: bind: address already in use", Conflict],
  ])("%i %j", (status, message, type) => {
    const error = errorForStatus(status, message);
    expect(error).toBeInstanceOf(type);
    expect(error.message).toBe(message);
  });

  it("keeps libpod's message and status for other refusals", () => {
    const error = errorForStatus(500, "invalid reference format");
    expect(error).toBeInstanceOf(PodmanRejected);
    expect(error.message).toBe("invalid reference format");
    expect((error as PodmanRejected).status).toBe(500);
    expect((errorForStatus(400, "bad parameter") as PodmanRejected).status).toBe(400);
  });

  it("does not take a missing bind-mount path for a missing resource", () => {
    const message = "statfs /srv/nope: no such file or directory";
    expect(errorForStatus(500, message)).toBeInstanceOf(PodmanRejected);
  });
});

describe("errorFromResponse", () => {
  it("reads libpod's JSON error body", async () => {
    const error = await errorFromResponse(
      libpodError(
        404,
        "no such container",
        'no container with name or ID "web" found: no such container',
      ),
    );
    expect(error).toBeInstanceOf(NotFound);
    expect(error.message).toBe('no container with name or ID "web" found: no such container');
  });

  it("maps a 500 by its message", async () => {
    const inUse = await errorFromResponse(
      libpodError(500, "that name is already in use", 'the container name "web" is already in use'),
    );
    expect(inUse).toBeInstanceOf(Conflict);
    const unknownImage = await errorFromResponse(
      libpodError(500, "image not known", "quay.io/nope:1: image not known"),
    );
    expect(unknownImage).toBeInstanceOf(NotFound);
    const other = await errorFromResponse(
      libpodError(500, "invalid argument", "invalid config provided: bad restart policy"),
    );
    expect(other).toBeInstanceOf(PodmanRejected);
    expect(other.message).toBe("invalid config provided: bad restart policy");
    expect((other as PodmanRejected).status).toBe(500);
  });

  it("keeps a non-JSON body as the message", async () => {
    const error = await errorFromResponse(
      new Response("  502 Bad Gateway: upstream closed\n", { status: 502 }),
    );
    expect(error).toBeInstanceOf(PodmanRejected);
    expect(error.message).toBe("502 Bad Gateway: upstream closed");
    expect((error as PodmanRejected).status).toBe(502);
  });

  it("names the status when the body is empty", async () => {
    const error = await errorFromResponse(new Response(null, { status: 503 }));
    expect(error).toBeInstanceOf(PodmanRejected);
    expect(error.message).toBe("HTTP 503");
    const notFound = await errorFromResponse(new Response("", { status: 404 }));
    expect(notFound).toBeInstanceOf(NotFound);
    expect(notFound.message).toBe("HTTP 404");
  });
});

interface Call {
  url: string;
  init: RequestInit;
}

function fakePodman(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch: SocketFetch = async (url, init) => {
    calls.push({ url, init });
    return answer(url, init);
  };
  return { calls, client: new PodmanClient({ fetch, socket: SOCKET, timeoutMs: 30_000 }) };
}

/** A fetch that never answers and fails like fetch does once its signal aborts. */
function hangingFetch(): SocketFetch {
  return (_url, init) =>
    new Promise((_resolve, reject) => {
      const signal = init.signal as AbortSignal;
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

function connectFailure(code: string, message: string): TypeError {
  const cause = Object.assign(new Error(message), { code, syscall: "connect", address: SOCKET });
  return new TypeError("fetch failed", { cause });
}

describe("PodmanClient requests", () => {
  it("sends the method, the libpod path and the encoded query", async () => {
    const { calls, client } = fakePodman(() => Response.json([]));
    await client.json("GET", "/containers/json", {
      query: {
        all: true,
        limit: 5,
        filters: JSON.stringify({ label: ["app=web x"] }),
        since: undefined,
      },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(
      "http://libpod/v4.0.0/libpod/containers/json?all=true&limit=5" +
        "&filters=%7B%22label%22%3A%5B%22app%3Dweb+x%22%5D%7D",
    );
    expect(calls[0]?.init.method).toBe("GET");
    expect(calls[0]?.init.body).toBeUndefined();
    expect(calls[0]?.init.headers).toEqual({});
  });

  it("adds no '?' for an empty query", async () => {
    const { calls, client } = fakePodman(() => Response.json({}));
    await client.request("GET", "/info", { query: { filters: undefined } });
    expect(calls[0]?.url).toBe("http://libpod/v4.0.0/libpod/info");
  });

  it("sends a JSON body with its content type, merged with extra headers", async () => {
    const { calls, client } = fakePodman(() =>
      Response.json({ Id: "abc", Warnings: [] }, { status: 201 }),
    );
    const answer = await client.json<{ Id: string }>("POST", "/containers/create", {
      body: { image: "busybox", env: { A: "1" } },
      headers: { "X-Registry-Auth": "e30=" },
    });
    expect(answer).toEqual({ Id: "abc", Warnings: [] });
    expect(calls[0]?.init.body).toBe('{"image":"busybox","env":{"A":"1"}}');
    expect(calls[0]?.init.headers).toEqual({
      "content-type": "application/json",
      "X-Registry-Auth": "e30=",
    });
  });

  it("sends raw bytes untouched as a tar", async () => {
    const { calls, client } = fakePodman(() => new Response(null, { status: 200 }));
    const tar = new Uint8Array([1, 2, 3]);
    await client.request("PUT", "/containers/web/archive", { query: { path: "/tmp" }, body: tar });
    expect(calls[0]?.init.body).toBe(tar);
    expect(calls[0]?.init.headers).toEqual({ "content-type": "application/x-tar" });
  });

  it("passes 304 (already in that state) and 204 (no body) through", async () => {
    const { client } = fakePodman(
      (url) => new Response(null, { status: url.endsWith("/start") ? 304 : 204 }),
    );
    const started = await client.request("POST", "/containers/web/start");
    expect(started.status).toBe(304);
    expect(await client.json("POST", "/containers/web/stop")).toBeUndefined();
  });

  it("throws the typed error of a libpod error answer", async () => {
    const { client } = fakePodman(() =>
      libpodError(
        404,
        "no such container",
        'no container with name or ID "web" found: no such container',
      ),
    );
    const error = await rejection(client.json("GET", "/containers/web/json"));
    expect(error).toBeInstanceOf(NotFound);
    expect(error.message).toBe('no container with name or ID "web" found: no such container');
  });

  it("lets an unreadable success body surface as a SyntaxError", async () => {
    const { client } = fakePodman(() => new Response("{not json", { status: 200 }));
    expect(await rejection(client.json("GET", "/info"))).toBeInstanceOf(SyntaxError);
  });
});

describe("PodmanClient failures", () => {
  it("names the socket when it does not exist", async () => {
    const { client } = fakePodman(() => {
      throw connectFailure("ENOENT", `connect ENOENT ${SOCKET}`);
    });
    const error = await rejection(client.request("GET", "/info"));
    expect(error).toBeInstanceOf(PodmanUnreachable);
    expect(error.message).toBe(
      `Podman unreachable at ${SOCKET}: the socket does not exist (is the Podman service running?)`,
    );
    expect((error as PodmanUnreachable).socket).toBe(SOCKET);
  });

  it("says when the socket refuses the connection or is not ours to use", async () => {
    const refused = fakePodman(() => {
      throw connectFailure("ECONNREFUSED", `connect ECONNREFUSED ${SOCKET}`);
    });
    expect((await rejection(refused.client.request("GET", "/info"))).message).toBe(
      `Podman unreachable at ${SOCKET}: the socket refused the connection`,
    );
    const denied = fakePodman(() => {
      throw connectFailure("EACCES", `connect EACCES ${SOCKET}`);
    });
    expect((await rejection(denied.client.request("GET", "/info"))).message).toBe(
      `Podman unreachable at ${SOCKET}: permission denied on the socket`,
    );
  });

  it("reads the reason from the message when there is no code (Deno)", async () => {
    const { client } = fakePodman(() => {
      throw new TypeError(
        `error sending request for url (http://podman/v4.0.0/libpod/info): client error (Connect): No such file or directory (os error 2)`,
      );
    });
    expect((await rejection(client.request("GET", "/info"))).message).toBe(
      `Podman unreachable at ${SOCKET}: the socket does not exist (is the Podman service running?)`,
    );
  });

  it("keeps an unknown connection failure's own message", async () => {
    const { client } = fakePodman(() => {
      throw new TypeError("fetch failed", { cause: new Error("other side closed") });
    });
    expect((await rejection(client.request("GET", "/info"))).message).toBe(
      `Podman unreachable at ${SOCKET}: other side closed`,
    );
  });

  it("turns a timeout into PodmanTimeout that may have completed", async () => {
    const { client } = fakePodman(() => {
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    });
    const error = await rejection(
      client.request("POST", "/containers/create", { what: "Creating the container" }),
    );
    expect(error).toBeInstanceOf(PodmanTimeout);
    expect(error.message).toBe(
      "Creating the container got no answer from Podman within 30s and may have completed: " +
        "check the state before retrying",
    );
  });

  it("times out a request that gets no answer, naming the method and path by default", async () => {
    const client = new PodmanClient({ fetch: hangingFetch(), socket: SOCKET, timeoutMs: 30_000 });
    const error = await rejection(client.request("DELETE", "/containers/web", { timeoutMs: 500 }));
    expect(error).toBeInstanceOf(PodmanTimeout);
    expect(error.message).toBe(
      "DELETE /containers/web got no answer from Podman within 500ms and may have completed: " +
        "check the state before retrying",
    );
  });

  it("gives no signal at all when there is no limit and no caller signal", async () => {
    const { calls, client } = fakePodman(() => Response.json({}));
    await client.request("GET", "/events", { timeoutMs: 0 });
    expect(calls[0]?.init.signal).toBeUndefined();
  });

  it("turns the caller's abort into Cancelled", async () => {
    const client = new PodmanClient({ fetch: hangingFetch(), socket: SOCKET, timeoutMs: 30_000 });
    const controller = new AbortController();
    const pending = rejection(
      client.request("POST", "/images/pull", {
        signal: controller.signal,
        what: "Pulling busybox",
      }),
    );
    controller.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(Cancelled);
    expect(error.message).toBe("Pulling busybox was cancelled");
  });

  it("turns an abort before the call into Cancelled", async () => {
    const client = new PodmanClient({ fetch: hangingFetch(), socket: SOCKET, timeoutMs: 0 });
    const error = await rejection(client.request("GET", "/info", { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(Cancelled);
    expect(error.message).toBe("GET /info was cancelled");
  });

  it("translates a body that fails while being read", async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(connectFailure("ECONNRESET", "read ECONNRESET"));
      },
    });
    const { client } = fakePodman(() => new Response(body, { status: 200 }));
    const error = await rejection(client.json("GET", "/containers/json"));
    expect(error).toBeInstanceOf(PodmanUnreachable);
    expect(error.message).toBe(`Podman unreachable at ${SOCKET}: read ECONNRESET`);
  });
});
