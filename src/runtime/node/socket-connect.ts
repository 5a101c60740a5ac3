import { type Socket, createConnection } from "node:net";
import type { SocketConnect, SocketConnection } from "../../core/contracts.js";

/** Raw connections to Podman's unix socket with node:net, for hijacked requests. */
export function unixSocketConnect(socketPath: string): SocketConnect {
  return () =>
    new Promise<SocketConnection>((resolve, reject) => {
      const socket = createConnection(socketPath);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(nodeConnection(socket));
      });
    });
}

function nodeConnection(socket: Socket): SocketConnection {
  // Errors reach the caller through the stream and the write promises.
  socket.on("error", () => undefined);
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      socket.on("data", (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        if ((controller.desiredSize ?? 1) <= 0) socket.pause();
      });
      socket.once("end", () => controller.close());
      socket.once("close", (hadError) => {
        if (hadError || !socket.readableEnded) {
          try {
            controller.error(new Error("the connection to Podman closed mid-answer"));
          } catch {
            // Already ended.
          }
        }
      });
    },
    pull() {
      socket.resume();
    },
    cancel() {
      socket.destroy();
    },
  });
  return {
    readable,
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (socket.destroyed || socket.writableEnded) {
          return reject(new Error("the connection to Podman is closed"));
        }
        socket.write(bytes, (error) => (error ? reject(error) : resolve()));
      }),
    closeWrite: () =>
      new Promise<void>((resolve) => {
        if (socket.writableEnded) return resolve();
        socket.end(resolve);
      }),
    close: () => void socket.destroy(),
  };
}
