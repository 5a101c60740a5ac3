import { BadArgument } from "../errors.js";

export type KeyPath = readonly (string | number)[];

/** One problem in a compose file, located by its key path. */
export class ComposeIssue extends Error {
  constructor(
    readonly path: KeyPath,
    message: string,
    /** Where the line number is looked up, when not at `path` itself. */
    readonly linePath: KeyPath = path,
  ) {
    super(message);
  }
}

export function fail(path: KeyPath, message: string, linePath?: KeyPath): never {
  throw new ComposeIssue(path, message, linePath);
}

/** "service "web"" or "networks.front", the way a reader finds the place in the file. */
export function describePath(path: KeyPath): string {
  if (path[0] === "services" && path.length >= 2) {
    const rest = path.slice(2);
    const where = rest.length ? ` ${formatKeys(rest)}` : "";
    return `service "${path[1]}"${where}`;
  }
  return formatKeys(path);
}

function formatKeys(path: KeyPath): string {
  return path
    .map((key, index) => (typeof key === "number" ? `[${key}]` : index ? `.${key}` : key))
    .join("");
}

const MAX_REPORTED = 10;

/** Collects every problem so one answer names them all; `locate` adds line numbers. */
export class IssueList {
  readonly #issues: string[] = [];

  constructor(private readonly locate: (path: KeyPath) => number | undefined = () => undefined) {}

  get count(): number {
    return this.#issues.length;
  }

  add(path: KeyPath, message: string, linePath: KeyPath = path): void {
    const line = this.locate(linePath);
    const where = line === undefined ? "" : ` (line ${line})`;
    const subject = describePath(path);
    this.#issues.push(subject ? `${subject}: ${message}${where}` : `${message}${where}`);
  }

  /** Runs `read`, recording a ComposeIssue or a parser's BadArgument at `path`. */
  collect<T>(path: KeyPath, read: () => T): T | undefined {
    try {
      return read();
    } catch (error) {
      if (error instanceof ComposeIssue) this.add(error.path, error.message, error.linePath);
      else if (error instanceof BadArgument) this.add(path, error.message);
      else throw error;
      return undefined;
    }
  }

  throwIfAny(): void {
    if (this.#issues.length === 0) return;
    const shown = this.#issues.slice(0, MAX_REPORTED);
    const more = this.#issues.length - shown.length;
    const tail = more > 0 ? `; and ${more} more` : "";
    throw new BadArgument(`Invalid compose file: ${shown.join("; ")}${tail}`);
  }
}

/** Runs a parser that throws BadArgument, locating its failure at `path`. */
export function at<T>(path: KeyPath, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof BadArgument) throw new ComposeIssue(path, error.message);
    throw error;
  }
}
