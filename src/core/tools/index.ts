import composeTools from "./compose.js";
import containerTools from "./containers/index.js";
import imageTools from "./images.js";
import kubeTools from "./kube.js";
import networkTools from "./networks.js";
import podTools from "./pods/index.js";
import secretTools from "./secrets/index.js";
import systemTools from "./system/index.js";
import type { AnyTool } from "./tool.js";
import volumeTools from "./volumes.js";

/** Every tool family by the name --tools and --deny-tools know it by. */
export const toolFamilies: Record<string, AnyTool[]> = {
  containers: containerTools,
  pods: podTools,
  images: imageTools,
  compose: composeTools,
  kube: kubeTools,
  volumes: volumeTools,
  networks: networkTools,
  secrets: secretTools,
  system: systemTools,
};

export const allTools: AnyTool[] = Object.values(toolFamilies).flat();
