import type { ThroughputFigure } from "./figures.js";
import type { Libpod, LibpodRequest } from "./libpod.js";
import { alternatingRates } from "./measure.js";
import { callToolOk, openHttpSession } from "./mcp-clients.js";
import { SESSION_COUNTS } from "./plan.js";

/** Each contender's time is cut into this many turns. */
const SLICES = 5;

/**
 * podman_ps calls per second with 1, 8 and 32 sessions each looping over HTTP,
 * next to as many loops of the raw request.
 */
export async function measureThroughput(
  url: string,
  token: string,
  libpod: Libpod,
  psFloor: LibpodRequest[],
  durationMs: number,
): Promise<ThroughputFigure[]> {
  const figures: ThroughputFigure[] = [];
  for (const concurrency of SESSION_COUNTS) {
    const sessions = await Promise.all(
      Array.from({ length: concurrency }, () => openHttpSession(url, token)),
    );
    try {
      const call = (worker: number) =>
        callToolOk((sessions[worker] as (typeof sessions)[number]).client, "podman_ps", {});
      await Promise.all(sessions.map((_, worker) => call(worker)));
      const rates = await alternatingRates(
        { floor: () => libpod.replayAll(psFloor), mcp: call },
        concurrency,
        durationMs,
        SLICES,
      );
      figures.push({ concurrency, ...rates });
    } finally {
      await Promise.all(sessions.map((session) => session.close()));
    }
  }
  return figures;
}
