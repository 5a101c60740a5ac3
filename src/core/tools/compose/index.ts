import type { AnyTool } from "../tool.js";
import { podmanComposeDown, podmanComposePs, podmanComposeUp } from "./project.js";

const tools: AnyTool[] = [podmanComposeUp, podmanComposeDown, podmanComposePs];
export default tools;
