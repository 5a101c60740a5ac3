import type { SocketConnect, SocketConnection } from "../contracts.js";

export interface HijackOptions {
  /** JSON-encoded. */
  body?: unknown;
  signal?: AbortSignal;
  /** Bounds the whole exchange, not just the answer's head. */
  timeoutMs?: number;
  what?: string;
}

/** Podman's side of a hijacked connection, after the answer's head. */
export interface HijackedConnection {
  readonly status: number;
  /** What Podman sends after the head, until it closes the connection. */
  readonly output: ReadableStream<Uint8Array>;
  write(bytes: Uint8Array): Promise<void>;
  closeWrite(): Promise<void>;
  close(): void;
  /** An error answer's body. */
  text(): Promise<string>;
}

const MAX_HEAD_BYTES = 64 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Writes an HTTP/1.1 request on a fresh connection and reads the answer's
 * head. It asks for an upgrade, as Docker clients do, so Podman answers
 * "101 UPGRADED" and the connection carries raw bytes both ways from then on.
 * `signal` closes the connection whenever it fires; the output then fails
 * with its reason.
 */
export async function openHijacked(
  connect: SocketConnect,
  method: string,
  target: string,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<HijackedConnection> {
  signal?.throwIfAborted();
  const connection = await connect();
  const payload = encoder.encode(body === undefined ? "" : JSON.stringify(body));
  const head =
    `${method} ${target} HTTP/1.1\r\nHost: libpod\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n` +
    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
  const reader = connection.readable.getReader();
  let failed: unknown;
  let onFailure: ((reason: unknown) => void) | undefined;
  const abort = () => {
    failed = signal?.reason;
    connection.close();
    // A pending read must end now, whether or not the runtime ends it on close.
    reader.cancel(failed).catch(() => undefined);
    onFailure?.(failed);
  };
  signal?.addEventListener("abort", abort, { once: true });
  const release = () => signal?.removeEventListener("abort", abort);
  try {
    await connection.write(joined([encoder.encode(head), payload]));
    const { status, contentLength, rest } = await readHead(reader);
    const output = remainingOutput(reader, rest, connection, release, (fail) => {
      onFailure = fail;
      if (failed !== undefined) fail(failed);
    });
    return {
      status,
      output,
      write: (bytes) => connection.write(bytes),
      closeWrite: () => connection.closeWrite(),
      close: () => connection.close(),
      text: async () => decoder.decode(await readBody(output, contentLength)),
    };
  } catch (error) {
    release();
    connection.close();
    throw failed ?? error;
  }
}

async function readHead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<{ status: number; contentLength: number | undefined; rest: Uint8Array }> {
  let received: Uint8Array = new Uint8Array(0);
  for (;;) {
    const end = indexOfBlankLine(received);
    if (end >= 0) {
      const lines = decoder.decode(received.subarray(0, end)).split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1]);
      if (!status) throw new Error(`Podman answered with "${(lines[0] ?? "").slice(0, 100)}"`);
      const length = lines
        .map((line) => /^content-length:\s*(\d+)\s*$/i.exec(line)?.[1])
        .find((value) => value !== undefined);
      return {
        status,
        contentLength: length === undefined ? undefined : Number(length),
        rest: received.subarray(end + 4),
      };
    }
    if (received.length > MAX_HEAD_BYTES) throw new Error("Podman's answer has no end of headers");
    const { done, value } = await reader.read();
    if (done) throw new Error("Podman closed the connection before answering");
    received = joined([received, value]);
  }
}

function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (
      bytes[i] === 0x0d &&
      bytes[i + 1] === 0x0a &&
      bytes[i + 2] === 0x0d &&
      bytes[i + 3] === 0x0a
    )
      return i;
  }
  return -1;
}

/** The bytes already read past the head, then the rest of the connection. */
function remainingOutput(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  rest: Uint8Array,
  connection: SocketConnection,
  release: () => void,
  onFailure: (fail: (reason: unknown) => void) => void,
): ReadableStream<Uint8Array> {
  const finish = () => {
    release();
    connection.close();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (rest.length > 0) controller.enqueue(rest);
      onFailure((reason) => {
        finish();
        try {
          controller.error(reason);
        } catch {
          // Already closed: the output was complete before the signal fired.
        }
      });
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          finish();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    cancel() {
      finish();
    },
  });
}

/** An answer that did not hijack may keep the connection open: its length says where it ends. */
async function readBody(
  stream: ReadableStream<Uint8Array>,
  length: number | undefined,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = stream.getReader();
  while (length === undefined || received < length) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
  }
  await reader.cancel();
  const body = joined(chunks);
  return length === undefined ? body : body.subarray(0, length);
}

function joined(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
