/**
 * The label naming the environment variables a container gets from secrets
 * ("DB_PASSWORD,API_URL"). Podman's inspect shows such a variable's value in
 * Config.Env beside the others and keeps no record of where it came from: the
 * label is how masking knows to hide it whatever the variable is called. Its
 * key must not look secret itself, or masking would hide the names.
 */
export const SECRET_ENV_LABEL = "io.mcp-podman.hidden-env";

export function secretEnvLabel(variables: readonly string[]): Record<string, string> {
  return variables.length ? { [SECRET_ENV_LABEL]: variables.join(",") } : {};
}

/** Every variable name any SECRET_ENV_LABEL in `answer` lists. */
export function secretEnvNamesIn(answer: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(answer)) {
    for (const item of answer) if (typeof item === "object") secretEnvNamesIn(item, names);
    return names;
  }
  if (typeof answer !== "object" || answer === null) return names;
  for (const [key, item] of Object.entries(answer)) {
    if (key === SECRET_ENV_LABEL && typeof item === "string") {
      for (const name of item.split(",")) if (name) names.add(name);
    } else if (typeof item === "object") {
      secretEnvNamesIn(item, names);
    }
  }
  return names;
}
