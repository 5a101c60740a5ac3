import type { AnyTool } from "../tool.js";
import { podmanSystemDf } from "./df.js";
import { podmanEvents } from "./events.js";
import { podmanHealthcheckRun } from "./healthcheck.js";
import { podmanInfo } from "./info.js";
import { podmanStats } from "./stats.js";

const tools: AnyTool[] = [
  podmanInfo,
  podmanSystemDf,
  podmanEvents,
  podmanStats,
  podmanHealthcheckRun,
];
export default tools;
