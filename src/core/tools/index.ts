import type { AnyTool } from "./tool.js";
import containerTools from "./containers/index.js";

/** Every tool family; the server only iterates over this list. */
export const allTools: AnyTool[] = [...containerTools];
