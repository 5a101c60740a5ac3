import { podmanExec } from "./exec.js";
import { podmanInspect } from "./inspect.js";
import { podmanRestart, podmanRm, podmanStart, podmanStop } from "./lifecycle.js";
import { podmanLogs } from "./logs.js";
import { podmanPs } from "./ps.js";
import { podmanReadFile } from "./read-file.js";
import { podmanRun } from "./run.js";
import { podmanTop } from "./top.js";
import { podmanWait } from "./wait.js";
import { podmanWriteFiles } from "./write-files.js";

export default [
  podmanPs,
  podmanRun,
  podmanStart,
  podmanStop,
  podmanRestart,
  podmanRm,
  podmanLogs,
  podmanInspect,
  podmanExec,
  podmanTop,
  podmanWait,
  podmanWriteFiles,
  podmanReadFile,
];
