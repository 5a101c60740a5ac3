/**
 * The slice of the Deno namespace the adapter uses (the project compiles
 * without Deno's types); each module declares `Deno` with this type.
 */
export interface DenoFileInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
  mode: number | null;
  mtime: Date | null;
}
export interface DenoApi {
  args: string[];
  env: { toObject(): Record<string, string> };
  exit(code: number): never;
  statSync(path: string): DenoFileInfo;
  readTextFileSync(path: string): string;
  cwd(): string;
  openSync(
    path: string,
    options: { append: boolean; create: boolean; mode: number },
  ): { writeSync(bytes: Uint8Array): number };
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  readDir(path: string): AsyncIterable<{ name: string }>;
  lstat(path: string): Promise<DenoFileInfo>;
  readLink(path: string): Promise<string>;
  realPath(path: string): Promise<string>;
  realPathSync(path: string): string;
  lstatSync(path: string): DenoFileInfo;
  stat(path: string): Promise<DenoFileInfo>;
  createHttpClient(options: { proxy: { transport: "unix"; path: string } }): unknown;
  connect(options: { hostname: string; port: number }): Promise<{ close(): void }>;
  serve(
    options: {
      hostname: string;
      port: number;
      cert?: string;
      key?: string;
      onListen?(address: { port: number }): void;
    },
    handler: (request: Request) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
  upgradeWebSocket(
    request: Request,
    options: { protocol?: string },
  ): {
    socket: WebSocket;
    response: Response;
  };
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  stdin: { read(buffer: Uint8Array): Promise<number | null>; close(): void };
  stderr: { writeSync(bytes: Uint8Array): number };
  stdout: { writeSync(bytes: Uint8Array): number; write(bytes: Uint8Array): Promise<number> };
}
