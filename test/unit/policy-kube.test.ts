import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { BadArgument } from "../../src/core/errors.js";
import {
  kubePodNames,
  planKubeDown,
  planKubePlay,
  readKubeObjects,
} from "../../src/core/policy/kube.js";
import { MANAGED_LABEL, type ContainerPolicy } from "../../src/core/policy/policy.js";
import { parseQuantity } from "../../src/core/policy/quantity.js";
import { PolicyRefusal } from "../../src/core/policy/refusal.js";
import { policyWith } from "./fixtures.js";

const policy = policyWith;

const pod = (spec: string[], container: string[] = [], metadata = "metadata: {name: web}") =>
  [
    "apiVersion: v1",
    "kind: Pod",
    metadata,
    "spec:",
    ...spec.map((line) => `  ${line}`),
    "  containers:",
    "  - name: app",
    "    image: localhost/busybox",
    ...container.map((line) => `    ${line}`),
  ].join("\n");

const enforce = (given: ContainerPolicy, yaml: string) => planKubePlay(given, yaml).yaml;

const refusal = (yaml: string, given = policy()) => {
  try {
    planKubePlay(given, yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyRefusal);
    return (error as Error).message;
  }
  throw new Error("expected a policy refusal");
};

describe("kube policy rules", () => {
  it("refuses host namespaces unless --allow-host-namespaces", () => {
    expect(refusal(pod(["hostNetwork: true"]))).toBe(
      `Pod "web": the host's network namespace for containers are refused by policy: start mcp-podman with --allow-host-namespaces to allow them`,
    );
    expect(refusal(pod(["hostPID: true"]))).toContain("host's pid namespace");
    expect(refusal(pod(["hostIPC: true"]))).toContain("host's ipc namespace");
    expect(refusal(pod(["hostUsers: true"]))).toContain("host's user namespace");
    expect(() =>
      enforce(policy({ allowHostNamespaces: true }), pod(["hostNetwork: true"])),
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
      enforce(policy({ allowPrivileged: true }), pod([], ["securityContext: {privileged: true}"])),
    ).not.toThrow();
  });

  it("checks init containers like containers", () => {
    const yaml = pod([
      "initContainers: [{name: init, image: localhost/busybox, securityContext: {privileged: true}}]",
    ]);
    expect(refusal(yaml)).toContain('container "init": privileged');
  });

  it("refuses hostPath volumes outside --allow-bind, and device hostPaths without --allow-devices", () => {
    const hostPath = (path: string, type = "Directory") =>
      pod([`volumes: [{name: h, hostPath: {path: ${path}, type: ${type}}}]`]);
    expect(refusal(hostPath("/"))).toContain(
      'bind mounts of host paths are refused by policy, and "/" is under no allowed directory',
    );
    expect(() => enforce(policy({ allowBind: ["/srv"] }), hostPath("/srv/x"))).not.toThrow();
    expect(refusal(hostPath("/srv/../etc"), policy({ allowBind: ["/srv"] }))).toContain(
      "--allow-bind",
    );
    expect(refusal(hostPath("/run/podman/podman.sock", "Socket"))).toContain("--allow-bind");
    expect(refusal(hostPath("/dev/kvm", "CharDevice"), policy({ allowBind: ["/"] }))).toContain(
      "--allow-devices",
    );
    expect(refusal(hostPath("/srv/x", "Weird"), policy({ allowBind: ["/srv"] }))).toContain(
      "hostPath type must be one of",
    );
  });

  it("refuses paths that leave a volume", () => {
    expect(
      refusal(
        pod(
          ["volumes: [{name: h, hostPath: {path: /srv/x}}]"],
          ["volumeMounts: [{name: h, mountPath: /h, subPath: ../../etc}]"],
        ),
        policy({ allowBind: ["/srv/x"] }),
      ),
    ).toContain('subPath must be relative and without ".."');
    expect(
      refusal(
        pod(["volumes: [{name: c, configMap: {name: m, items: [{key: k, path: ../../x}]}}]"]),
      ),
    ).toContain("item path must be relative");
  });

  it("refuses unconfined profiles and unmasked /proc", () => {
    expect(refusal(pod(["securityContext: {seccompProfile: {type: Unconfined}}"]))).toContain(
      "unconfined containers (seccompProfile Unconfined) are refused by policy: start mcp-podman with --allow-unconfined",
    );
    expect(
      refusal(
        pod(["securityContext: {seccompProfile: {type: Localhost, localhostProfile: /etc/x}}"]),
      ),
    ).toContain("--allow-unconfined");
    expect(refusal(pod([], ["securityContext: {seLinuxOptions: {type: spc_t}}"]))).toContain(
      "--allow-unconfined",
    );
    expect(refusal(pod([], ["securityContext: {procMount: Unmasked}"]))).toContain("procMount");
    expect(() =>
      enforce(policy(), pod([], ["securityContext: {seccompProfile: {type: RuntimeDefault}}"])),
    ).not.toThrow();
  });

  it("checks registries and resource ceilings, limits and requests alike", () => {
    expect(refusal(pod([]), policy({ allowedRegistries: ["quay.io"] }))).toContain(
      'the image "localhost/busybox" comes from localhost',
    );
    const memory = policy({ maxMemoryBytes: 2 ** 29 });
    expect(refusal(pod([], ["resources: {limits: {memory: 1Gi}}"]), memory)).toContain(
      "--max-memory",
    );
    expect(refusal(pod([], ["resources: {requests: {memory: 1Gi}}"]), memory)).toContain(
      "--max-memory",
    );
    expect(refusal(pod([], ["resources: {limits: {memory: 1E3Gi}}"]), memory)).toContain(
      "must be a Kubernetes quantity",
    );
    expect(refusal(pod([], ["resources: {limits: {memory: '1E30'}}"]), memory)).toContain(
      "--max-memory",
    );
    expect(refusal(pod([], ["resources: {limits: {memory: '0'}}"]), memory)).toContain(
      "--max-memory",
    );
    expect(refusal(pod([], ["resources: {limits: {cpu: '0'}}"]), policy({ maxCpus: 1 }))).toContain(
      "above 0 while --max-cpus",
    );
  });

  it("refuses kube pods while --max-pids is set (Podman keeps no pids limit for them), but not claims", () => {
    expect(refusal(pod([]), policy({ maxPids: 100 }))).toContain("--max-pids");
    const claim = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\n";
    expect(() => enforce(policy({ maxPids: 100 }), claim)).not.toThrow();
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
    expect(
      refusal(yaml.replace("replicas", "x").replace("  template:", "  replicas: 17\n  template:")),
    ).toContain("spec.replicas");
  });
});

