import { configDefaults, defineConfig } from "vitest/config";

/**
 * Which files run on which runtime and Podman (the README's "What is tested where"):
 *
 * | project              | runtime | Podman                 | files            |
 * | -------------------- | ------- | ---------------------- | ---------------- |
 * | integration          | Node 20 | 4.3.1 rootful          | all              |
 * | integration-podman5  | Node 24 | 5.4.2 rootful          | all              |
 * | integration-rootless | Node 20 | 4.3.1 rootless         | onRootless       |
 * | integration-node22   | Node 22 | 4.3.1 rootful          | throughAdapter   |
 * | integration-deno     | Deno 2  | 4.3.1 rootful          | throughAdapter   |
 * | deploy               | Node 20 | 4.3.1 rootless, user unit | systemd-deploy |
 */

const integrationFile = (name: string) => `test/integration/${name}.test.ts`;

/** Needs root and a whole build host of its own: only in its own project, once, on Node. */
const deploy = integrationFile("systemd-deploy");
const everyIntegrationFile = {
  include: [integrationFile("*")],
  exclude: [...configDefaults.exclude, deploy],
};

/**
 * The files that go through a runtime adapter most: every transport, signals, telemetry, host
 * files, streamed, hijacked and cancelled Podman calls, TCP probes, a copy of the bundle
 * outside the repository.
 */
const throughAdapter = [
  "runtime",
  "deployed-copy",
  "transports",
  "http",
  "protocol",
  "websocket",
  "shutdown",
  "observability",
  "containers",
  "images",
  "files",
  "wait-follow",
  "attack-host-files",
  "attack-files",
].map(integrationFile);

/**
 * What also runs against a rootless Podman: containers, pods, published ports, volumes,
 * builds, kube, files in and out, and the policy's binds and resource ceilings.
 */
const onRootless = [
  "containers",
  "pods",
  "volumes-networks",
  "images",
  "kube",
  "container-image",
  "compose",
  "policy",
  "files",
].map(integrationFile);

const podmanTimeouts = { testTimeout: 60_000, hookTimeout: 120_000 };
const podmanSetup = "test/integration/global-setup.ts";
const nodeSetup = "test/integration/node-runtime-setup.ts";

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        test: {
          name: "integration",
          ...everyIntegrationFile,
          globalSetup: [podmanSetup],
          ...podmanTimeouts,
        },
      },
      {
        test: {
          name: "integration-podman5",
          ...everyIntegrationFile,
          globalSetup: [nodeSetup, podmanSetup],
          env: { MCP_PODMAN_TEST_PODMAN: "podman5", MCP_PODMAN_TEST_RUNTIME: "node24" },
          ...podmanTimeouts,
        },
      },
      {
        test: {
          name: "integration-rootless",
          include: onRootless,
          globalSetup: [podmanSetup],
          env: { MCP_PODMAN_TEST_PODMAN: "rootless" },
          ...podmanTimeouts,
        },
      },
      {
        test: {
          name: "integration-node22",
          include: throughAdapter,
          globalSetup: [nodeSetup, podmanSetup],
          env: { MCP_PODMAN_TEST_RUNTIME: "node22" },
          ...podmanTimeouts,
        },
      },
      {
        test: {
          name: "integration-deno",
          include: throughAdapter,
          globalSetup: [podmanSetup],
          env: { MCP_PODMAN_TEST_RUNTIME: "deno" },
          ...podmanTimeouts,
        },
      },
      {
        test: { name: "deploy", include: [deploy], testTimeout: 60_000, hookTimeout: 180_000 },
      },
    ],
  },
});
