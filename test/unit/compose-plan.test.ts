import { describe, expect, it } from "vitest";
import { parseCompose } from "../../src/core/compose/parse.js";
import {
  checkHealthDependencies,
  decideAction,
  dependencyOrder,
  selectServices,
} from "../../src/core/compose/plan.js";
import type { ServiceConfig } from "../../src/core/compose/model.js";

function services(dependsOn: Record<string, string[]>): ServiceConfig[] {
  return Object.entries(dependsOn).map(([name, deps]) => ({
    name,
    image: "b",
    environment: {},
    envFiles: [],
    ports: [],
    volumes: [],
    secrets: [],
    dependsOn: Object.fromEntries(deps.map((dep) => [dep, "service_started" as const])),
    labels: {},
    networks: {},
  }));
}

const names = (list: readonly ServiceConfig[]) => list.map((service) => service.name);

describe("dependencyOrder", () => {
  it("puts dependencies first and otherwise keeps file order", () => {
    const order = dependencyOrder(
      services({ web: ["api"], api: ["db", "cache"], db: [], cache: [], tool: [] }),
    );
    expect(names(order)).toEqual(["db", "cache", "api", "web", "tool"]);
  });

  it("handles shared dependencies once", () => {
    expect(names(dependencyOrder(services({ a: ["c"], b: ["c"], c: [] })))).toEqual([
      "c",
      "a",
      "b",
    ]);
  });

  it("names a cycle", () => {
    expect(() => dependencyOrder(services({ a: ["b"], b: ["c"], c: ["a"] }))).toThrow(
      "The depends_on entries form a cycle: a -> b -> c -> a",
    );
    expect(() => dependencyOrder(services({ x: [], a: ["b"], b: ["a"] }))).toThrow(/a -> b -> a/);
  });

  it("finds the cycle in a parsed file", () => {
    const project = parseCompose(
      "services: {web: {image: b, depends_on: [client]}, client: {image: b, depends_on: {web: {condition: service_healthy}}}}",
      { projectName: "p" },
    );
    expect(() => dependencyOrder(project.services)).toThrow(/cycle: web -> client -> web/);
  });
});

describe("selectServices", () => {
  const all = services({ web: ["api"], api: ["db"], db: [], tool: [] });

  it("selects everything by default", () => {
    expect([...selectServices(all, undefined)]).toEqual(["web", "api", "db", "tool"]);
    expect([...selectServices(all, [])]).toHaveLength(4);
  });

  it("adds the dependencies of the requested services, transitively", () => {
    expect([...selectServices(all, ["web"])].sort()).toEqual(["api", "db", "web"]);
    expect([...selectServices(all, ["tool"])]).toEqual(["tool"]);
  });

  it("refuses unknown services, listing the known ones", () => {
    expect(() => selectServices(all, ["nope"])).toThrow(
      /No service "nope".*services: web, api, db, tool/,
    );
  });
});

describe("decideAction", () => {
  const wanted = { configHash: "h1", imageId: "i1" };

  it("creates what does not exist", () => {
    expect(decideAction(undefined, wanted)).toBe("create");
  });

  it("keeps an unchanged running container and starts an unchanged stopped one", () => {
    expect(decideAction({ configHash: "h1", imageId: "i1", running: true }, wanted)).toBe("keep");
    expect(decideAction({ configHash: "h1", imageId: "i1", running: false }, wanted)).toBe("start");
  });

  it("recreates when the configuration or the image changed", () => {
    expect(decideAction({ configHash: "h0", imageId: "i1", running: true }, wanted)).toBe(
      "recreate",
    );
    expect(decideAction({ configHash: "h1", imageId: "i0", running: true }, wanted)).toBe(
      "recreate",
    );
    expect(decideAction({ imageId: "i1", running: true }, wanted)).toBe("recreate");
  });
});

describe("checkHealthDependencies", () => {
  const project = parseCompose(
    [
      "services:",
      "  checked: {image: b, healthcheck: {test: [CMD, 'true']}}",
      "  disabled: {image: b, healthcheck: {disable: true}}",
      "  bare: {image: b}",
      "  ok: {image: b, depends_on: {checked: {condition: service_healthy}, bare: {condition: service_started}}}",
    ].join("\n"),
    { projectName: "p" },
  );

  it("accepts a health check from the file or from the image", () => {
    expect(() => checkHealthDependencies(project.services, () => false)).not.toThrow();
    const withBare = parseCompose(
      "services: {bare: {image: b}, app: {image: b, depends_on: {bare: {condition: service_healthy}}}}",
      { projectName: "p" },
    );
    expect(() =>
      checkHealthDependencies(withBare.services, (name) => name === "bare"),
    ).not.toThrow();
    expect(() => checkHealthDependencies(withBare.services, () => false)).toThrow(
      /"app" waits for "bare" to be healthy, but "bare" has no health check/,
    );
  });

  it("counts a disabled check as none, even when the image has one", () => {
    const disabled = parseCompose(
      "services: {db: {image: b, healthcheck: {disable: true}}, app: {image: b, depends_on: {db: {condition: service_healthy}}}}",
      { projectName: "p" },
    );
    expect(() => checkHealthDependencies(disabled.services, () => true)).toThrow(
      /"db" has no health check/,
    );
  });
});
