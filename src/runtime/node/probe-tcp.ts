import { connect } from "node:net";
import type { ProbeTcp } from "../../core/contracts.js";

export const nodeProbeTcp: ProbeTcp = (host, port, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const socket = connect({ host, port });
    const finish = (settle: () => void) => {
      signal.removeEventListener("abort", abort);
      socket.destroy();
      settle();
    };
    const abort = () => finish(() => reject(signal.reason));
    signal.addEventListener("abort", abort, { once: true });
    socket.once("connect", () => finish(() => resolve(true)));
    socket.once("error", () => finish(() => resolve(false)));
  });
