import type { AnyTool } from "./tool.js";

const tools: AnyTool[] = [];
export default tools;
