import type { AnyTool } from "../tool.js";
import { podmanKubeDown, podmanKubeGenerate, podmanKubePlay } from "./manifests.js";

const tools: AnyTool[] = [podmanKubeGenerate, podmanKubePlay, podmanKubeDown];
export default tools;
