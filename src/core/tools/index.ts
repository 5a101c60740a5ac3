import composeTools from "./compose/index.js";
import containerTools from "./containers/index.js";
import imageTools from "./images/index.js";
import kubeTools from "./kube/index.js";
import networkTools from "./networks/index.js";
import podTools from "./pods/index.js";
import secretTools from "./secrets/index.js";
import systemTools from "./system/index.js";
import { TOOL_FAMILIES, type AnyTool, type ToolFamily } from "./tool.js";
import volumeTools from "./volumes/index.js";

export const allTools: AnyTool[] = [
  ...containerTools,
  ...podTools,
  ...imageTools,
  ...composeTools,
  ...kubeTools,
  ...volumeTools,
  ...networkTools,
  ...secretTools,
  ...systemTools,
];

/** Every tool family by the name --tools and --deny-tools know it by, from what each tool declares. */
export const toolFamilies = Object.fromEntries(
  TOOL_FAMILIES.map((family) => [family, allTools.filter((tool) => tool.family === family)]),
) as Record<ToolFamily, AnyTool[]>;
