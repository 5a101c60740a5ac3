import type { ProbeTcp } from "../../core/contracts.js";
import type { DenoApi } from "./api.js";

declare const Deno: DenoApi;

export const denoProbeTcp: ProbeTcp = (hostname, port, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    Deno.connect({ hostname, port }).then(
      (connection) => {
        connection.close();
        signal.removeEventListener("abort", abort);
        resolve(true);
      },
      () => {
        signal.removeEventListener("abort", abort);
        resolve(false);
      },
    );
  });
