import { checkAnnotations, volumeOptionsOfClaim } from "./kube-annotations.js";
import {
  type KubeObject,
  kubePodNames,
  listAt,
  objectAt,
  podTemplate,
  readKubeObjects,
  replicasOf,
  stringAt,
  within,
} from "./kube-objects.js";
import { MANAGED_LABEL, type ContainerPolicy } from "./policy.js";
import { parseQuantity } from "./quantity.js";
import { PolicyRefusal } from "./refusal.js";
import { checkImageRegistry } from "./registry.js";
import { RULE, checkBind, checkResourceCeilings, checkVolumeOptions } from "./spec.js";
import { type PlainObject, emitYamlDocuments } from "./strict-yaml.js";

export { kubePodNames, readKubeObjects } from "./kube-objects.js";
export { parseQuantity } from "./quantity.js";

/** What kube play sends Podman, and the existing objects it must not take from others. */
export interface KubePlayPlan {
  /** The checked objects, labelled and with default limits, re-serialised: never the caller's text. */
  yaml: string;
  /** What replace=true tears down first: the same pods, by name only. */
  teardownYaml: string;
  podNames: string[];
  /** Volumes the YAML creates or mounts (claims, claimName, emptyDir and configMap volumes). */
  volumeNames: string[];
  /** The ConfigMaps mounted as volumes: Podman keeps a named volume of each one's name. */
  configMapVolumeNames: string[];
  /** Podman secrets the containers would read. */
  secretNames: string[];
}

/** What kube down sends Podman: the pods' names, taken from the checked objects. */
export interface KubeDownPlan {
  teardownYaml: string;
  podNames: string[];
}

/** Podman 4 makes one pod per replica: a ceiling keeps one call from making thousands. */
export const MAX_REPLICAS = 16;

const HOST_PATH_TYPES = new Set([
  "",
  "DirectoryOrCreate",
  "Directory",
  "FileOrCreate",
  "File",
  "Socket",
  "CharDevice",
  "BlockDevice",
]);
const DEVICE_TYPES = new Set(["CharDevice", "BlockDevice"]);
const CONFINED_SELINUX_TYPES = new Set(["container_t", "container_init_t"]);

export function planKubePlay(policy: ContainerPolicy, text: string): KubePlayPlan {
  const objects = readKubeObjects(text);
  for (const object of objects) within(object.where, () => checkKubeObject(policy, object));
  return {
    yaml: emitYamlDocuments(objects.map((object) => markObject(policy, object))),
    teardownYaml: teardownYaml(objects),
    podNames: kubePodNames(objects),
    volumeNames: [...new Set(objects.flatMap(volumeNamesOf))],
    configMapVolumeNames: [...new Set(objects.flatMap(configMapVolumeNamesOf))],
    secretNames: [...new Set(objects.flatMap(secretNamesOf))],
  };
}

/** Down needs no policy: only the names, read as strictly as for play. */
export function planKubeDown(text: string): KubeDownPlan {
  const objects = readKubeObjects(text);
  return { teardownYaml: teardownYaml(objects), podNames: kubePodNames(objects) };
}

function teardownYaml(objects: readonly KubeObject[]): string {
  const documents = objects
    .filter((object) => podTemplate(object) !== undefined)
    .map((object) => ({
      apiVersion: stringAt(object.value, "apiVersion") ?? "v1",
      kind: object.kind,
      metadata: { name: object.name },
      ...(object.kind === "Deployment" ? { spec: { replicas: replicasOf(object) } } : {}),
    }));
  return emitYamlDocuments(documents);
}

function checkKubeObject(policy: ContainerPolicy, object: KubeObject): void {
  checkAnnotations(
    policy,
    objectAt(object.value, "metadata", "annotations"),
    "metadata.annotations",
  );
  if (object.kind === "PersistentVolumeClaim") {
    const annotations = objectAt(object.value, "metadata", "annotations");
    checkVolumeOptions(policy, volumeOptionsOfClaim(annotations));
  }
  const template = podTemplate(object);
  if (!template) return;
  if (policy.maxPids !== undefined)
    throw new PolicyRefusal(
      "kube YAML cannot carry a pids limit, and on Podman 4.3 a limit set after creation is lost " +
        "when the container restarts, so kube play of pods is refused while --max-pids is set: " +
        "create the pod with podman_pod_create and podman_run, or start mcp-podman without --max-pids",
    );
  if (object.kind === "Deployment") {
    const replicas = replicasOf(object);
    if (replicas < 0 || replicas > MAX_REPLICAS)
      throw new PolicyRefusal(`spec.replicas: ask for 0 to ${MAX_REPLICAS} replicas`);
  }
  const prefix = object.kind === "Pod" ? "" : "spec.template.";
  checkPodTemplate(policy, template, prefix);
}

