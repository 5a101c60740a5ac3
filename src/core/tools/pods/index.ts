import { podmanPodCreate } from "./create.js";
import { podmanPodInspect } from "./inspect.js";
import { podmanPodRestart, podmanPodRm, podmanPodStart, podmanPodStop } from "./lifecycle.js";
import { podmanPodLogs } from "./logs.js";
import { podmanPodPs } from "./ps.js";

export default [
  podmanPodCreate,
  podmanPodPs,
  podmanPodInspect,
  podmanPodStart,
  podmanPodStop,
  podmanPodRestart,
  podmanPodRm,
  podmanPodLogs,
];
