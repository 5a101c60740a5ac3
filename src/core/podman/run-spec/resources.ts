import { BadArgument } from "../../errors.js";

// `--memory` and `--cpus`, as SpecGenerator `resource_limits`.

const MEMORY_MULTIPLIERS: Record<string, number> = {
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** Like podman's RAMInBytes: binary multiples, "256m", "256mb", "256MiB", "1.5g", "1024". */
export function parseMemory(memory: string | number): number {
  const fail = (reason: string): never => {
    throw new BadArgument(
      `Invalid memory size "${memory}": ${reason}; expected a number of bytes or a size ` +
        'with unit b, k, m, g (binary, 1k = 1024), such as "512k", "256m", "1.5g"',
    );
  };
  if (typeof memory === "number") {
    if (!Number.isSafeInteger(memory) || memory < 1) fail("must be a positive whole number");
    return memory;
  }
  const match = /^(\d+(?:\.\d+)?) ?(?:(b)|([kmgtp])(?:i?b)?)?$/i.exec(memory.trim());
  if (!match) return fail("not a size");
  const unit = (match[2] ?? match[3] ?? "b").toLowerCase();
  const bytes = Math.trunc(Number(match[1]) * MEMORY_MULTIPLIERS[unit]!);
  if (bytes < 1) fail("must be at least 1 byte");
  if (!Number.isSafeInteger(bytes)) fail("too large");
  return bytes;
}

export const CPU_PERIOD = 100_000;
// The kernel refuses CFS quotas below 1ms.
const MIN_CPU_QUOTA = 1_000;

/** SpecGenerator `resource_limits.cpu: { quota, period }` for `--cpus`. */
export function cpusToQuota(cpus: number): { quota: number; period: typeof CPU_PERIOD } {
  if (!Number.isFinite(cpus) || cpus <= 0) {
    throw new BadArgument(
      `Invalid cpus ${cpus}: must be a number greater than 0, such as 0.5 or 2`,
    );
  }
  const quota = Math.round(cpus * CPU_PERIOD);
  if (quota < MIN_CPU_QUOTA) {
    throw new BadArgument(`Invalid cpus ${cpus}: the smallest CPU limit is 0.01`);
  }
  return { quota, period: CPU_PERIOD };
}
