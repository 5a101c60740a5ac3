import type { AnyTool } from "../tool.js";
import {
  podmanNetworkCreate,
  podmanNetworkInspect,
  podmanNetworkLs,
  podmanNetworkRm,
} from "./manage.js";

const tools: AnyTool[] = [
  podmanNetworkLs,
  podmanNetworkCreate,
  podmanNetworkRm,
  podmanNetworkInspect,
];
export default tools;
