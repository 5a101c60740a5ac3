import { checkRunMount } from "./containerfile-mounts.js";
import {
  type Instruction,
  containerfileRefusal,
  parseContainerfile,
  splitWords,
} from "./containerfile-syntax.js";
import { serialiseContainerfile } from "./containerfile-text.js";
import type { ContainerPolicy } from "./policy.js";
import { refused } from "./refusal.js";
import { checkImageRegistry, parseImageReference } from "./registry.js";

export interface CheckedContainerfile {
  /** The checked instructions, re-serialised: the only Containerfile text Podman is sent. */
  text: string;
  /** Every image the build may pull, as sent (qualified under --allowed-registries). */
  images: string[];
}

const ALLOWED_FLAGS: Record<string, readonly string[]> = {
  FROM: ["platform"],
  COPY: ["from", "chown", "chmod"],
  ADD: ["chown", "chmod"],
  RUN: ["mount"],
  HEALTHCHECK: ["interval", "timeout", "start-period", "start-interval", "retries"],
};
const STAGE_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const PLATFORM = /^[a-z0-9_-]+(\/[a-z0-9_.-]+){0,2}$/;
// Buildah and later Podman fetch these forms over the network (git too, in Podman 5).
const REMOTE_SOURCE = /^[a-z][a-z0-9+.-]*:\/\/|^git@/i;
// Expanded by Buildah before use: a source written so cannot be judged.
const PROCESSED_CHARACTERS = /['"\\$`]/;

/**
 * Parses a Containerfile strictly, checks every instruction against the
 * policy and answers the checked text to send Podman instead of the caller's.
 * Bases, COPY --from and RUN --mount from= images are checked against
 * --allowed-registries as Buildah reads them; stage names are matched the
 * way Buildah matches them (exactly, earlier stages only).
 */
export function checkContainerfile(policy: ContainerPolicy, text: string): CheckedContainerfile {
  const instructions = parseContainerfile(text);
  const allStageNames = instructions
    .filter((instruction) => instruction.keyword === "FROM")
    .map((instruction) => fromParts(instruction).stage)
    .filter((name): name is string => name !== undefined);
  const judge = new StageJudge(policy, allStageNames);
  const checked: Instruction[] = [];
  for (const instruction of instructions) {
    checkFlagNames(instruction);
    if (instruction.keyword !== "ARG" && instruction.keyword !== "FROM" && judge.stages === 0) {
      throw containerfileRefusal(instruction.line, "comes before the first FROM");
    }
    checked.push(judge.check(instruction));
  }
  if (judge.stages === 0) throw containerfileRefusal(1, "has no FROM instruction");
  return { text: serialiseContainerfile(checked), images: judge.images };
}

function checkFlagNames(instruction: Instruction): void {
  const allowed = ALLOWED_FLAGS[instruction.keyword] ?? [];
  const seen = new Set<string>();
  for (const flag of instruction.flags) {
    if (!allowed.includes(flag.name)) {
      throw containerfileRefusal(
        instruction.line,
        `has the flag --${flag.name} on ${instruction.keyword}, which the server does not allow` +
          (allowed.length ? ` (allowed: ${allowed.map((name) => `--${name}`).join(", ")})` : ""),
      );
    }
    if (flag.value === undefined || flag.value === "") {
      throw containerfileRefusal(instruction.line, `has --${flag.name} without a value`);
    }
    if (flag.name !== "mount" && seen.has(flag.name)) {
      throw containerfileRefusal(instruction.line, `repeats --${flag.name}`);
    }
    seen.add(flag.name);
  }
}

function fromParts(instruction: Instruction): { base: string; stage?: string } {
  if (instruction.args.form !== "text") throw containerfileRefusal(instruction.line, "is not FROM");
  const words = splitWords(instruction.args.text);
  if (words.length === 1) return { base: words[0]! };
  if (words.length === 3 && words[1]!.toLowerCase() === "as") {
    if (!STAGE_NAME.test(words[2]!) || words[2] === "scratch") {
      throw containerfileRefusal(
        instruction.line,
        "names its stage with something other than a letter followed by letters, digits, `_`, `.` or `-`",
      );
    }
    return { base: words[0]!, stage: words[2]! };
  }
  throw containerfileRefusal(instruction.line, "is not `FROM image` or `FROM image AS name`");
}

/** Follows the stages as Buildah builds them, deciding what each name refers to. */
class StageJudge {
  readonly images: string[] = [];
  readonly #names: string[] = [];
  stages = 0;

  constructor(
    private readonly policy: ContainerPolicy,
    private readonly allStageNames: readonly string[],
  ) {}

  check(instruction: Instruction): Instruction {
    switch (instruction.keyword) {
      case "FROM":
        return this.#from(instruction);
      case "COPY":
      case "ADD":
        return this.#copy(instruction);
      case "RUN":
        return {
          ...instruction,
          flags: instruction.flags.map((flag) => checkRunMount(flag, instruction.line)),
        };
      case "ONBUILD":
        throw containerfileRefusal(
          instruction.line,
          "is ONBUILD, whose trigger would run in a later build without being checked",
        );
      default:
        return instruction;
    }
  }

  #from(instruction: Instruction): Instruction {
    const { base, stage } = fromParts(instruction);
    const platform = instruction.flags.find((flag) => flag.name === "platform");
    if (platform && !PLATFORM.test(platform.value!)) {
      throw containerfileRefusal(
        instruction.line,
        'has a --platform that is not "os/arch[/variant]"',
      );
    }
    if (/^\d+$/.test(base)) {
      throw containerfileRefusal(
        instruction.line,
        "names its base by a number, which Buildah may read as a stage's index",
      );
    }
    if (PROCESSED_CHARACTERS.test(base)) {
      throw containerfileRefusal(
        instruction.line,
        "names its base through a variable, quotes or escapes, which cannot be checked: " +
          "write the image reference out",
      );
    }
    const sent = this.#isEarlierStage(base, instruction.line)
      ? base
      : this.#image(base, instruction.line);
    this.stages += 1;
    if (stage !== undefined) {
      if (this.#names.some((name) => name.toLowerCase() === stage.toLowerCase())) {
        throw containerfileRefusal(
          instruction.line,
          `names a second stage "${stage}" (ignoring case)`,
        );
      }
      this.#names.push(stage);
    }
    return {
      ...instruction,
      args: { form: "text", text: stage === undefined ? sent : `${sent} AS ${stage}` },
    };
  }

  #copy(instruction: Instruction): Instruction {
    const words =
      instruction.args.form === "json"
        ? instruction.args.values
        : splitWords(instruction.args.text);
    if (words.length < 2) {
      throw containerfileRefusal(
        instruction.line,
        `has ${instruction.keyword} without a source and a destination`,
      );
    }
    for (const source of words.slice(0, -1)) {
      if (instruction.keyword === "ADD" && PROCESSED_CHARACTERS.test(source)) {
        throw containerfileRefusal(
          instruction.line,
          "has an ADD source with variables, quotes or escapes, which cannot be checked",
        );
      }
      if (REMOTE_SOURCE.test(source) && !this.policy.allowBuildNetwork) {
        throw refused(
          `${instruction.keyword} from a URL or git repository (line ${instruction.line} of the Containerfile) fetches from the network: builds that use the network`,
          "--allow-build-network",
        );
      }
    }
    return {
      ...instruction,
      flags: instruction.flags.map((flag) =>
        flag.name === "from"
          ? { name: flag.name, value: this.#source(flag.value!, instruction.line, "COPY --from=") }
          : flag,
      ),
    };
  }

  /** A --from= value: an earlier stage (by name or index) or an image. */
  #source(value: string, line: number, what: string): string {
    if (/^\d+$/.test(value)) {
      // Buildah indexes its stage list with this number unchecked; past the end it crashes.
      if (Number(value) >= this.stages - 1) {
        throw containerfileRefusal(line, `has ${what}${value}, which is not an earlier stage`);
      }
      return value;
    }
    return this.#isEarlierStage(value, line) ? value : this.#image(value, line, ` (${what})`);
  }

  #isEarlierStage(name: string, line: number): boolean {
    if (this.#names.includes(name)) return true;
    if (this.allStageNames.some((stage) => stage.toLowerCase() === name.toLowerCase())) {
      throw containerfileRefusal(
        line,
        `refers to "${name}", which is a later stage or differs from a stage's name only in case`,
      );
    }
    return false;
  }

  #image(reference: string, line: number, what = ""): string {
    if (reference === "scratch" && what === "") return reference;
    const where = ` (line ${line} of the Containerfile${what})`;
    parseImageReference(reference, where);
    const sent = checkImageRegistry(this.policy, reference, where);
    this.images.push(sent);
    return sent;
  }
}
