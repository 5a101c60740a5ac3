import { type Document, parseAllDocuments } from "yaml";
import { BadArgument } from "../errors.js";
import { MANAGED_LABEL, type ContainerPolicy } from "./policy.js";
import { PolicyRefusal } from "./refusal.js";
import { checkImageRegistry } from "./registry.js";
import { RULE, checkBind, checkResourceCeilings, checkVolumeOptions } from "./spec.js";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value);
const objectAt = (value: unknown, ...path: string[]): Json | undefined => {
  let current = value;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return isObject(current) ? current : undefined;
};
const listAt = (value: Json | undefined, key: string): Json[] =>
  Array.isArray(value?.[key]) ? (value[key] as unknown[]).filter(isObject) : [];

/** Where the pod template sits in each workload kind Podman plays. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: [],
  Deployment: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/** Kubernetes quantities: "128Mi", "1G", "1e9", "500m". */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const match = /^([0-9.]+(?:e[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E|m)?$/.exec(value.trim());
  if (!match) return undefined;
  const factors: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    m: 1e-3,
  };
  return Number(match[1]) * (match[2] ? factors[match[2]]! : 1);
}

function checkSecurityContext(policy: ContainerPolicy, context: Json | undefined) {
  if (!context) return;
  if (context.privileged === true && !policy.allowPrivileged) throw RULE.privileged();
  const added = objectAt(context, "capabilities")?.add;
  if (Array.isArray(added) && added.length && !policy.allowCapAdd)
    throw RULE.capAdd(added.map(String));
  if (policy.allowUnconfined) return;
  if (objectAt(context, "seccompProfile")?.type === "Unconfined")
    throw RULE.unconfined("seccompProfile Unconfined");
  if (objectAt(context, "appArmorProfile")?.type === "Unconfined")
    throw RULE.unconfined("appArmorProfile Unconfined");
  const selinuxType = objectAt(context, "seLinuxOptions")?.type;
  if (selinuxType === "spc_t" || selinuxType === "unconfined_t")
    throw RULE.unconfined(`seLinuxOptions type ${selinuxType}`);
}

function checkAnnotations(policy: ContainerPolicy, metadata: Json | undefined) {
  if (policy.allowUnconfined) return;
  for (const [key, value] of Object.entries(objectAt(metadata, "annotations") ?? {})) {
    if (/seccomp|apparmor/i.test(key) && /unconfined/i.test(String(value)))
      throw RULE.unconfined(`annotation ${key}: ${String(value)}`);
    if (/label/i.test(key) && /disable/i.test(String(value)))
      throw RULE.unconfined(`annotation ${key}: ${String(value)}`);
  }
}

const DEVICE_TYPES = new Set(["CharDevice", "BlockDevice"]);

function checkPodTemplate(policy: ContainerPolicy, template: Json) {
  const spec = objectAt(template, "spec") ?? {};
  checkAnnotations(policy, objectAt(template, "metadata"));
  if (!policy.allowHostNamespaces) {
    if (spec.hostNetwork === true) throw RULE.hostNamespace("network");
    if (spec.hostPID === true) throw RULE.hostNamespace("pid");
    if (spec.hostIPC === true) throw RULE.hostNamespace("ipc");
    if (spec.hostUsers === true) throw RULE.hostNamespace("user");
  }
  checkSecurityContext(policy, objectAt(spec, "securityContext"));
  for (const volume of listAt(spec, "volumes")) {
    const hostPath = objectAt(volume, "hostPath");
    if (!hostPath) continue;
    const path = String(hostPath.path ?? "");
    if (DEVICE_TYPES.has(String(hostPath.type))) {
      if (!policy.allowDevices) throw RULE.devices([path]);
    } else {
      checkBind(policy, path);
    }
  }
  for (const container of [...listAt(spec, "initContainers"), ...listAt(spec, "containers")]) {
    const name = String(container.name ?? "?");
    inContainer(name, () => {
      if (typeof container.image === "string") checkImageRegistry(policy, container.image);
      checkSecurityContext(policy, objectAt(container, "securityContext"));
      const limits = objectAt(container, "resources", "limits");
      checkResourceCeilings(policy, {
        memoryBytes: parseQuantity(limits?.memory),
        cpus: parseQuantity(limits?.cpu),
      });
    });
  }
}

