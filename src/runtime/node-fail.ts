/** Ends start-up with a usage error (exit code 2), as a bad flag does. */
export function fail(message: string): never {
  process.stderr.write(`mcp-podman: ${message}\n`);
  process.exit(2);
}