describe("kube YAML as Podman reads it", () => {
  const exploit = [
    "apiVersion: v1",
    "kind: Pod",
    "metadata: {name: web}",
    "Spec:",
    "  HostNetwork: true",
    "  Volumes: [{name: root, HostPath: {path: /}}]",
    "  containers:",
    "  - name: app",
    "    image: localhost/busybox",
    "    SecurityContext: {Privileged: true}",
  ].join("\n");

  it("refuses the issue's exploit: fields spelled in another case", () => {
    expect(refusal(exploit)).toBe(
      'Pod "web": Spec: Podman reads field names in any case, so it would take this for "spec": spell it "spec" exactly',
    );
  });

  it.each([
    [
      "Kind",
      "Kind: Pod\napiVersion: v1\nmetadata: {name: web}\nspec: {containers: []}",
      /would take "Kind" for "kind"/,
    ],
    ["Metadata", pod([], [], "Metadata: {name: web}"), /Metadata: .*"metadata"/],
    ["metadata.Name", pod([], [], "metadata: {Name: web}"), /metadata.Name: .*"name"/],
    ["spec.hostnetwork", pod(["hostnetwork: true"]), /spec.hostnetwork: .*"hostNetwork"/],
    ["spec.HOSTNETWORK", pod(["HOSTNETWORK: true"]), /"hostNetwork"/],
    ["spec.hoſtNetwork (a long s)", pod(["ho\u017FtNetwork: true"]), /"hostNetwork"/],
    [
      "spec.Containers",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  Containers: [{name: app, image: x}]",
      /spec.Containers: .*"containers"/,
    ],
    [
      "a container's SecurityContext",
      pod([], ["SecurityContext: {privileged: true}"]),
      /spec.containers\[0\].SecurityContext/,
    ],
    [
      "securityContext.Privileged",
      pod([], ["securityContext: {Privileged: true}"]),
      /securityContext.Privileged: .*"privileged"/,
    ],
    [
      "capabilities.ADD",
      pod([], ["securityContext: {capabilities: {ADD: [ALL]}}"]),
      /capabilities.ADD/,
    ],
    [
      "a volume's HostPath",
      pod(["volumes: [{name: r, HostPath: {path: /}}]"]),
      /spec.volumes\[0\].HostPath/,
    ],
    ["hostPath.Path", pod(["volumes: [{name: r, hostPath: {Path: /}}]"]), /hostPath.Path/],
    [
      "a claim's ClaimName",
      pod(["volumes: [{name: r, persistentVolumeClaim: {ClaimName: x}}]"]),
      /ClaimName/,
    ],
    [
      "image in capitals",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: app, IMAGE: quay.io/evil}]",
      /spec.containers\[0\].IMAGE: .*"image"/,
    ],
    ["a dropped field's case twin", pod(["EnableServiceLinks: false"]), /"enableServiceLinks"/],
    ["top-level Status", `${pod([])}\nStatus: {}`, /"status"/],
  ])("refuses %s", (_, yaml, message) => {
    expect(refusal(yaml)).toMatch(message);
  });

  it.each([
    ["a merge key in spec", pod(["<<: {hostNetwork: true}"]), /merge key/],
    [
      "a merge key in a container",
      pod([], ["<<: {securityContext: {privileged: true}}"]),
      /merge key/,
    ],
    [
      "an alias to a privileged context",
      `x: &p {privileged: true}\n${pod([], ["securityContext: *p"])}`,
      /anchor/,
    ],
    [
      "a repeated key, last one true",
      pod(["hostNetwork: false", "hostNetwork: true"]),
      /repeats a key/,
    ],
    ["a repeated spec", `${pod([])}\nspec: {hostNetwork: true, containers: []}`, /repeats a key/],
    [
      "two spellings side by side",
      pod(["hostNetwork: false", "HostNetwork: true"]),
      /differ only in case/,
    ],
    ["a tag", pod(["hostNetwork: !!bool true"]), /explicit tag/],
  ])("refuses %s", (_, yaml, message) => {
    expect(refusal(yaml)).toMatch(message);
  });

  it.each([
    [
      "a string for a boolean",
      pod(["hostNetwork: 'true'"]),
      /spec.hostNetwork: must be true or false, not a string/,
    ],
    ["a YAML 1.1 yes", pod(["hostNetwork: yes"]), /must be true or false/],
    [
      "a number for a boolean",
      pod([], ["securityContext: {privileged: 1}"]),
      /must be true or false/,
    ],
    [
      "a mapping for the container list",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: {name: app, image: x}",
      /spec.containers: must be a list/,
    ],
    ["a list for securityContext", pod([], ["securityContext: [privileged]"]), /must be a mapping/],
    [
      "a mapping for the volume list",
      pod(["volumes: {hostPath: {path: /}}"]),
      /spec.volumes: must be a list/,
    ],
    [
      "a volume with two sources",
      pod(["volumes: [{name: v, emptyDir: {}, hostPath: {path: /}}]"]),
      /exactly one of/,
    ],
    [
      "a number as a label",
      pod([], [], "metadata: {name: web, labels: {a: 1}}"),
      /labels\["a"\]: must be a string/,
    ],
  ])("refuses %s", (_, yaml, message) => {
    expect(refusal(yaml)).toMatch(message);
  });

  it.each([
    [
      "sysctls",
      pod(["securityContext: {sysctls: [{name: kernel.x, value: '1'}]}"]),
      /securityContext.sysctls: mcp-podman's kube checker does not know this field/,
    ],
    [
      "volumeDevices",
      pod([], ["volumeDevices: [{name: d, devicePath: /dev/sda}]"]),
      /volumeDevices/,
    ],
    [
      "mountPropagation",
      pod([], ["volumeMounts: [{name: v, mountPath: /v, mountPropagation: Bidirectional}]"]),
      /mountPropagation/,
    ],
    [
      "an image volume",
      pod(["volumes: [{name: v, image: {reference: quay.io/x}}]"]),
      /spec.volumes\[0\].image/,
    ],
    [
      "a DaemonSet",
      "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\n",
      /only the kinds its policy can judge/,
    ],
    ["a Secret", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n", /only the kinds/],
    ["kind: pod", "apiVersion: v1\nkind: pod\nmetadata: {name: s}\n", /only the kinds/],
    ["a kind that is a list", "kind: [Pod]\n", /not a string/],
  ])("refuses what it does not know: %s", (_, yaml, message) => {
    expect(refusal(yaml)).toMatch(message);
  });

  it.each([
    ["io.podman.annotations.seccomp/app", "unconfined", "--allow-unconfined"],
    ["io.podman.annotations.apparmor/app", "unconfined", "--allow-unconfined"],
    ["io.podman.annotations.label/app", "disable", "--allow-unconfined"],
    ["IO.Podman.Annotations.Label/app", "disable", "--allow-unconfined"],
    ["io.podman.annotations.privileged/app", "TRUE", "--allow-privileged"],
    ["io.podman.annotations.userns", "keep-id", "--allow-host-namespaces"],
    ["io.podman.annotations.volumes-from/app", "other", "volumes of another container"],
    [
      "io.podman.annotations.kube.image.volumes.mount/app",
      "quay.io/x",
      "does not know what this annotation",
    ],
    ["container.seccomp.security.alpha.kubernetes.io/app", "unconfined", "--allow-unconfined"],
    ["seccomp.security.alpha.kubernetes.io/pod", "localhost/etc/x.json", "--allow-unconfined"],
    ["container.apparmor.security.beta.kubernetes.io/app", "unconfined", "--allow-unconfined"],
    ["run.oci.keep_original_groups", "1", "does not know what this annotation"],
    ["org.systemd.property.Delegate", "true", "does not know"],
    ["bind-mount-options:/srv/x", "dev;suid", "bind mount options"],
  ])("refuses the annotation %s: %s", (key, value, message) => {
    const yaml = pod(
      [],
      [],
      `metadata: {name: web, annotations: {${JSON.stringify(key)}: ${JSON.stringify(value)}}}`,
    );
    const text = refusal(yaml);
    expect(text).toContain(`metadata.annotations["${key}"]`);
    expect(text).toContain(message);
    const template = [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: dep}",
      "spec:",
      "  template:",
      `    metadata: {annotations: {${JSON.stringify(key)}: ${JSON.stringify(value)}}}`,
      "    spec: {containers: [{name: app, image: localhost/busybox}]}",
    ].join("\n");
    expect(refusal(template)).toContain(`spec.template.metadata.annotations["${key}"]`);
  });

  it("allows the annotations a matching flag allows, and harmless ones", () => {
    const annotated = (key: string, value: string) =>
      pod(
        [],
        [],
        `metadata: {name: web, annotations: {${JSON.stringify(key)}: ${JSON.stringify(value)}}}`,
      );
    expect(() =>
      enforce(
        policy({ allowUnconfined: true }),
        annotated("io.podman.annotations.seccomp/app", "unconfined"),
      ),
    ).not.toThrow();
    expect(() =>
      enforce(
        policy({ allowPrivileged: true }),
        annotated("io.podman.annotations.privileged/app", "TRUE"),
      ),
    ).not.toThrow();
    for (const [key, value] of [
      ["io.podman.annotations.privileged/app", "FALSE"],
      ["container.seccomp.security.alpha.kubernetes.io/app", "runtime/default"],
      ["bind-mount-options:/srv/x", "ro;Z"],
      ["example.com/owner", "team"],
    ] as const) {
      expect(() => enforce(policy(), annotated(key, value)), key).not.toThrow();
    }
  });

  it("refuses claims that mount host paths or import host files", () => {
    const claim = (annotations: string) =>
      `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, annotations: {${annotations}}}\n`;
    expect(
      refusal(
        claim(
          "volume.podman.io/device: /, volume.podman.io/type: none, volume.podman.io/mount-options: bind",
        ),
      ),
    ).toContain("--allow-bind");
    expect(refusal(claim("volume.podman.io/import-source: /etc/shadow"))).toContain(
      'PersistentVolumeClaim "data": metadata.annotations["volume.podman.io/import-source"]',
    );
    expect(refusal(claim("volume.podman.io/driver: image"))).toContain(
      "volume drivers other than local",
    );
  });

  it("takes several documents as one: any refusal refuses all, in any style", () => {
    const flow =
      '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "second"}, "spec": {"containers": [{"name": "app", "image": "localhost/busybox", "securityContext": {"privileged": true}}]}}';
    expect(refusal(`${pod([])}\n---\n${flow}`)).toContain(
      'Pod "second": container "app": privileged',
    );
    const plan = planKubePlay(policy(), `${pod([])}\n---\n${flow.replace("true", "false")}`);
    expect(plan.podNames).toEqual(["web", "second"]);
  });

  it("keeps a --- inside a string inside its document", () => {
    const yaml = pod([], ['command: [sh, -c, "echo ---\\nkind: Pod\\nmetadata: {name: x}"]']);
    const plan = planKubePlay(policy(), yaml);
    expect(parseAllDocuments(plan.yaml)).toHaveLength(1);
    expect(parse(plan.yaml).spec.containers[0].command[2]).toBe(
      "echo ---\nkind: Pod\nmetadata: {name: x}",
    );
  });

  it("answers syntax errors and shapes that are not objects as bad arguments", () => {
    const bad = (yaml: string) => () => planKubePlay(policy(), yaml);
    expect(bad("kind: Pod\nmetadata: [oops\n")).toThrow(BadArgument);
    expect(bad("just words")).toThrow(
      /Document 1 of the YAML is not a Kubernetes object \(it is a string\)/,
    );
    expect(bad("- kind: Pod\n")).toThrow(/\(it is a list\)/);
    expect(bad("")).toThrow(/no Kubernetes object/);
    expect(bad("# nothing\n---\n")).toThrow(/no Kubernetes object/);
    expect(bad("a: 1\n---\nb: 2\n")).toThrow(/no document has a `kind`/);
    expect(bad(`${pod([])}\n---\nfoo: 1\n`)).toThrow(/Document 2 of the YAML has no `kind`/);
    expect(() => planKubePlay(policy(), pod([], [], "metadata: {labels: {a: b}}"))).toThrow(
      /metadata.name is required/,
    );
  });
});

