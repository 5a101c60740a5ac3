import { Conflict, PodmanRejected } from "../errors.js";
import type { PodmanClient } from "./client.js";

/**
 * The fields of libpod's secret documents that we read (Podman 4.3 and 5.x).
 * Neither answer holds the value unless asked with showsecret (5.x), which
 * this client never does.
 */
export interface SecretInfo {
  ID: string;
  CreatedAt: string;
  UpdatedAt?: string;
  Spec: {
    Name: string;
    Driver?: { Name: string };
    /** Podman 4.3 lists every secret with null labels; only its inspect has them. */
    Labels?: Record<string, string> | null;
  };
}

const secretPath = (name: string) => `/secrets/${encodeURIComponent(name)}`;

export async function listSecrets(
  podman: PodmanClient,
  signal: AbortSignal,
): Promise<SecretInfo[]> {
  return (await podman.json<SecretInfo[] | null>("GET", "/secrets/json", { signal })) ?? [];
}

export function inspectSecret(
  podman: PodmanClient,
  name: string,
  signal: AbortSignal,
): Promise<SecretInfo> {
  return podman.json<SecretInfo>("GET", `${secretPath(name)}/json`, { signal });
}

/**
 * The value goes as the raw body: libpod reads a form-encoded body as form
 * fields, so it is sent as octet-stream (never JSON, which would store the quotes).
 */
export async function createSecret(
  podman: PodmanClient,
  secret: { name: string; value: string; labels: Record<string, string> },
  signal: AbortSignal,
): Promise<{ ID: string }> {
  try {
    return await podman.json<{ ID: string }>("POST", "/secrets/create", {
      query: { name: secret.name, labels: JSON.stringify(secret.labels) },
      body: new TextEncoder().encode(secret.value),
      headers: { "content-type": "application/octet-stream" },
      signal,
      what: `Creating secret ${secret.name}`,
    });
  } catch (error) {
    // Podman 4.3 answers a taken name with a 500.
    if (error instanceof PodmanRejected && /name in use/i.test(error.message)) {
      throw new Conflict(error.message);
    }
    throw error;
  }
}

export async function removeSecret(
  podman: PodmanClient,
  name: string,
  signal: AbortSignal,
): Promise<void> {
  const response = await podman.request("DELETE", secretPath(name), {
    signal,
    what: `Removing secret ${name}`,
  });
  await response.body?.cancel();
}
