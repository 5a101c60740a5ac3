import { configDefaults, defineConfig } from "vitest/config";

/** Needs root and a whole build host of its own: only in its own project, once, on Node. */
const deploy = "test/integration/systemd-deploy.test.ts";

/**
 * What Node 22 runs (Node 24 runs the whole suite, on Podman 5): the files that go through the
 * Node adapter most (every transport, signals, telemetry, host files, streamed
 * and cancelled Podman calls), not the whole suite a third time.
 */
const onOtherNode = [
  "runtime",
  "deployed-copy",
  "transports",
  "http",
  "protocol",
  "containers",
  "images",
  "attack-host-files",
  "websocket",
  "shutdown",
  "observability",
].map((name) => `test/integration/${name}.test.ts`);

/**
 * What also runs against a rootless Podman: containers, pods, published ports, volumes,
 * builds, kube, and the policy's binds and resource ceilings.
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
].map((name) => `test/integration/${name}.test.ts`);

const onInstalledNode = (major: number) => ({
  test: {
    name: `integration-node${major}`,
    include: onOtherNode,
    globalSetup: ["test/integration/node-runtime-setup.ts", "test/integration/global-setup.ts"],
    env: { MCP_PODMAN_TEST_RUNTIME: `node${major}` },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          exclude: [...configDefaults.exclude, deploy],
          globalSetup: ["test/integration/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "deploy",
          include: [deploy],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "integration-rootless",
          include: onRootless,
          globalSetup: ["test/integration/global-setup.ts"],
          env: { MCP_PODMAN_TEST_PODMAN: "rootless" },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      onInstalledNode(22),
      {
        // The whole suite again on Podman 5 (Debian 13's, beside the host's 4.3), run by Node 24.
        test: {
          name: "integration-podman5",
          include: ["test/integration/**/*.test.ts"],
          exclude: [...configDefaults.exclude, deploy],
          globalSetup: [
            "test/integration/node-runtime-setup.ts",
            "test/integration/global-setup.ts",
          ],
          env: { MCP_PODMAN_TEST_PODMAN: "podman5", MCP_PODMAN_TEST_RUNTIME: "node24" },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The same suite with the same bundle, run by Deno.
        test: {
          name: "integration-deno",
          include: ["test/integration/**/*.test.ts"],
          exclude: [...configDefaults.exclude, deploy],
          globalSetup: ["test/integration/global-setup.ts"],
          env: { MCP_PODMAN_TEST_RUNTIME: "deno" },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
