import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { BadArgument } from "../../errors.js";
import { buildImage } from "../../podman/build.js";
import { withManagedLabel } from "../../policy/ownership.js";
import { defineTool } from "../tool.js";
import { type BuildSource, checkedBuildContext } from "../../policy/checked-build-context.js";
import { withProgress } from "./progress.js";

const stringMap = () => z.record(z.string(), z.string()).optional();

const buildArguments = z.object({
  tag: z.string().min(1).optional(),
  tags: z.array(z.string().min(1)).optional(),
  context_dir: z.string().min(1).optional(),
  containerfile: z.string().min(1).optional(),
  files: stringMap().describe("Context files, path -> text"),
  containerfile_path: z.string().min(1).optional(),
  build_args: stringMap(),
  target: z.string().min(1).optional(),
  labels: stringMap(),
  no_cache: z.boolean().default(false),
  pull: z.boolean().default(false).describe("Base images, even if present"),
  timeout: z.number().int().positive().default(1800),
});

export const podmanBuild = defineTool({
  name: "podman_build",
  family: "images",
  title: "Build an image",
  description: "Build an image from a host context_dir or an inline `containerfile` and `files`.",
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
