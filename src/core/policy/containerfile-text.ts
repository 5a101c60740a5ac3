import {
  type BuilderFlag,
  type Instruction,
  MAX_INSTRUCTION_BYTES,
  containerfileRefusal,
  parseContainerfile,
} from "./containerfile-syntax.js";

const encoder = new TextEncoder();

/**
 * The checked instructions written back, one per line: what Podman is sent.
 * Each line must read back as exactly this instruction, so a line that
 * Buildah would continue or cut is refused.
 */
export function serialiseContainerfile(instructions: readonly Instruction[]): string {
  return instructions.map(serialiseInstruction).join("\n") + "\n";
}

export function serialiseInstruction(instruction: Instruction): string {
  const parts = [instruction.keyword, ...instruction.flags.map(serialiseFlag)];
  parts.push(
    instruction.args.form === "json"
      ? JSON.stringify(instruction.args.values)
      : instruction.args.text,
  );
  const line = parts.join(" ");
  if (/\\[ \t]*$/.test(line)) {
    throw containerfileRefusal(instruction.line, "ends with a backslash at the end of the file");
  }
  if (encoder.encode(line).length > MAX_INSTRUCTION_BYTES) {
    throw containerfileRefusal(instruction.line, `is longer than ${MAX_INSTRUCTION_BYTES} bytes`);
  }
  const reread = parseContainerfile(line);
  if (reread.length !== 1 || !sameInstruction(reread[0]!, instruction)) {
    throw containerfileRefusal(instruction.line, "does not read back as the same instruction");
  }
  return line;
}

function sameInstruction(a: Instruction, b: Instruction): boolean {
  const args = (instruction: Instruction) =>
    instruction.args.form === "json"
      ? ["json", ...instruction.args.values]
      : ["text", instruction.args.text];
  const flags = (instruction: Instruction) =>
    instruction.flags.map((flag) => [flag.name, flag.value ?? null]);
  return (
    a.keyword === b.keyword &&
    JSON.stringify(flags(a)) === JSON.stringify(flags(b)) &&
    JSON.stringify(args(a)) === JSON.stringify(args(b))
  );
}

const serialiseFlag = (flag: BuilderFlag) =>
  flag.value === undefined ? `--${flag.name}` : `--${flag.name}=${flag.value}`;
