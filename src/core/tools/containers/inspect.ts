import * as z from "zod";
import { READ_ONLY } from "../annotations.js";
import { inspectContainer } from "../../podman/containers.js";
import { maskUnlessShown } from "../../policy/secrets.js";
import { projectFields } from "../projection.js";
import { defineTool } from "../tool.js";
import { containerName } from "./lifecycle.js";

/** What podman_inspect and podman_pod_inspect answer. */
export const inspectOutput = z.object({
  id: z.string(),
  name: z.string(),
  inspect: z
    .record(z.string(), z.unknown())
    .describe("The document, or a map from each requested path to its value"),
  missing: z.array(z.string()).optional().describe("Requested paths that do not exist"),
});

/** The whole inspect document, or only the requested dotted paths and those that do not exist. */
export function inspectAnswer(
  document: { Id: string; Name: string; [key: string]: unknown },
  fields: string[] | undefined,
): z.input<typeof inspectOutput> {
  if (!fields?.length) return { id: document.Id, name: document.Name, inspect: document };
  const { values, missing } = projectFields(document, fields);
  return {
    id: document.Id,
    name: document.Name,
    inspect: values,
    ...(missing.length ? { missing } : {}),
  };
}

export function renderInspect({ inspect, missing }: z.output<typeof inspectOutput>): string {
  const note = missing?.length ? `\n(no such field: ${missing.join(", ")})` : "";
  return JSON.stringify(inspect) + note;
}

export const podmanInspect = defineTool({
  name: "podman_inspect",
  family: "containers",
  title: "Inspect a container",
  description:
    "A container's inspect document, secrets masked. PREFER `fields` such as State.Status, Config.Env.",
  input: z.object({
    name: containerName,
    fields: z.array(z.string().min(1)).optional(),
  }),
  output: inspectOutput,
  annotations: READ_ONLY,
  owns: { kind: "container", arg: "name" },
  async handle(ctx, { name, fields }) {
    const document = await inspectContainer(ctx.podman, name, ctx.signal);
    return inspectAnswer(maskUnlessShown(ctx, document), fields);
  },
  render: renderInspect,
});
