import { describe, it, expect } from "vitest";
import { Hono } from "hono";
import { limitBody } from "../../src/core/http/body-limit.js";

const LIMIT = 16;

/** Counts reads of `body`: on Node, making the stream builds a second Request. */
class CountingRequest extends Request {
  bodyReads = 0;
  override get body() {
    this.bodyReads++;
    return super.body;
  }
}

function app() {
  const hono = new Hono();
  hono.use(limitBody(LIMIT, (c) => c.text("too large", 413)));
  hono.post("/", async (c) => c.text(`got ${await c.req.raw.text()}`));
  return hono;
}

const announced = (text: string) =>
  new CountingRequest("http://localhost/", {
    method: "POST",
    headers: { "content-length": String(new TextEncoder().encode(text).length) },
    body: text,
  });

const chunked = (text: string) =>
  new CountingRequest("http://localhost/", {
    method: "POST",
    body: new Blob([text]).stream(),
    duplex: "half",
  } as RequestInit);

describe("limitBody", () => {
  it("passes a body announced within the limit without making its stream", async () => {
    const request = announced("x".repeat(LIMIT));
    const response = await app().fetch(request);
    expect(await response.text()).toBe(`got ${"x".repeat(LIMIT)}`);
    expect(request.bodyReads).toBe(0);
  });

  it("refuses a body announced over the limit", async () => {
    const response = await app().fetch(announced("x".repeat(LIMIT + 1)));
    expect(response.status).toBe(413);
  });

  it("reads a chunked body and passes it on when within the limit", async () => {
    const response = await app().fetch(chunked("y".repeat(LIMIT)));
    expect(await response.text()).toBe(`got ${"y".repeat(LIMIT)}`);
  });

  it("refuses a chunked body over the limit", async () => {
    const response = await app().fetch(chunked("y".repeat(LIMIT + 1)));
    expect(response.status).toBe(413);
  });
});
