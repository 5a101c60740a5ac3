import * as z from "zod";
import { BadArgument } from "../../errors.js";

export const byteEncoding = z.enum(["utf8", "base64"]);
export type ByteEncoding = z.output<typeof byteEncoding>;

/** Bytes as an answer can carry them: text when they are text, else base64. */
export interface BytesAsText {
  encoding: ByteEncoding;
  text: string;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Text when the bytes are valid UTF-8 without NULs, else base64. `cut` says
 * where a bound may have split a character (the front of a kept tail, the end
 * of a kept head); those partial bytes are dropped before judging.
 */
export function bytesAsText(bytes: Uint8Array, cut: { front?: boolean; end?: boolean } = {}) {
  let start = 0;
  let end = bytes.length;
  if (cut.front) while (start < 3 && start < end && isContinuation(bytes[start]!)) start += 1;
  if (cut.end) end -= incompleteTail(bytes.subarray(start, end));
  const kept = bytes.subarray(start, end);
  if (!kept.includes(0)) {
    try {
      return { encoding: "utf8", text: strictUtf8.decode(kept) } satisfies BytesAsText;
    } catch {
      // Not UTF-8: binary.
    }
  }
  return { encoding: "base64", text: encodeBase64(bytes) } satisfies BytesAsText;
}

const isContinuation = (byte: number) => (byte & 0xc0) === 0x80;

/** How many bytes at the end start a character that the cut left incomplete. */
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if (isContinuation(byte)) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  // String.fromCharCode takes its bytes as arguments: a bounded slice at a time.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export const base64ByteLength = (text: string) =>
  Math.floor((text.length * 3) / 4) - (/=+$/.exec(text)?.[0].length ?? 0);

/** Standard base64, padded or not, whitespace ignored; anything else is a BadArgument. */
export function decodeBase64(text: string, what: string): Uint8Array {
  const compact = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new BadArgument(`${what} is not valid base64`);
  }
  let binary: string;
  try {
    binary = atob(compact);
  } catch {
    throw new BadArgument(`${what} is not valid base64`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function decodeContent(content: string, encoding: ByteEncoding, what: string): Uint8Array {
  return encoding === "base64" ? decodeBase64(content, what) : new TextEncoder().encode(content);
}
