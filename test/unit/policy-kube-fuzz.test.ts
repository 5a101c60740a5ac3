import fc from "fast-check";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { BadArgument } from "../../src/core/errors.js";
import { planKubePlay } from "../../src/core/policy/kube.js";
import { PolicyRefusal } from "../../src/core/policy/refusal.js";
import { bindAllowed } from "../../src/core/policy/spec.js";
import { policyWith } from "./fixtures.js";

const policy = policyWith;

describe("kube checker fuzz: what it accepts, Podman reads no other way", () => {
  /** A field name as written: exact, or in another case the way Go's decoder still takes it. */
  const spelling = (name: string) =>
    fc.oneof(
      { weight: 40, arbitrary: fc.constant(name) },
      fc.constant(name.toUpperCase()),
      fc.constant(name.charAt(0).toUpperCase() + name.slice(1)),
      fc.constant(name.replace("s", "\u017F")),
      fc
        .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
        .map((flips) => [...name].map((c, i) => (flips[i] ? c.toUpperCase() : c)).join("")),
    );

  interface Written {
    value: Record<string, unknown>;
    exact: boolean;
  }
  /** An object whose keys are each given a generated spelling; `exact` when all are exact. */
  const fields = (entries: [string, fc.Arbitrary<Written | unknown>][]) =>
    fc
      .tuple(...entries.map(([name, arbitrary]) => fc.tuple(spelling(name), arbitrary)))
      .map((pairs): Written => {
        const value: Record<string, unknown> = {};
        let exact = true;
        for (const [[name], [written, item]] of entries.map(
          (entry, i) => [entry, pairs[i]!] as const,
        )) {
          if (item === undefined) continue;
          const nested = item as Written;
          const isWritten = typeof item === "object" && item !== null && "exact" in item;
          value[written] = isWritten ? nested.value : item;
          exact &&= written === name && (!isWritten || nested.exact);
        }
        return { value, exact };
      });
  const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
  const hostPaths = ["/", "/etc", "/srv/ok", "/srv/ok/data", "/srv/ok/../../etc", "/srv/okay"];
  const written = (item: fc.Arbitrary<Written>) =>
    item.map((w) => ({ value: [w.value], exact: w.exact }));
  const podDocument = fields([
    ["apiVersion", fc.constant("v1")],
    ["kind", fc.constant("Pod")],
    ["metadata", fields([["name", fc.constant("web")]])],
    [
      "spec",
      fields([
        ["hostNetwork", maybe(fc.boolean())],
        ["hostPID", maybe(fc.boolean())],
        [
          "volumes",
          maybe(
            written(
              fields([
                ["name", fc.constant("h")],
                ["hostPath", fields([["path", fc.constantFrom(...hostPaths)]])],
              ]),
            ),
          ),
        ],
        [
          "containers",
          written(
            fields([
              ["name", fc.constant("app")],
              ["image", fc.constant("localhost/busybox")],
              ["securityContext", maybe(fields([["privileged", maybe(fc.boolean())]]))],
            ]),
          ),
        ],
      ]),
    ],
  ]);

  /** Go's encoding/json: the exact name first, then any case-insensitive match. */
  const goField = (object: unknown, name: string): unknown => {
    if (object === null || typeof object !== "object") return undefined;
    const record = object as Record<string, unknown>;
    if (name in record) return record[name];
    const fold = (key: string) => key.toUpperCase().toLowerCase();
    const key = Object.keys(record).find((k) => fold(k) === fold(name));
    return key === undefined ? undefined : record[key];
  };

  const render = fc.constantFrom(
    (value: unknown) => stringify(value),
    (value: unknown) => JSON.stringify(value),
    (value: unknown) => stringify(value, { collectionStyle: "flow" }),
    (value: unknown) => `x: 1\n---\n${stringify(value)}`,
  );
  const allowBind = policy({ allowBind: ["/srv/ok"] });

  it("accepts exactly the exactly-spelled, harmless pods, and sends Podman nothing beyond them", () => {
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(podDocument, render, ({ value, exact }, write) => {
        const text = write(value);
        let sent: string | undefined;
        try {
          sent = planKubePlay(allowBind, text).yaml;
        } catch (error) {
          expect(error instanceof PolicyRefusal || error instanceof BadArgument).toBe(true);
        }
        if (text.startsWith("x: 1")) {
          expect(sent).toBeUndefined();
          return;
        }
        const spec = goField(value, "spec");
        const containers = goField(spec, "containers") as unknown[];
        const volumes = (goField(spec, "volumes") ?? []) as unknown[];
        const harmful =
          goField(spec, "hostNetwork") === true ||
          goField(spec, "hostPID") === true ||
          containers.some((c) => goField(goField(c, "securityContext"), "privileged") === true) ||
          volumes.some(
            (v) => !bindAllowed(allowBind, String(goField(goField(v, "hostPath"), "path"))),
          );
        expect(sent !== undefined, text).toBe(exact && !harmful);
        outcomes[sent === undefined ? "refused" : "accepted"] += 1;
        if (sent === undefined) return;
        const read = parse(sent);
        const readSpec = goField(read, "spec");
        expect(goField(readSpec, "hostNetwork")).not.toBe(true);
        for (const c of goField(readSpec, "containers") as unknown[])
          expect(goField(goField(c, "securityContext"), "privileged")).not.toBe(true);
        for (const v of (goField(readSpec, "volumes") ?? []) as unknown[])
          expect(bindAllowed(allowBind, String(goField(goField(v, "hostPath"), "path")))).toBe(
            true,
          );
      }),
      { numRuns: 1000 },
    );
    // Both sides are reached: exact harmless pods are rarer (about 1 in 100), so only "some".
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(20);
  });

  it("refuses every merge, alias or duplicate wrapped around a harmless pod", () => {
    const harmless = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web" },
      spec: { containers: [{ name: "app", image: "localhost/busybox" }] },
    };
    const tricks = fc.constantFrom(
      (text: string) => text.replace("spec:\n", "spec:\n  <<: {hostNetwork: true}\n"),
      (text: string) =>
        `base: &b {hostNetwork: true}\n${text.replace("spec:\n", "spec:\n  <<: *b\n")}`,
      (text: string) =>
        text.replace("spec:\n", "spec:\n  hostNetwork: false\n  hostNetwork: true\n"),
      (text: string) => `${text}spec: {hostNetwork: true, containers: []}\n`,
      (text: string) => text.replace("kind: Pod\n", "kind: Pod\nKind: Deployment\n"),
      (text: string) => text.replace("metadata:\n", "metadata: !!map\n"),
    );
    fc.assert(
      fc.property(tricks, (trick) => {
        const text = trick(stringify(harmless));
        expect(() => planKubePlay(policy(), text), text).toThrow(PolicyRefusal);
      }),
    );
    expect(() => planKubePlay(policy(), stringify(harmless))).not.toThrow();
  });
});
