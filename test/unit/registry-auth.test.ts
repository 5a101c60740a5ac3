import { describe, expect, it } from "vitest";
import { PodmanRejected } from "../../src/core/errors.js";
import {
  base64Url,
  registryAuthHeaders,
  scrubCredentials,
  scrubError,
} from "../../src/core/podman/registry-auth.js";

const auth = { username: "ci", password: "s3cr+t/?é" };

describe("registryAuthHeaders", () => {
  it("encodes the credentials as padded base64url JSON, as libpod's pkg/auth decodes them", () => {
    const header = registryAuthHeaders(auth)["X-Registry-Auth"]!;
    expect(header).toMatch(/^[A-Za-z0-9_-]+=*$/);
    expect(header.length % 4).toBe(0);
    const json = Buffer.from(header, "base64url").toString("utf8");
    expect(JSON.parse(json)).toEqual(auth);
  });

  it("sends nothing without credentials", () => {
    expect(registryAuthHeaders(undefined)).toEqual({});
  });

  it("uses the URL alphabet", () => {
    expect(base64Url(new Uint8Array([0xfb, 0xff]))).toBe("-_8=");
  });
});

describe("scrubCredentials", () => {
  it("removes the password and the encoded header from texts", () => {
    const header = registryAuthHeaders(auth)["X-Registry-Auth"]!;
    const text = `login ci:${auth.password} failed (header ${header})`;
    const scrubbed = scrubCredentials(text, auth);
    expect(scrubbed).not.toContain(auth.password);
    expect(scrubbed).not.toContain(header);
    expect(scrubbed).toBe("login ci:*** failed (header ***)");
  });

  it("scrubs an error's message in place, keeping its type", () => {
    const error = scrubError(new PodmanRejected(`bad password ${auth.password}`, 500), auth);
    expect(error).toBeInstanceOf(PodmanRejected);
    expect((error as Error).message).toBe("bad password ***");
  });
});
