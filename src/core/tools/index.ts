import composeTools from "./compose.js";
import containerTools from "./containers/index.js";
import imageTools from "./images.js";
import kubeTools from "./kube.js";
import networkTools from "./networks.js";
import podTools from "./pods/index.js";
import systemTools from "./system/index.js";
import type { AnyTool } from "./tool.js";
import volumeTools from "./volumes.js";

/** Every tool family; the server only iterates over this list. */
export const allTools: AnyTool[] = [
  ...containerTools,
  ...podTools,
  ...imageTools,
  ...composeTools,
  ...kubeTools,
  ...volumeTools,
  ...networkTools,
  ...systemTools,
];