function inContainer(name: string, check: () => void) {
  try {
    check();
  } catch (error) {
    if (error instanceof PolicyRefusal)
      throw new PolicyRefusal(`container "${name}": ${error.message}`);
    throw error;
  }
}

/** PersistentVolumeClaim annotations Podman reads as volume driver options. */
function checkClaim(policy: ContainerPolicy, claim: Json) {
  const annotations = objectAt(claim, "metadata", "annotations") ?? {};
  const option = (key: string) => {
    const value = annotations[`volume.podman.io/${key}`];
    return value === undefined ? {} : { [key === "mount-options" ? "o" : key]: String(value) };
  };
  checkVolumeOptions(policy, {
    ...option("device"),
    ...option("type"),
    ...option("mount-options"),
  });
}

/**
 * Checks every document against the policy (refusing before anything is
 * played), then answers the YAML with the managed label on every pod and
 * volume claim and the policy's default limits on containers that set none.
 */
export function enforceKubeYaml(policy: ContainerPolicy, text: string): string {
  const documents = parseAllDocuments(text, { uniqueKeys: false });
  if (!Array.isArray(documents)) throw new BadArgument("The YAML holds no Kubernetes object");
  for (const [index, document] of documents.entries()) {
    const value: unknown = document.toJS();
    if (!isObject(value) || typeof value.kind !== "string") continue;
    const name = String(objectAt(value, "metadata")?.name ?? "");
    const where = `${value.kind}${name ? ` "${name}"` : ` (document ${index + 1})`}`;
    try {
      if (value.kind === "PersistentVolumeClaim") checkClaim(policy, value);
      const path = POD_SPEC_PATHS[value.kind];
      if (path) {
        checkAnnotations(policy, objectAt(value, "metadata"));
        checkPodTemplate(policy, path.length ? (objectAt(value, ...path) ?? {}) : value);
      }
    } catch (error) {
      if (error instanceof PolicyRefusal) throw new PolicyRefusal(`${where}: ${error.message}`);
      throw error;
    }
  }
  return documents
    .filter((document) => document.contents !== null)
    .map((document) => markDocument(policy, document).replace(/^---[ \t]*\r?\n/, ""))
    .join("---\n");
}

function markDocument(policy: ContainerPolicy, document: Document): string {
  const value: unknown = document.toJS();
  if (!isObject(value) || typeof value.kind !== "string") return String(document);
  const kind = value.kind;
  if (kind === "PersistentVolumeClaim") {
    document.setIn(["metadata", "labels", MANAGED_LABEL], "true");
  }
  const path = POD_SPEC_PATHS[kind];
  if (path) {
    document.setIn([...path, "metadata", "labels", MANAGED_LABEL], "true");
    const containersPath = [...path, "spec", "containers"];
    const containers = objectAt(value, ...path, "spec");
    listAt(containers, "containers").forEach((container, index) => {
      const limits = objectAt(container, "resources", "limits");
      const set = (key: string, quantity: string) =>
        document.setIn([...containersPath, index, "resources", "limits", key], quantity);
      if (policy.maxMemoryBytes !== undefined && limits?.memory === undefined)
        set("memory", String(policy.maxMemoryBytes));
      if (policy.maxCpus !== undefined && limits?.cpu === undefined)
        set("cpu", `${Math.round(policy.maxCpus * 1000)}m`);
    });
  }
  return String(document);
}

/** The pods Podman makes of the YAML: a Pod keeps its name, a workload's pod is "<name>-pod". */
export function kubePodNames(text: string): string[] {
  const names: string[] = [];
  for (const document of parseAllDocuments(text, { uniqueKeys: false }) as Document[]) {
    const value: unknown = document.toJS();
    if (!isObject(value) || typeof value.kind !== "string" || !POD_SPEC_PATHS[value.kind]) continue;
    const name = objectAt(value, "metadata")?.name;
    if (typeof name !== "string") continue;
    names.push(value.kind === "Pod" ? name : `${name}-pod`);
  }
  return names;
}
