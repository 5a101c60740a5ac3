import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BadArgument } from "../../src/core/errors.js";
import {
  base64ByteLength,
  bytesAsText,
  decodeBase64,
  encodeBase64,
} from "../../src/core/tools/containers/byte-text.js";
import {
  containerPath,
  formatMode,
  parseMode,
} from "../../src/core/tools/containers/container-paths.js";

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("bytesAsText", () => {
  it("answers UTF-8 text as text and anything else as base64", () => {
    expect(bytesAsText(utf8("héllo ✓\n"))).toEqual({ encoding: "utf8", text: "héllo ✓\n" });
    expect(bytesAsText(new Uint8Array([0xff, 0xfe]))).toEqual({ encoding: "base64", text: "//4=" });
    expect(bytesAsText(utf8("a\0b"))).toEqual({ encoding: "base64", text: "YQBi" });
  });

  it("drops a character a bound cut in two, at the front or the end", () => {
    const text = utf8("✓ok✓");
    expect(bytesAsText(text.subarray(1), { front: true })).toEqual({
      encoding: "utf8",
      text: "ok✓",
    });
    expect(bytesAsText(text.subarray(0, text.length - 1), { end: true })).toEqual({
      encoding: "utf8",
      text: "✓ok",
    });
    expect(bytesAsText(text.subarray(0, text.length - 1)).encoding).toBe("base64");
  });

  it("never loses bytes: base64 decodes back to them, text encodes back to them", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (bytes) => {
        const { encoding, text } = bytesAsText(bytes);
        const back = encoding === "base64" ? decodeBase64(text, "x") : utf8(text);
        expect(back).toEqual(bytes);
        if (encoding === "base64") expect(base64ByteLength(text)).toBe(bytes.length);
      }),
    );
  });
});

describe("base64", () => {
  it("encodes large inputs as Buffer does", () => {
    const bytes = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) % 256);
    expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
  });

  it("accepts unpadded and wrapped base64 and refuses anything else", () => {
    expect([...decodeBase64("AAEC\nAw", "stdin")]).toEqual([0, 1, 2, 3]);
    for (const bad of ["A", "AB=C", "not base64!", "QQ="]) {
      expect(() => decodeBase64(bad, "stdin"), bad).toThrow(BadArgument);
    }
  });
});

describe("container paths and modes", () => {
  it("normalises absolute paths and refuses relative ones and ..", () => {
    expect(containerPath("//app/./src/", "path")).toBe("/app/src");
    expect(containerPath("/", "path")).toBe("/");
    for (const bad of ["app", "/app/../etc", "/a/\0b", ""]) {
      expect(() => containerPath(bad, "path"), JSON.stringify(bad)).toThrow(BadArgument);
    }
  });

  it("reads octal modes and writes them back", () => {
    expect(parseMode("0755", "mode")).toBe(0o755);
    expect(parseMode("644", "mode")).toBe(0o644);
    expect(parseMode("4755", "mode")).toBe(0o4755);
    expect(formatMode(0o755)).toBe("0755");
    expect(formatMode(0o4755)).toBe("04755");
    for (const bad of ["rwx", "0999", "75", "493"]) {
      expect(() => parseMode(bad, "mode"), bad).toThrow(BadArgument);
    }
  });
});
