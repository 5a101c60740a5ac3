import { BadArgument } from "../errors.js";
import type { HostFiles } from "../tools/tool.js";
import { parseEnvFile } from "./env-file.js";
import { basename, dirname, isAbsolute, normalizeAbsolute } from "./host-path.js";
import { interpolate } from "./interpolate.js";
import { IssueList } from "./issues.js";
import type { ComposeProject } from "./model.js";
import { checkProjectName, normalizeProjectName } from "./names.js";
import { parseCompose } from "./parse.js";
import { readComposeYaml } from "./yaml-source.js";

/** Where a compose project comes from, as the tools take it. */
export interface ComposeSource {
  file?: string;
  content?: string;
  working_dir?: string;
  project_name?: string;
  env?: Record<string, string>;
}

interface ResolvedSource {
  text: string;
  baseDir?: string;
  configFile?: string;
}

async function readSource(files: HostFiles, source: ComposeSource): Promise<ResolvedSource> {
  if (source.file !== undefined && source.content !== undefined) {
    throw new BadArgument("Give either `file` or `content`, not both");
  }
  if (source.working_dir !== undefined && !isAbsolute(source.working_dir)) {
    throw new BadArgument(
      `working_dir "${source.working_dir}" must be an absolute path on the host`,
    );
  }
  if (source.file !== undefined) {
    if (!isAbsolute(source.file)) {
      throw new BadArgument(`file "${source.file}" must be an absolute path on the host`);
    }
    const file = normalizeAbsolute(source.file);
    if (source.working_dir !== undefined) {
      throw new BadArgument(
        "working_dir goes with `content`; with `file`, paths resolve against its directory",
      );
    }
    return { text: await files.readTextFile(file), baseDir: dirname(file), configFile: file };
  }
  if (source.content !== undefined) {
    return {
      text: source.content,
      ...(source.working_dir ? { baseDir: normalizeAbsolute(source.working_dir) } : {}),
    };
  }
  throw new BadArgument("Give the compose `file` (a host path) or its `content`");
}

/** Reads, validates and completes a project (env files merged): nothing is created yet. */
export async function loadProject(
  files: HostFiles,
  source: ComposeSource,
): Promise<ComposeProject> {
  const { text, baseDir, configFile } = await readSource(files, source);
  const env = source.env ?? {};
  const project = parseCompose(text, {
    ...(baseDir ? { baseDir } : {}),
    ...(configFile ? { configFile } : {}),
    ...(source.project_name !== undefined ? { projectName: source.project_name } : {}),
    env,
  });
  for (const service of project.services) {
    const fromFiles: Record<string, string> = {};
    for (const envFile of service.envFiles) {
      let content: string;
      try {
        content = await files.readTextFile(envFile.path);
      } catch (error) {
        if (!envFile.required && error instanceof BadArgument && /no such file/.test(error.message))
          continue;
        throw error;
      }
      Object.assign(
        fromFiles,
        parseEnvFile(content, envFile.path, (key) => env[key]),
      );
    }
    service.environment = { ...fromFiles, ...service.environment };
  }
  return project;
}

/**
 * Only the project's name, for down and ps: they find everything by label,
 * so the file need not be valid beyond its `name`.
 */
export async function loadProjectName(files: HostFiles, source: ComposeSource): Promise<string> {
  if (source.project_name !== undefined) {
    if (source.file !== undefined && source.content !== undefined) {
      throw new BadArgument("Give either `file` or `content`, not both");
    }
    return checkProjectName(source.project_name);
  }
  if (source.file === undefined && source.content === undefined) {
    throw new BadArgument("Give project_name, or the compose `file` or `content`");
  }
  const { text, baseDir } = await readSource(files, source);
  const name = readComposeYaml(text).data.name;
  if (typeof name === "string" && name !== "") {
    const issues = new IssueList();
    const interpolated = issues.collect(["name"], () =>
      interpolate(name, source.env ?? {}, ["name"]),
    );
    issues.throwIfAny();
    return checkProjectName(interpolated!);
  }
  const derived = baseDir === undefined ? "" : normalizeProjectName(basename(baseDir));
  if (derived === "") {
    throw new BadArgument("No project name: pass project_name, or a file with a top-level `name`");
  }
  return derived;
}
