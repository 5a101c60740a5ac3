import { describe, expect, it } from "vitest";
import { encodeFilters } from "../../src/core/podman/filters.js";

describe("encodeFilters", () => {
  it("answers a JSON map from filter name to a list of values", () => {
    expect(
      JSON.parse(encodeFilters({ label: ["a=1", "b"], name: "web", dangling: true })!),
    ).toEqual({ label: ["a=1", "b"], name: ["web"], dangling: ["true"] });
  });

  it("leaves out unset and empty filters, and answers undefined when none is left", () => {
    expect(encodeFilters({ label: [], name: undefined, dangling: false })).toBe(
      '{"dangling":["false"]}',
    );
    expect(encodeFilters({ label: [], name: undefined })).toBeUndefined();
    expect(encodeFilters(undefined)).toBeUndefined();
  });
});
