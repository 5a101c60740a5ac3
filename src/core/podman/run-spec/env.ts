import { BadArgument } from "../../errors.js";

/** SpecGenerator `env` is a map, exec `Env` a list: this gives the "KEY=value" list. */
export function envToList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => {
    if (key === "" || key.includes("=") || key.includes("\0")) {
      throw new BadArgument(
        `Invalid environment variable name "${key}": it must be non-empty and contain no "="`,
      );
    }
    if (value.includes("\0")) {
      throw new BadArgument(`Invalid value for environment variable "${key}": contains a NUL byte`);
    }
    return `${key}=${value}`;
  });
}
