import { BadArgument, NotFound } from "../errors.js";
import { buildImage } from "../podman/build.js";
import { managedLabels } from "../policy/ownership.js";
import { pullImage } from "../podman/images.js";
import { checkImageRegistry } from "../policy/registry.js";
import { type BuildSource, checkedBuildContext } from "../policy/checked-build-context.js";
import type { CallContext } from "../call-context.js";
import { type LocalImage, localImage } from "../podman/images.js";
import type { ComposeProject, ServiceConfig } from "./model.js";
import { LABEL, builtImageFor } from "./names.js";

const PULL_TIMEOUT_MS = 10 * 60 * 1000;

export interface ResolvedImage extends LocalImage {
  reference: string;
}

export interface ImageReport {
  pulled: string[];
  built: string[];
  byService: Map<string, ResolvedImage>;
}

/** The image a service's container runs: its `image`, or compose's name for a built one. */
export const imageReferenceOf = (project: ComposeProject, service: ServiceConfig) =>
  service.image ?? builtImageFor(project.name, service.name);

/**
 * Makes every service's image present: built when it has a `build` section
 * and is missing (or `rebuild` is set), pulled when missing otherwise.
 */
export async function ensureImages(
  ctx: CallContext,
  project: ComposeProject,
  services: readonly ServiceConfig[],
  rebuild: boolean,
): Promise<ImageReport> {
  const report: ImageReport = { pulled: [], built: [], byService: new Map() };
  const known = new Map<string, LocalImage>();
  for (const service of services) {
    const reference = imageReferenceOf(project, service);
    let image = known.get(reference);
    if (image === undefined) {
      image = await resolve(ctx, project, service, reference, rebuild, report);
      known.set(reference, image);
    }
    report.byService.set(service.name, { reference, ...image });
  }
  return report;
}

async function resolve(
  ctx: CallContext,
  project: ComposeProject,
  service: ServiceConfig,
  reference: string,
  rebuild: boolean,
  report: ImageReport,
): Promise<LocalImage> {
  if (!(service.build && rebuild)) {
    const present = await localImage(ctx.podman, reference, ctx.signal);
    if (present !== undefined) return present;
  }
  if (service.build) {
    await build(ctx, project, service, reference);
    report.built.push(reference);
  } else {
    await ctx.progress(`pulling ${reference} for ${service.name}`);
    await pullImage(ctx.podman, checkImageRegistry(ctx.policy, reference), {
      signal: ctx.signal,
      timeoutMs: PULL_TIMEOUT_MS,
      onMessage: (line) => void ctx.progress(line),
    });
    report.pulled.push(reference);
  }
  const fetched = await localImage(ctx.podman, reference, ctx.signal);
  if (!fetched) {
    throw new NotFound(
      `${reference} is not in local storage after it was ${service.build ? "built" : "pulled"}`,
    );
  }
  return fetched;
}

async function build(
  ctx: CallContext,
  project: ComposeProject,
  service: ServiceConfig,
  reference: string,
): Promise<string> {
  const config = service.build!;
  await ctx.progress(`building ${reference} for ${service.name} from ${config.context}`);
  const { context, containerfile } = await checkedBuildContext(ctx, composeBuildSource(config));
  const result = await buildImage(ctx.podman, context, {
    tags: [reference],
    containerfile,
    network: ctx.policy.allowBuildNetwork ? "private" : "none",
    buildArgs: config.args,
    ...(config.target ? { target: config.target } : {}),
    labels: { [LABEL.project]: project.name, [LABEL.service]: service.name, ...managedLabels() },
    signal: ctx.signal,
    onStep: (line) => void ctx.progress(`${service.name}: ${line}`),
  });
  return result.id;
}

/** A service's build section as a build source: `dockerfile` names a file inside the context. */
export function composeBuildSource(config: NonNullable<ServiceConfig["build"]>): BuildSource {
  if (config.dockerfile?.startsWith("/")) {
    throw new BadArgument(
      `build.dockerfile "${config.dockerfile}" is absolute: give it relative to build.context`,
    );
  }
  return { contextDir: config.context, containerfilePath: config.dockerfile };
}
