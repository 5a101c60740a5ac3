import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { enforceKubeYaml, kubePodNames, parseQuantity } from "../../src/core/policy/kube.js";
import { MANAGED_LABEL, type ContainerPolicy } from "../../src/core/policy/policy.js";
import { PolicyRefusal } from "../../src/core/policy/refusal.js";

const DENY_ALL: ContainerPolicy = {
  allowPrivileged: false,
  allowCapAdd: false,
  allowHostNamespaces: false,
  allowDevices: false,
  allowUnconfined: false,
  allowBind: [],
  allowRead: [],
  allowBuildNetwork: false,
  allowedRegistries: undefined,
  maxMemoryBytes: undefined,
  maxCpus: undefined,
  maxPids: undefined,
  managedOnly: false,
};
const policy = (overrides: Partial<ContainerPolicy> = {}) => ({ ...DENY_ALL, ...overrides });

const pod = (spec: string[], container: string[] = []) =>
  [
    "apiVersion: v1",
    "kind: Pod",
    "metadata: {name: web}",
    "spec:",
    ...spec.map((line) => `  ${line}`),
    "  containers:",
    "  - name: app",
    "    image: localhost/busybox",
    ...container.map((line) => `    ${line}`),
  ].join("\n");

const refusal = (yaml: string, given = policy()) => {
  try {
    enforceKubeYaml(given, yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyRefusal);
    return (error as Error).message;
  }
  throw new Error("expected a policy refusal");
};

describe("kube policy checks", () => {
  it("refuses host namespaces unless --allow-host-namespaces", () => {
    expect(refusal(pod(["hostNetwork: true"]))).toBe(
      `Pod "web": the host's network namespace for containers are refused by policy: start mcp-podman with --allow-host-namespaces to allow them`,
    );
    expect(refusal(pod(["hostPID: true"]))).toContain("host's pid namespace");
    expect(refusal(pod(["hostIPC: true"]))).toContain("host's ipc namespace");
    expect(() =>
      enforceKubeYaml(policy({ allowHostNamespaces: true }), pod(["hostNetwork: true"])),
    ).not.toThrow();
  });

  it("refuses privileged containers and added capabilities, naming the container", () => {
    expect(refusal(pod([], ["securityContext: {privileged: true}"]))).toBe(
      'Pod "web": container "app": privileged containers are refused by policy: start mcp-podman with --allow-privileged to allow them',
    );
    expect(refusal(pod([], ["securityContext: {capabilities: {add: [SYS_ADMIN]}}"]))).toContain(
      "added capabilities (SYS_ADMIN)",
    );
    expect(() =>
      enforceKubeYaml(
        policy({ allowPrivileged: true }),
        pod([], ["securityContext: {privileged: true}"]),
      ),
    ).not.toThrow();
  });

  it("refuses hostPath volumes outside --allow-bind, and device hostPaths without --allow-devices", () => {
    const hostPath = (path: string, type = "Directory") =>
      pod([`volumes: [{name: h, hostPath: {path: ${path}, type: ${type}}}]`]);
    expect(refusal(hostPath("/"))).toContain(
      'bind mounts of host paths are refused by policy, and "/" is under no allowed directory',
    );
    expect(() =>
      enforceKubeYaml(policy({ allowBind: ["/srv"] }), hostPath("/srv/x")),
    ).not.toThrow();
    expect(refusal(hostPath("/dev/kvm", "CharDevice"), policy({ allowBind: ["/"] }))).toContain(
      "--allow-devices",
    );
  });

  it("refuses unconfined profiles", () => {
    expect(refusal(pod(["securityContext: {seccompProfile: {type: Unconfined}}"]))).toContain(
      "unconfined containers (seccompProfile Unconfined) are refused by policy: start mcp-podman with --allow-unconfined",
    );
    expect(refusal(pod([], ["securityContext: {seLinuxOptions: {type: spc_t}}"]))).toContain(
      "--allow-unconfined",
    );
    const annotated = pod([]).replace(
      "metadata: {name: web}",
      "metadata: {name: web, annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}}",
    );
    expect(refusal(annotated)).toContain("--allow-unconfined");
  });

  it("checks registries and resource ceilings", () => {
    expect(refusal(pod([]), policy({ allowedRegistries: ["quay.io"] }))).toContain(
      'the image "localhost/busybox" comes from localhost',
    );
    expect(
      refusal(pod([], ["resources: {limits: {memory: 1Gi}}"]), policy({ maxMemoryBytes: 2 ** 29 })),
    ).toContain("--max-memory");
  });

  it("checks a Deployment's template and refuses before any document is used", () => {
    const yaml = [
      pod([]),
      "---",
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: dep}",
      "spec:",
      "  template:",
      "    spec:",
      "      hostNetwork: true",
      "      containers: [{name: c, image: localhost/busybox}]",
    ].join("\n");
    expect(refusal(yaml)).toContain('Deployment "dep": the host\'s network namespace');
    expect(kubePodNames(yaml)).toEqual(["web", "dep-pod"]);
  });
});

describe("kube YAML marking", () => {
  it("labels pods, templates and claims and sets default limits", () => {
    const yaml = [
      pod([], ["resources: {limits: {cpu: 250m}}"]),
      "---",
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: dep}",
      "spec:",
      "  template:",
      "    metadata: {labels: {app: dep}}",
      "    spec:",
      "      containers: [{name: c, image: localhost/busybox}]",
      "---",
      "apiVersion: v1",
      "kind: PersistentVolumeClaim",
      "metadata: {name: claim}",
    ].join("\n");
    const marked = enforceKubeYaml(policy({ maxMemoryBytes: 2 ** 27, maxCpus: 0.5 }), yaml);
    const [first, second, third] = parseAllDocuments(marked).map((doc) => doc.toJS());
    expect(first.metadata.labels).toEqual({ [MANAGED_LABEL]: "true" });
    expect(first.spec.containers[0].resources.limits).toEqual({ cpu: "250m", memory: "134217728" });
    expect(second.spec.template.metadata.labels).toEqual({ app: "dep", [MANAGED_LABEL]: "true" });
    expect(second.spec.template.spec.containers[0].resources.limits).toEqual({
      memory: "134217728",
      cpu: "500m",
    });
    expect(third.metadata.labels).toEqual({ [MANAGED_LABEL]: "true" });
  });

  it("leaves a single document a single document", () => {
    const marked = enforceKubeYaml(policy(), pod([]));
    expect(parseAllDocuments(marked)).toHaveLength(1);
    expect(parse(marked).metadata.labels[MANAGED_LABEL]).toBe("true");
  });

  it("reads Kubernetes quantities", () => {
    expect(parseQuantity("128Mi")).toBe(128 * 2 ** 20);
    expect(parseQuantity("1G")).toBe(1e9);
    expect(parseQuantity("500m")).toBe(0.5);
    expect(parseQuantity(2)).toBe(2);
    expect(parseQuantity("lots")).toBeUndefined();
  });
});