function checkPodTemplate(policy: ContainerPolicy, template: PlainObject, prefix: string) {
  checkAnnotations(
    policy,
    objectAt(template, "metadata", "annotations"),
    `${prefix}metadata.annotations`,
  );
  const spec = objectAt(template, "spec") ?? {};
  if (!policy.allowHostNamespaces) {
    if (spec.hostNetwork === true) throw RULE.hostNamespace("network");
    if (spec.hostPID === true) throw RULE.hostNamespace("pid");
    if (spec.hostIPC === true) throw RULE.hostNamespace("ipc");
    if (spec.hostUsers === true) throw RULE.hostNamespace("user");
  }
  checkSecurityContext(policy, objectAt(spec, "securityContext"));
  for (const volume of listAt(spec, "volumes")) checkVolume(policy, volume);
  for (const container of [...listAt(spec, "initContainers"), ...listAt(spec, "containers")]) {
    within(`container "${stringAt(container, "name") ?? "?"}"`, () =>
      checkContainer(policy, container),
    );
  }
}

function checkVolume(policy: ContainerPolicy, volume: PlainObject) {
  const hostPath = objectAt(volume, "hostPath");
  if (hostPath) {
    const path = stringAt(hostPath, "path") ?? "";
    const type = stringAt(hostPath, "type") ?? "";
    if (!HOST_PATH_TYPES.has(type))
      throw new PolicyRefusal(
        `volume "${stringAt(volume, "name")}": hostPath type must be one of ${[...HOST_PATH_TYPES].filter(Boolean).join(", ")}`,
      );
    if (DEVICE_TYPES.has(type)) {
      if (!policy.allowDevices) throw RULE.devices([path]);
    } else {
      checkBind(policy, path);
    }
  }
  for (const source of ["configMap", "secret"]) {
    for (const item of listAt(objectAt(volume, source), "items")) {
      checkRelativePath(`volume "${stringAt(volume, "name")}" item path`, stringAt(item, "path"));
    }
  }
}

/** Podman joins these to a directory of its own: an absolute path or ".." would leave it. */
function checkRelativePath(what: string, path: string | undefined) {
  if (path === undefined) return;
  if (path.startsWith("/") || path.split("/").includes(".."))
    throw new PolicyRefusal(`${what} must be relative and without "..": write it below the volume`);
}

function checkSecurityContext(policy: ContainerPolicy, context: PlainObject | undefined) {
  if (!context) return;
  if (context.privileged === true && !policy.allowPrivileged) throw RULE.privileged();
  const added = objectAt(context, "capabilities")?.add;
  if (Array.isArray(added) && added.length && !policy.allowCapAdd)
    throw RULE.capAdd(added.map(String));
  if (policy.allowUnconfined) return;
  for (const field of ["seccompProfile", "appArmorProfile"]) {
    const type = stringAt(objectAt(context, field), "type");
    if (type !== undefined && type !== "RuntimeDefault")
      throw RULE.unconfined(
        `${field} ${type === "Unconfined" ? type : "other than RuntimeDefault"}`,
      );
  }
  const selinuxType = stringAt(objectAt(context, "seLinuxOptions"), "type");
  if (selinuxType !== undefined && !CONFINED_SELINUX_TYPES.has(selinuxType))
    throw RULE.unconfined(
      selinuxType === "spc_t" || selinuxType === "unconfined_t"
        ? `seLinuxOptions type ${selinuxType}`
        : "seLinuxOptions type other than container_t",
    );
  const procMount = stringAt(context, "procMount");
  if (procMount !== undefined && procMount !== "Default")
    throw RULE.unconfined("procMount other than Default");
}

