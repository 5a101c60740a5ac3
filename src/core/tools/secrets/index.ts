import type { AnyTool } from "../tool.js";
import { podmanSecretCreate, podmanSecretLs, podmanSecretRm } from "./manage.js";

const tools: AnyTool[] = [podmanSecretLs, podmanSecretCreate, podmanSecretRm];
export default tools;
