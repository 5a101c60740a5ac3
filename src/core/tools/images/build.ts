import * as z from "zod";
import { BadArgument } from "../../errors.js";
import { buildImage } from "../../podman/build.js";
import { withManagedLabel } from "../../policy/ownership.js";
import { shortId } from "../containers/summary.js";
import { defineTool } from "../tool.js";
import { type BuildSource, checkedBuildContext } from "./checked-context.js";
import { withProgress } from "./progress.js";

const stringMap = (what: string) => z.record(z.string(), z.string()).optional().describe(what);

const buildArguments = z.object({
  tag: z.string().min(1).optional().describe('Name of the built image, e.g. "localhost/app:dev"'),
  tags: z.array(z.string().min(1)).optional().describe("Several names (instead of, or with, tag)"),
  context_dir: z
    .string()
    .min(1)
    .optional()
    .describe("Absolute path of the build context directory on the host (sent to Podman as a tar)"),
  containerfile: z
    .string()
    .min(1)
    .optional()
    .describe("Inline Containerfile text, instead of context_dir"),
  files: stringMap(
    'With an inline containerfile: small files of the context, path -> text, e.g. {"app/main.sh": "..."}',
  ),
  containerfile_path: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Path of the Containerfile inside the context, relative (default: Containerfile, then Dockerfile)",
    ),
  build_args: stringMap("ARG values, name -> value"),
  target: z
    .string()
    .min(1)
    .optional()
    .describe("Build only up to this stage of a multi-stage file"),
  labels: stringMap("Labels to set on the image"),
  no_cache: z.boolean().default(false).describe("Do not reuse cached layers"),
  pull: z.boolean().default(false).describe("Pull base images even when present"),
  timeout: z
    .number()
    .int()
    .positive()
    .default(1800)
    .describe("Seconds to wait for the build before giving up"),
});

export const podmanBuild = defineTool({
  name: "podman_build",
  family: "images",
  title: "Build an image",
  description:
    "Build an image from a host directory (context_dir) or an inline `containerfile` plus `files`, with progress; answers its id and log tail, or the failing step. The policy checks the Containerfile first; RUN has no network unless allowed.",
  input: buildArguments,
  output: z.object({
    id: z.string().describe("Short (12 character) image id"),
    tags: z.array(z.string()),
    steps: z.number().int().describe("STEP lines the build went through"),
    log: z.object({
      text: z.string().describe("The last lines of the build output"),
      lines: z.number().int(),
      truncated: z.boolean().describe("true when earlier lines were left out"),
      omitted_lines: z.number().int(),
    }),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  async handle(ctx, args) {
    const tags = [...(args.tag ? [args.tag] : []), ...(args.tags ?? [])];
    if (tags.length === 0) throw new BadArgument("give the image a name with `tag` or `tags`");
    const { context, containerfile } = await checkedBuildContext(ctx, buildSource(args));
    let steps = 0;
    const result = await withProgress(ctx, async (report) => {
      report(`sending the build context (${context.length} bytes)`);
      return buildImage(ctx.podman, context, {
        tags,
        containerfile,
        network: ctx.policy.allowBuildNetwork ? "private" : "none",
        buildArgs: args.build_args,
        target: args.target,
        labels: withManagedLabel(args.labels),
        noCache: args.no_cache,
        pull: args.pull,
        signal: ctx.signal,
        timeoutMs: args.timeout * 1000,
        onStep(line) {
          steps += 1;
          report(line);
        },
      });
    });
    return {
      id: shortId(result.id),
      tags,
      steps,
      log: {
        text: result.log.lines.join("\n"),
        lines: result.log.lines.length,
        truncated: result.log.truncated,
        omitted_lines: result.log.omittedLines,
      },
    };
  },
  render({ id, tags, steps, log }) {
    const omitted = log.truncated ? `(${log.omitted_lines} earlier lines left out)\n` : "";
    return `Built ${tags.join(", ")}: ${id} (${steps} steps).\n${omitted}${log.text}`;
  },
});

function buildSource(args: z.output<typeof buildArguments>): BuildSource {
  if ((args.context_dir === undefined) === (args.containerfile === undefined)) {
    throw new BadArgument("give exactly one of `context_dir` or `containerfile`");
  }
  if (args.context_dir !== undefined) {
    if (args.files) throw new BadArgument("`files` goes with an inline `containerfile` only");
    return { contextDir: args.context_dir, containerfilePath: args.containerfile_path };
  }
  return {
    containerfile: args.containerfile!,
    files: Object.entries(args.files ?? {}).map(([path, content]) => ({ path, content })),
    containerfilePath: args.containerfile_path,
  };
}
