import type { Config } from "../../config/config.js";
import { serveHttp } from "./http.js";
import { serveStdio } from "./stdio.js";
import type { ServeTransport } from "./transport.js";

export const TRANSPORTS: Record<Config["transport"], ServeTransport> = {
  stdio: serveStdio,
  http: serveHttp,
};
