import type { AnyTool } from "../tool.js";
import { podmanVolumeCreate, podmanVolumeLs, podmanVolumePrune, podmanVolumeRm } from "./manage.js";

const tools: AnyTool[] = [podmanVolumeLs, podmanVolumeCreate, podmanVolumeRm, podmanVolumePrune];
export default tools;
