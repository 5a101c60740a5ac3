import type { Context, MiddlewareHandler } from "hono";

const DRAIN_MS = 2000;

/**
 * Refuses a request body over `maxBytes`, announced or chunked, with what
 * `refuse` answers. Before answering it reads and drops the rest of the body,
 * up to twice `maxBytes` in all and for at most two seconds: closing a
 * connection with unread bytes makes the kernel reset it, and the reset
 * discards the answer before the client reads it. A client sending more than
 * that gets the reset.
 */
export function limitBody(maxBytes: number, refuse: (c: Context) => Response): MiddlewareHandler {
  return async (c, next) => {
    const { raw } = c.req;
    // A GET or HEAD request has no body in the Fetch API.
    if (raw.method === "GET" || raw.method === "HEAD") return next();
    const announced = raw.headers.get("content-length");
    const framedByLength = announced !== null && !raw.headers.has("transfer-encoding");
    // The body stream is left alone when it need not be read: on Node, making
    // it builds a second, full Request for every call.
    if (framedByLength && !(Number(announced) > maxBytes)) return next();
    const body = raw.body;
    if (!body) return next();
    const reader = body.getReader();
    if (framedByLength) {
      await drain(reader, 0, maxBytes * 2);
      return refuse(c);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await drain(reader, size, maxBytes * 2);
        return refuse(c);
      }
      chunks.push(value);
    }
    c.req.raw = new Request(c.req.raw, { body: joined(chunks, size) });
    return next();
  };
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, read: number, most: number) {
  const deadline = setTimeout(() => void reader.cancel().catch(() => undefined), DRAIN_MS);
  try {
    while (read <= most) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // Cancelled at the deadline, or the client went away: nothing more to read.
  } finally {
    clearTimeout(deadline);
  }
}

function joined(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const body = new Uint8Array(new ArrayBuffer(size));
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
