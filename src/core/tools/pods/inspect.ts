import * as z from "zod";
import { READ_ONLY } from "../annotations.js";
import { inspectPod } from "../../podman/pods.js";
import { maskUnlessShown } from "../../policy/secrets.js";
import { inspectAnswer, inspectOutput, renderInspect } from "../containers/inspect.js";
import { defineTool } from "../tool.js";
import { podName } from "./lifecycle.js";

export const podmanPodInspect = defineTool({
  name: "podman_pod_inspect",
  family: "pods",
  title: "Inspect a pod",
  description:
    "A pod's inspect document, secrets masked. PREFER `fields` such as State, Containers.",
  input: z.object({
    name: podName,
    fields: z.array(z.string().min(1)).optional(),
  }),
  output: inspectOutput,
  annotations: READ_ONLY,
  owns: { kind: "pod", arg: "name" },
  async handle(ctx, { name, fields }) {
    const document = await inspectPod(ctx.podman, name, ctx.signal);
    return inspectAnswer(maskUnlessShown(ctx, document), fields);
  },
  render: renderInspect,
});
