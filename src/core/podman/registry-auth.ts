/** Credentials for one registry; never echoed back, never logged. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

const REDACTED = "***";

/**
 * The X-Registry-Auth header: libpod's pkg/auth decodes it with Go's
 * base64.URLEncoding (URL alphabet, padded) into a JSON {"username","password"}.
 */
export function registryAuthHeaders(auth: RegistryCredentials | undefined): Record<string, string> {
  if (!auth) return {};
  const json = JSON.stringify({ username: auth.username, password: auth.password });
  return { "X-Registry-Auth": base64Url(new TextEncoder().encode(json)) };
}

export function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_");
}

/** Removes the password (and the header that carries it) from a text that leaves the server. */
export function scrubCredentials(text: string, auth: RegistryCredentials | undefined): string {
  if (!auth) return text;
  let scrubbed = text;
  for (const secret of [registryAuthHeaders(auth)["X-Registry-Auth"]!, auth.password]) {
    if (secret) scrubbed = scrubbed.split(secret).join(REDACTED);
  }
  return scrubbed;
}

/** The same error with its message scrubbed, so no failure path can echo a password. */
export function scrubError(error: unknown, auth: RegistryCredentials | undefined): unknown {
  if (auth && error instanceof Error) error.message = scrubCredentials(error.message, auth);
  return error;
}
