import { describe, it, expect } from "vitest";
import { projectFields } from "../../src/core/tools/projection.js";

const inspect = {
  Id: "3f2a9c0d1e4b",
  Name: "web",
  State: { Status: "running", Running: true, ExitCode: 0, Health: null },
  Config: { Env: ["PATH=/bin", "PORT=8080"], Labels: { app: "web" }, Cmd: [] },
  Mounts: [
    { Type: "bind", Source: "/srv/www", Destination: "/www" },
    { Type: "volume", Source: "/var/lib/containers/storage/volumes/data", Destination: "/data" },
  ],
  NetworkSettings: { Ports: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] } },
  exact: "lower",
  EXACT: "upper",
};

describe("projectFields", () => {
  it("picks dotted paths, keyed by the path as asked", () => {
    expect(projectFields(inspect, ["State.Status", "Config.Labels.app", "Name"])).toEqual({
      values: { "State.Status": "running", "Config.Labels.app": "web", Name: "web" },
      missing: [],
    });
  });

  it("returns whole sub-documents and falsy leaves", () => {
    expect(
      projectFields(inspect, ["Config.Env", "State.Running", "State.ExitCode", "State.Health"]),
    ).toEqual({
      values: {
        "Config.Env": ["PATH=/bin", "PORT=8080"],
        "State.Running": true,
        "State.ExitCode": 0,
        "State.Health": null,
      },
      missing: [],
    });
  });

  it("falls back to a case-insensitive match", () => {
    expect(projectFields(inspect, ["state.status", "CONFIG.labels.APP"]).values).toEqual({
      "state.status": "running",
      "CONFIG.labels.APP": "web",
    });
  });

  it("prefers the exact key over a case-insensitive one", () => {
    expect(projectFields(inspect, ["exact", "EXACT", "Exact"]).values).toEqual({
      exact: "lower",
      EXACT: "upper",
      Exact: "lower",
    });
  });

  it("indexes arrays", () => {
    expect(
      projectFields(inspect, ["Mounts.0.Source", "Mounts.1.destination", "Config.Env.1"]).values,
    ).toEqual({
      "Mounts.0.Source": "/srv/www",
      "Mounts.1.destination": "/data",
      "Config.Env.1": "PORT=8080",
    });
  });

  it("reaches keys holding a slash", () => {
    expect(projectFields(inspect, ["NetworkSettings.Ports.80/tcp.0.HostPort"]).values).toEqual({
      "NetworkSettings.Ports.80/tcp.0.HostPort": "8080",
    });
  });

  it("reports paths that lead nowhere, in the order asked, keeping the others", () => {
    expect(
      projectFields(inspect, [
        "State.Pid",
        "State.Status",
        "Mounts.2.Source",
        "Mounts.-1",
        "Mounts.first",
        "Mounts.0.Source.length",
        "Config.Cmd.0",
        "Nope.Deeper",
      ]),
    ).toEqual({
      values: { "State.Status": "running" },
      missing: [
        "State.Pid",
        "Mounts.2.Source",
        "Mounts.-1",
        "Mounts.first",
        "Mounts.0.Source.length",
        "Config.Cmd.0",
        "Nope.Deeper",
      ],
    });
  });

  it("answers empty results for no paths and for a document that is not an object", () => {
    expect(projectFields(inspect, [])).toEqual({ values: {}, missing: [] });
    expect(projectFields(null, ["State"])).toEqual({ values: {}, missing: ["State"] });
    expect(projectFields("text", ["length"])).toEqual({ values: {}, missing: ["length"] });
  });
});

describe("projectFields edge cases", () => {
  it("finds keys that hold dots, such as label names", () => {
    const doc = { Config: { Labels: { "io.podman.compose.project": "demo", io: "short" } } };
    expect(
      projectFields(doc, ["Config.Labels.io.podman.compose.project", "Config.Labels.io"]),
    ).toEqual({
      values: { "Config.Labels.io.podman.compose.project": "demo", "Config.Labels.io": "short" },
      missing: [],
    });
  });

  it("reports inherited properties and empty segments as missing", () => {
    const doc = { State: {}, Mounts: [{ Source: "/a" }] };
    expect(
      projectFields(doc, ["toString", "State.constructor", "Mounts..Source", "Mounts."]),
    ).toEqual({
      values: {},
      missing: ["toString", "State.constructor", "Mounts..Source", "Mounts."],
    });
  });
});