describe("what is sent to Podman", () => {
  it("is the checked object re-serialised: comments, dropped fields and the caller's spelling gone", () => {
    const yaml = [
      "# a comment",
      "apiVersion: v1",
      "kind: Pod",
      "metadata: {name: web, creationTimestamp: '2026-01-01T00:00:00Z'}",
      "spec:",
      "  enableServiceLinks: false",
      "  containers:",
      "  - name: app",
      "    image: localhost/busybox",
      "    command: ['sleep', 60]",
      "status: {phase: Running, anything: [1, 2]}",
    ].join("\n");
    const plan = planKubePlay(policy(), yaml.replace("60", "'60'"));
    expect(plan.yaml).not.toContain("comment");
    expect(parse(plan.yaml)).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", labels: { [MANAGED_LABEL]: "true" } },
      spec: { containers: [{ name: "app", image: "localhost/busybox", command: ["sleep", "60"] }] },
    });
    expect(refusal(yaml)).toContain("spec.containers[0].command[1]: must be a string");
  });

  it("labels pods, templates and claims and sets default limits, init containers too", () => {
    const yaml = [
      pod(
        ["initContainers: [{name: init, image: localhost/busybox}]"],
        ["resources: {limits: {cpu: 250m}}"],
      ),
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
    const marked = enforce(policy({ maxMemoryBytes: 2 ** 27, maxCpus: 0.5 }), yaml);
    const [first, second, third] = parseAllDocuments(marked).map((doc) => doc.toJS());
    expect(first.metadata.labels).toEqual({ [MANAGED_LABEL]: "true" });
    expect(first.spec.containers[0].resources.limits).toEqual({ cpu: "250m", memory: "134217728" });
    expect(first.spec.initContainers[0].resources.limits).toEqual({
      cpu: "500m",
      memory: "134217728",
    });
    expect(second.spec.template.metadata.labels).toEqual({ app: "dep", [MANAGED_LABEL]: "true" });
    expect(second.spec.template.spec.containers[0].resources.limits).toEqual({
      memory: "134217728",
      cpu: "500m",
    });
    expect(third.metadata.labels).toEqual({ [MANAGED_LABEL]: "true" });
  });

  it("cannot be told to unset the managed label", () => {
    const yaml = pod([], [], `metadata: {name: web, labels: {${MANAGED_LABEL}: "false"}}`);
    expect(parse(enforce(policy(), yaml)).metadata.labels[MANAGED_LABEL]).toBe("true");
  });

  it("names the pods, volumes and secrets a play touches, from the checked objects", () => {
    const yaml = [
      pod(
        [
          "volumes: [{name: d, persistentVolumeClaim: {claimName: shared}}, {name: s, secret: {secretName: creds}}," +
            " {name: scratch, emptyDir: {}}, {name: c, configMap: {name: settings}}]",
        ],
        [
          "env: [{name: A, valueFrom: {secretKeyRef: {name: token, key: k}}}]",
          "envFrom: [{secretRef: {name: more}}]",
        ],
      ),
      "---",
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: dep}",
      "spec: {replicas: 2, template: {spec: {containers: [{name: c, image: localhost/busybox}]}}}",
      "---",
      "apiVersion: v1",
      "kind: PersistentVolumeClaim",
      "metadata: {name: claim}",
    ].join("\n");
    const plan = planKubePlay(policy(), yaml);
    expect(plan.podNames).toEqual(["web", "dep-pod", "dep-pod-0", "dep-pod-1"]);
    expect(plan.volumeNames).toEqual(["shared", "scratch", "settings", "claim"]);
    expect(plan.secretNames).toEqual(["creds", "token", "more"]);
    expect(kubePodNames(readKubeObjects(yaml))).toEqual(plan.podNames);
    expect(parseAllDocuments(plan.teardownYaml).map((doc) => doc.toJS())).toEqual([
      { apiVersion: "v1", kind: "Pod", metadata: { name: "web" } },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "dep" },
        spec: { replicas: 2 },
      },
    ]);
  });

  it("tears down by the names it checked, never by a case-twin name", () => {
    expect(planKubeDown(pod([])).podNames).toEqual(["web"]);
    expect(() => planKubeDown(pod([], [], "metadata: {name: web, Name: foreign}"))).toThrow(
      /differ only in case/,
    );
    expect(() => planKubeDown(pod([], [], "Metadata: {name: foreign}"))).toThrow(/"metadata"/);
    expect(() =>
      planKubeDown(pod([], [], "metadata: {name: web}\nMetadata: {name: foreign}")),
    ).toThrow(/differ only in case/);
    expect(planKubeDown(pod(["hostNetwork: true"])).podNames).toEqual(["web"]);
  });

  it("accepts what podman kube generate writes (Podman 4.3)", () => {
    const generated = `# Save the output of this file and use kubectl create -f to import
# it into Kubernetes.
#
# Created with podman-4.3.1
apiVersion: v1
kind: Service
metadata:
  creationTimestamp: "2026-12-01T19:46:38Z"
  labels:
    app: gp
  name: gp
spec:
  ports:
  - name: "80"
    nodePort: 30111
    port: 80
    protocol: TCP
    targetPort: 80
  selector:
    app: gp
  type: NodePort
status:
  loadBalancer: {}
---
apiVersion: v1
kind: Pod
metadata:
  annotations:
    io.kubernetes.cri-o.ContainerType/gp-web: container
    io.kubernetes.cri-o.SandboxID/gp-web: 9f99fb8d0ea6320083d6e3bb527f0d972a3cbaad3fb61b31c186345a5872027
    io.kubernetes.cri-o.TTY/gp-web: "false"
    io.podman.annotations.autoremove/gp-web: "FALSE"
    io.podman.annotations.init/gp-web: "FALSE"
    io.podman.annotations.privileged/gp-web: "FALSE"
    io.podman.annotations.publish-all/gp-web: "FALSE"
    org.opencontainers.image.base.digest/gp-web: sha256:96f1ea6cf5a530f9bb98c8b4bd944c7d061ceb11ab81141305ce425a
    org.opencontainers.image.base.name/gp-web: ""
  creationTimestamp: "2026-12-01T19:46:38Z"
  labels:
    app: gp
  name: gp
spec:
  automountServiceAccountToken: false
  containers:
  - command:
    - sleep
    - "300"
    env:
    - name: PASSWORD
      value: x
    image: localhost/mcp-podman-test/busybox:latest
    name: gp-web
    ports:
    - containerPort: 80
      hostPort: 8080
    resources: {}
    securityContext:
      capabilities:
        drop:
        - CAP_MKNOD
    volumeMounts:
    - mountPath: /data
      name: tmp-kx-host-0
      readOnly: true
    - mountPath: /v
      name: vv-pvc
  enableServiceLinks: false
  hostname: gp
  restartPolicy: Never
  volumes:
  - hostPath:
      path: /tmp/kx
      type: Directory
    name: tmp-kx-host-0
  - name: vv-pvc
    persistentVolumeClaim:
      claimName: vv
status: {}
`;
    const plan = planKubePlay(policy({ allowBind: ["/tmp"] }), generated);
    expect(plan.podNames).toEqual(["gp"]);
    expect(plan.volumeNames).toEqual(["vv"]);
    const [service, sent] = parseAllDocuments(plan.yaml).map((doc) => doc.toJS());
    expect(service.status).toBeUndefined();
    expect(sent.spec.enableServiceLinks).toBeUndefined();
    expect(sent.metadata.creationTimestamp).toBeUndefined();
    expect(sent.spec.containers[0].env).toEqual([{ name: "PASSWORD", value: "x" }]);
  });

  it("reads Kubernetes quantities as Kubernetes does", () => {
    expect(parseQuantity("128Mi")).toBe(128 * 2 ** 20);
    expect(parseQuantity("1G")).toBe(1e9);
    expect(parseQuantity("1E3")).toBe(1000);
    expect(parseQuantity("1E")).toBe(1e18);
    expect(parseQuantity("+.5e1")).toBe(5);
    expect(parseQuantity("500m")).toBe(0.5);
    expect(parseQuantity(2)).toBe(2);
    for (const bad of ["lots", "1 Gi", "1gi", "0x10", "1e", "--1", ""]) {
      expect(parseQuantity(bad), bad).toBeUndefined();
    }
  });
});
