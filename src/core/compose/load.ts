import type { HostFiles } from "../contracts.js";
import { BadArgument, McpPodmanError } from "../errors.js";
import { parseEnvFile } from "./env-file.js";
import { basename, dirname, isAbsolute, normalizeAbsolute } from "./host-path.js";
import { interpolate } from "./interpolate.js";
import { IssueList } from "./issues.js";
import type { ComposeProject } from "./model.js";
import { checkProjectName, normalizeProjectName } from "./names.js";
import { parseCompose } from "./parse.js";
import { fileContentRedactor } from "./redact.js";
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
    // The path as given: the reader refuses ".." rather than resolving it lexically.
    const text = await files.readTextFile(source.file);
    return { text, baseDir: dirname(file), configFile: file };
  }
  if (source.content !== undefined) {
    return {
      text: source.content,
      ...(source.working_dir ? { baseDir: normalizeAbsolute(source.working_dir) } : {}),
    };
  }
  throw new BadArgument("Give the compose `file` (a host path) or its `content`");
}

/**
 * Runs a parse of `text`; when the text is a host file's, its failure names
 * the file and keeps the file's words out of the reason (see redact.ts).
 */
function withoutFileContent<T>(hostFile: string | undefined, text: string, parse: () => T): T {
  if (hostFile === undefined) return parse();
  try {
    return parse();
  } catch (error) {
    const redact = fileContentRedactor(text);
    if (error instanceof McpPodmanError) {
      error.message = `${hostFile}: ${redact(error.message)}`;
      throw error;
    }
    const message = error instanceof Error ? error.message : "it cannot be read";
    throw new BadArgument(`${hostFile}: ${redact(message)}`);
  }
}

/** Reads, validates and completes a project (env files merged): nothing is created yet. */
export async function loadProject(
  files: HostFiles,
  source: ComposeSource,
): Promise<ComposeProject> {
  const { text, baseDir, configFile } = await readSource(files, source);
  const env = source.env ?? {};
  const project = withoutFileContent(configFile, text, () =>
    parseCompose(text, {
      ...(baseDir ? { baseDir } : {}),
      ...(configFile ? { configFile } : {}),
      ...(source.project_name !== undefined ? { projectName: source.project_name } : {}),
      env,
    }),
  );
  for (const service of project.services) {
    // Like compose, a build context must exist even when the image does and nothing is built;
    // here it must also be readable under --allow-read, before anything is created.
    if (service.build) await files.realPath(service.build.context);
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
  const { text, baseDir, configFile } = await readSource(files, source);
  const name = withoutFileContent(configFile, text, () => {
    const declared = readComposeYaml(text).data.name;
    if (typeof declared !== "string" || declared === "") return undefined;
    const issues = new IssueList();
    const interpolated = issues.collect(["name"], () =>
      interpolate(declared, source.env ?? {}, ["name"]),
    );
    issues.throwIfAny();
    return checkProjectName(interpolated!);
  });
  if (name !== undefined) return name;
  const derived = baseDir === undefined ? "" : normalizeProjectName(basename(baseDir));
  if (derived === "") {
    throw new BadArgument("No project name: pass project_name, or a file with a top-level `name`");
  }
  return derived;
}