function checkContainer(policy: ContainerPolicy, container: PlainObject) {
  const image = stringAt(container, "image");
  const checked = checkImageRegistry(policy, image ?? "");
  // Podman is sent the qualified name, so its short-name resolution cannot pick another registry.
  if (image !== undefined) container.image = checked;
  checkSecurityContext(policy, objectAt(container, "securityContext"));
  for (const mount of listAt(container, "volumeMounts")) {
    checkRelativePath("volumeMounts subPath", stringAt(mount, "subPath"));
  }
  for (const kind of ["limits", "requests"]) {
    const asked = objectAt(container, "resources", kind);
    const memory = quantityAt(asked, "memory");
    const cpu = quantityAt(asked, "cpu");
    // Podman takes a CPU limit of 0 as no limit; libpod refuses nothing below the ceiling.
    if (cpu !== undefined && cpu <= 0 && policy.maxCpus !== undefined)
      throw new PolicyRefusal(
        `resources.${kind}.cpu must be above 0 while --max-cpus is set (0 means unlimited)`,
      );
    checkResourceCeilings(policy, { memoryBytes: memory, cpus: cpu });
  }
}

const quantityAt = (value: PlainObject | undefined, key: string) =>
  value?.[key] === undefined ? undefined : parseQuantity(value[key]);

/**
 * The Podman volumes the objects create or mount. Podman 4.3 backs an
 * emptyDir with a named volume of the volume's name, and a configMap volume
 * with one of the ConfigMap's name, mounting (and writing into) any volume
 * of that name that already exists.
 */
function volumeNamesOf(object: KubeObject): string[] {
  if (object.kind === "PersistentVolumeClaim") return [object.name];
  const spec = objectAt(podTemplate(object), "spec");
  return listAt(spec, "volumes").flatMap((volume) => {
    const names = [
      stringAt(objectAt(volume, "persistentVolumeClaim"), "claimName"),
      objectAt(volume, "emptyDir") ? stringAt(volume, "name") : undefined,
      stringAt(objectAt(volume, "configMap"), "name"),
    ];
    return names.filter((name): name is string => name !== undefined);
  });
}

function configMapVolumeNamesOf(object: KubeObject): string[] {
  const spec = objectAt(podTemplate(object), "spec");
  return listAt(spec, "volumes").flatMap((volume) => {
    const name = stringAt(objectAt(volume, "configMap"), "name");
    return name === undefined ? [] : [name];
  });
}

function secretNamesOf(object: KubeObject): string[] {
  const spec = objectAt(podTemplate(object), "spec");
  const names: (string | undefined)[] = [];
  for (const volume of listAt(spec, "volumes"))
    names.push(stringAt(objectAt(volume, "secret"), "secretName"));
  for (const container of [...listAt(spec, "initContainers"), ...listAt(spec, "containers")]) {
    for (const variable of listAt(container, "env"))
      names.push(stringAt(objectAt(variable, "valueFrom", "secretKeyRef"), "name"));
    for (const source of listAt(container, "envFrom"))
      names.push(stringAt(objectAt(source, "secretRef"), "name"));
  }
  return names.filter((name): name is string => name !== undefined);
}

/**
 * A copy of the object with the managed label on what Podman turns into
 * pods and volumes, and the policy's default limits on containers that set none.
 */
function markObject(policy: ContainerPolicy, object: KubeObject): PlainObject {
  const value = structuredClone(object.value);
  if (object.kind === "PersistentVolumeClaim") addManagedLabel(value);
  const template = podTemplate({ ...object, value });
  if (!template) return value;
  addManagedLabel(template);
  const spec = objectAt(template, "spec");
  for (const container of [...listAt(spec, "initContainers"), ...listAt(spec, "containers")]) {
    const limits = { ...objectAt(container, "resources", "limits") };
    if (policy.maxMemoryBytes !== undefined && limits.memory === undefined)
      limits.memory = String(policy.maxMemoryBytes);
    if (policy.maxCpus !== undefined && limits.cpu === undefined)
      limits.cpu = `${Math.round(policy.maxCpus * 1000)}m`;
    if (Object.keys(limits).length)
      container.resources = { ...objectAt(container, "resources"), limits };
  }
  return value;
}

function addManagedLabel(holder: PlainObject) {
  const metadata = (holder.metadata = objectAt(holder, "metadata") ?? {});
  metadata.labels = { ...objectAt(metadata, "labels"), [MANAGED_LABEL]: "true" };
}
