import { BadArgument } from "../errors.js";

/** The labels Docker Compose puts on what it creates; `down` and `ps` find a project by them. */
export const LABEL = {
  project: "com.docker.compose.project",
  service: "com.docker.compose.service",
  containerNumber: "com.docker.compose.container-number",
  oneoff: "com.docker.compose.oneoff",
  configHash: "com.docker.compose.config-hash",
  dependsOn: "com.docker.compose.depends_on",
  workingDir: "com.docker.compose.project.working_dir",
  configFiles: "com.docker.compose.project.config_files",
  network: "com.docker.compose.network",
  volume: "com.docker.compose.volume",
  podmanProject: "io.podman.compose.project",
} as const;

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** A name the user chose (argument or top-level `name`) must already be valid, as in compose. */
export function checkProjectName(name: string): string {
  if (!PROJECT_NAME.test(name)) {
    throw new BadArgument(
      `Invalid project name "${name}": it must contain only lowercase letters, digits, "-" and "_", ` +
        "and begin with a letter or digit",
    );
  }
  return name;
}

/** A name derived from a directory is normalised like compose does: "My App" → "myapp". */
export function normalizeProjectName(directoryName: string): string {
  return directoryName
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "")
    .replace(/^[_-]+/, "");
}

export const containerNameFor = (project: string, service: string) => `${project}-${service}-1`;
export const networkNameFor = (project: string, key: string) => `${project}_${key}`;
export const volumeNameFor = (project: string, key: string) => `${project}_${key}`;
/** What compose tags a built image as when the service names no `image`. */
export const builtImageFor = (project: string, service: string) => `${project}-${service}`;

export const projectFilter = (project: string) => `${LABEL.project}=${project}`;
