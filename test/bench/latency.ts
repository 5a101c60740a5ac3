import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallFigure } from "./figures.js";
import { type BundlePaths, bundleLaunch, serverEnvironment } from "./launch.js";
import type { Libpod, LibpodRequest } from "./libpod.js";
import { type Plan, interleave, timed } from "./measure.js";
import { answerSize, callToolOk, openStdioSession } from "./mcp-clients.js";
import { type CallTargets, LOG_TAIL, OUR_TOOLS, TOOL_KINDS, type ToolKind } from "./plan.js";
import { RequestRecorder } from "./request-recorder.js";

export type CallArguments = Record<ToolKind, Record<string, unknown>>;

/** podman_logs' max_bytes stays at its default: the answer must fit it unasked. */
export const ourArguments = (targets: CallTargets): CallArguments => ({
  ps: {},
  inspect: { name: targets.container },
  logs: { name: targets.bigLog, tail: LOG_TAIL },
  images: {},
});

/**
 * Calls each tool once through a server whose socket is a recording proxy and
 * answers the libpod requests each call made: the floor replays exactly those.
 */
export async function recordFloorRequests(
  paths: BundlePaths,
  podmanSocket: string,
  work: string,
  args: CallArguments,
): Promise<Record<ToolKind, LibpodRequest[]>> {
  const recorder = new RequestRecorder(podmanSocket);
  const proxySocket = join(work, "recorder.sock");
  await recorder.listen(proxySocket);
  const session = await openStdioSession(
    bundleLaunch("node", paths, proxySocket, ["--stdio"]),
    serverEnvironment(),
  );
  try {
    const floor = {} as Record<ToolKind, LibpodRequest[]>;
    for (const kind of TOOL_KINDS) {
      recorder.take();
      await callToolOk(session.client, OUR_TOOLS[kind], args[kind]);
      const requests = recorder.take();
      if (requests.length === 0) throw new Error(`${OUR_TOOLS[kind]} made no libpod request`);
      const changing = requests.find((request) => request.method !== "GET");
      if (changing) {
        throw new Error(`${OUR_TOOLS[kind]} sent ${changing.method}: the floor replays GETs only`);
      }
      floor[kind] = requests;
    }
    return floor;
  } finally {
    await session.close();
    await recorder.close();
  }
}

export interface Transports {
  stdio: Client;
  http: Client;
}

/** What every measured call needs: the floor's requests, our arguments and the two transports. */
export interface CallSetup {
  libpod: Libpod;
  floorRequests: Record<ToolKind, LibpodRequest[]>;
  args: CallArguments;
  transports: Transports;
}

/** One tool at the current container count: the floor and both transports, interleaved. */
export async function measureCall(
  setup: CallSetup,
  kind: ToolKind,
  containers: number,
  plan: Plan,
): Promise<CallFigure> {
  const { libpod, transports } = setup;
  const tool = OUR_TOOLS[kind];
  const args = setup.args[kind];
  const floorRequests = setup.floorRequests[kind];
  const stats = await interleave(
    {
      floor: timed(() => libpod.replayAll(floorRequests)),
      stdio: timed(() => callToolOk(transports.stdio, tool, args)),
      http: timed(() => callToolOk(transports.http, tool, args)),
    },
    plan,
  );
  const answer = await callToolOk(transports.stdio, tool, args);
  const floorBytes = await libpod.replayAll(floorRequests);
  return { kind, containers, ...stats, size: { ...answerSize(answer), floorBytes } };
}
