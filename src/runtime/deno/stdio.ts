import type { StdioBytes } from "../../core/host/transports/stdio-bytes.js";
import type { DenoApi } from "./api.js";

declare const Deno: DenoApi;

/** Node reads stdin 64 KiB at a time. */
const READ_SIZE = 64 * 1024;

/**
 * Deno's stdin and stdout read and written directly: Deno.stdin.readable
 * would load Deno's Web streams before the first message, which an answer
 * to `initialize` does not need.
 */
export function denoStdio(): StdioBytes & { onEnd(handler: () => void): void } {
  const buffer = new Uint8Array(READ_SIZE);
  const endHandlers: (() => void)[] = [];
  return {
    async read() {
      const length = await Deno.stdin.read(buffer);
      if (length === null) for (const handler of endHandlers) handler();
      return length === null ? null : buffer.slice(0, length);
    },
    onEnd: (handler) => void endHandlers.push(handler),
    stopReading: () => Deno.stdin.close(),
    // Asynchronous, so that a client slow to read holds up only what is
    // written after, never the event loop. A write may take part of the bytes.
    async write(bytes) {
      for (let offset = 0; offset < bytes.length;) {
        offset += await Deno.stdout.write(bytes.subarray(offset));
      }
    },
  };
}
