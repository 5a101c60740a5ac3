/** Names that usually hold credentials: PASSWORD, DB_TOKEN, AWS_SECRET_ACCESS_KEY, ... */
const SECRET_NAME = /PASS|TOKEN|SECRET|KEY|CREDENTIAL|AUTH|PRIVATE|CERT/i;

export const HIDDEN = "<hidden: start mcp-podman with --show-secrets to see it>";

/** "NAME=value" entries keep their names; values of secret-looking names are hidden. */
export function hideSecretValues(env: unknown): unknown {
  if (!Array.isArray(env)) return env;
  return env.map((entry) => {
    if (typeof entry !== "string") return entry;
    const equals = entry.indexOf("=");
    if (equals < 0) return entry;
    const name = entry.slice(0, equals);
    return SECRET_NAME.test(name) ? `${name}=${HIDDEN}` : entry;
  });
}

/** A copy of an inspect document whose Config.Env hides secret values. */
export function withSecretsHidden<T extends Record<string, unknown>>(document: T): T {
  const config = document.Config as Record<string, unknown> | undefined;
  if (!config || !Array.isArray(config.Env)) return document;
  return { ...document, Config: { ...config, Env: hideSecretValues(config.Env) } };
}
