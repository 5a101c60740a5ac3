import { describe, it, expect } from "vitest";
import { ByteCapture, TailBuffer, utf8ByteLength } from "../../src/core/podman/bounded-text.js";

const encoder = new TextEncoder();

describe("utf8ByteLength", () => {
  it("matches TextEncoder, lone surrogates included", () => {
    for (const text of ["", "abc", "é", "✓", "😀", "a😀b", "\uD800", "x\uDC00y", "\uD83D"]) {
      expect(utf8ByteLength(text), JSON.stringify(text)).toBe(encoder.encode(text).length);
    }
  });
});

describe("TailBuffer", () => {
  it("keeps everything while within budget", () => {
    const tail = new TailBuffer({ maxBytes: 100, maxLines: 10 });
    tail.push("a");
    tail.push("bb");
    expect(tail.result()).toEqual({
      lines: ["a", "bb"],
      omittedLines: 0,
      omittedBytes: 0,
      firstLineCut: false,
      truncated: false,
    });
    expect(tail.byteCount).toBe(5);
  });

  it("evicts the oldest lines past the line budget and counts them", () => {
    const tail = new TailBuffer({ maxBytes: 1000, maxLines: 3 });
    for (let i = 1; i <= 10; i++) tail.push(`line ${i}`);
    const result = tail.result();
    expect(result.lines).toEqual(["line 8", "line 9", "line 10"]);
    expect(result.omittedLines).toBe(7);
    // "line N" + newline = 7 bytes for lines 1..7
    expect(result.omittedBytes).toBe(49);
    expect(result.truncated).toBe(true);
  });

  it("evicts past the byte budget counting UTF-8 bytes and newlines", () => {
    // "ééé" is 6 bytes + newline = 7
    const tail = new TailBuffer({ maxBytes: 15, maxLines: 100 });
    tail.push("ééé");
    tail.push("ééé");
    tail.push("ab");
    const result = tail.result();
    expect(result.lines).toEqual(["ééé", "ab"]);
    expect(result.omittedLines).toBe(1);
    expect(result.omittedBytes).toBe(7);
    expect(tail.byteCount).toBe(10);
  });

  it("accepts a line that exactly fills the budget", () => {
    const tail = new TailBuffer({ maxBytes: 5, maxLines: 5 });
    tail.push("abcd");
    expect(tail.result()).toMatchObject({ lines: ["abcd"], truncated: false });
  });

  it("keeps the end of a line larger than the whole budget", () => {
    const tail = new TailBuffer({ maxBytes: 5, maxLines: 5 });
    tail.push("old");
    tail.push("0123456789");
    expect(tail.result()).toEqual({
      lines: ["6789"],
      omittedLines: 1,
      // "old\n" evicted (4) + "012345" cut (6)
      omittedBytes: 10,
      firstLineCut: true,
      truncated: true,
    });
    tail.push("x");
    expect(tail.result()).toMatchObject({ lines: ["x"], omittedLines: 2, firstLineCut: false });
    expect(tail.result().omittedBytes).toBe(15);
  });

  it("cuts an oversized line between characters, never inside one", () => {
    const tail = new TailBuffer({ maxBytes: 8, maxLines: 5 });
    // Room for 7 bytes of text: "é😀" is 6, the preceding "😀" would make 10.
    tail.push("xx😀é😀");
    const { lines, omittedBytes } = tail.result();
    expect(lines).toEqual(["é😀"]);
    expect(omittedBytes).toBe(utf8ByteLength("xx😀"));
  });

  it("stays bounded over many pushes", () => {
    const tail = new TailBuffer({ maxBytes: 1_000, maxLines: 50 });
    for (let i = 0; i < 100_000; i++) tail.push(`entry ${i}`);
    const result = tail.result();
    expect(result.lines).toHaveLength(50);
    expect(result.lines.at(-1)).toBe("entry 99999");
    expect(result.lines[0]).toBe("entry 99950");
    expect(result.omittedLines).toBe(99_950);
    expect(tail.lineCount).toBe(50);
  });

  it("rejects a non-positive budget", () => {
    expect(() => new TailBuffer({ maxBytes: 0, maxLines: 1 })).toThrow(/maxBytes/);
    expect(() => new TailBuffer({ maxBytes: 10, maxLines: -1 })).toThrow(/maxLines/);
  });
});

describe("ByteCapture", () => {
  it("keeps everything under the budget", () => {
    const capture = new ByteCapture(100);
    capture.push(encoder.encode("hello "));
    capture.push(encoder.encode("wörld"));
    expect(capture.text()).toBe("hello wörld");
    expect(capture.totalBytes).toBe(12);
    expect(capture.omittedBytes).toBe(0);
    expect(capture.truncated).toBe(false);
  });

  it("keeps the last bytes across chunk boundaries", () => {
    const capture = new ByteCapture(5);
    for (const part of ["abc", "def", "gh", "i"]) capture.push(encoder.encode(part));
    expect(capture.text()).toBe("efghi");
    expect(capture.totalBytes).toBe(9);
    expect(capture.omittedBytes).toBe(4);
    expect(capture.truncated).toBe(true);
  });

  it("keeps the tail of a single chunk larger than the budget", () => {
    const capture = new ByteCapture(4);
    capture.push(encoder.encode("ab"));
    capture.push(encoder.encode("0123456789"));
    expect(capture.text()).toBe("6789");
    expect(capture.omittedBytes).toBe(8);
  });

  it("drops the orphaned bytes of a character cut at the front", () => {
    // "a😀bc" is 61 F0 9F 98 80 62 63; the last 5 bytes start inside "😀".
    const capture = new ByteCapture(5);
    capture.push(encoder.encode("a😀"));
    capture.push(encoder.encode("bc"));
    expect(Array.from(capture.bytes())).toEqual([0x9f, 0x98, 0x80, 0x62, 0x63]);
    expect(capture.text()).toBe("bc");
  });

  it("keeps a character that starts exactly at the cut", () => {
    const capture = new ByteCapture(6);
    capture.push(encoder.encode("ab😀cd"));
    expect(capture.text()).toBe("😀cd");
  });

  it("copies chunks so the caller may reuse its buffer", () => {
    const capture = new ByteCapture(10);
    const chunk = encoder.encode("abc");
    capture.push(chunk);
    chunk.fill(0x7a);
    expect(capture.text()).toBe("abc");
  });

  it("stays correct over many small pushes", () => {
    const capture = new ByteCapture(10);
    for (let i = 0; i < 10_000; i++) capture.push(encoder.encode(String(i % 10)));
    expect(capture.text()).toBe("0123456789");
    expect(capture.totalBytes).toBe(10_000);
    expect(capture.omittedBytes).toBe(9_990);
  });
});
