import type { SocketConnect, SocketConnection } from "../../core/contracts.js";

/** The slice of Deno's unix connections this adapter uses. */
interface DenoUnixConn {
  readonly readable: ReadableStream<Uint8Array>;
  write(bytes: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
}
declare const Deno: {
  connect(options: { transport: "unix"; path: string }): Promise<DenoUnixConn>;
};

/** Raw connections to Podman's unix socket with Deno.connect, for hijacked requests. */
export function denoSocketConnect(path: string): SocketConnect {
  return async () => denoConnection(await Deno.connect({ transport: "unix", path }));
}

function denoConnection(conn: DenoUnixConn): SocketConnection {
  let closed = false;
  return {
    readable: conn.readable,
    async write(bytes) {
      // A write may take only part of the bytes.
      for (let offset = 0; offset < bytes.length;) {
        offset += await conn.write(bytes.subarray(offset));
      }
    },
    closeWrite: () => conn.closeWrite(),
    close() {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // The readable stream may have closed it already.
      }
    },
  };
}
