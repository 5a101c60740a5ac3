/**
 * Opens a TCP connection to host:port and closes it at once, supplied by the
 * runtime adapter: true when the connection was accepted, false when it was
 * refused or could not be made. An aborted signal rejects it at once.
 * podman_wait uses it only for ports a container itself publishes.
 */
export type ProbeTcp = (host: string, port: number, signal: AbortSignal) => Promise<boolean>;
