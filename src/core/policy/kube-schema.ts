import { parseQuantity } from "./quantity.js";
import { PolicyRefusal } from "./refusal.js";
import { type Plain, type PlainObject, foldKey, isPlainObject } from "./strict-yaml.js";

/**
 * The part of the Kubernetes API that mcp-podman lets through to `podman kube
 * play`: every field here is one the policy can judge (or one Podman ignores,
 * which is dropped before Podman sees it). Anything else is refused, so that
 * Podman never acts on a field the policy did not read.
 */
export type Shape =
  | "string"
  | "boolean"
  | "integer"
  | "quantity"
  | "intOrString"
  | "stringMap"
  | { list: Shape }
  | ObjectShape;

export interface ObjectShape {
  fields: Record<string, Shape>;
  /** Fields Podman does not act on: accepted, and left out of what is sent. */
  dropped?: readonly string[];
  required?: readonly string[];
  /** Exactly one of these must be set (a volume's source). */
  oneOf?: readonly string[];
}

const strings: Shape = { list: "string" };
const object = (
  fields: Record<string, Shape>,
  extra: Omit<ObjectShape, "fields"> = {},
): ObjectShape => ({ fields, ...extra });

const metadata = object(
  { name: "string", labels: "stringMap", annotations: "stringMap" },
  { dropped: ["creationTimestamp", "namespace", "uid", "resourceVersion", "generation"] },
);

const seLinuxOptions = object({ user: "string", role: "string", type: "string", level: "string" });
const profile = object({ type: "string", localhostProfile: "string" });

const containerSecurityContext = object({
  privileged: "boolean",
  capabilities: object({ add: strings, drop: strings }),
  readOnlyRootFilesystem: "boolean",
  runAsUser: "integer",
  runAsGroup: "integer",
  runAsNonRoot: "boolean",
  allowPrivilegeEscalation: "boolean",
  seLinuxOptions,
  seccompProfile: profile,
  appArmorProfile: profile,
  procMount: "string",
});

const podSecurityContext = object({
  runAsUser: "integer",
  runAsGroup: "integer",
  runAsNonRoot: "boolean",
  supplementalGroups: { list: "integer" },
  fsGroup: "integer",
  seLinuxOptions,
  seccompProfile: profile,
  appArmorProfile: profile,
});

const keyRef = object(
  { name: "string", key: "string", optional: "boolean" },
  { required: ["name"] },
);
const nameRef = object({ name: "string", optional: "boolean" }, { required: ["name"] });

const env = object(
  {
    name: "string",
    value: "string",
    valueFrom: object(
      {
        configMapKeyRef: keyRef,
        secretKeyRef: keyRef,
        fieldRef: object({ fieldPath: "string", apiVersion: "string" }),
        resourceFieldRef: object({
          containerName: "string",
          resource: "string",
          divisor: "quantity",
        }),
      },
      { oneOf: ["configMapKeyRef", "secretKeyRef", "fieldRef", "resourceFieldRef"] },
    ),
  },
  { required: ["name"] },
);

const envFrom = object(
  { configMapRef: nameRef, secretRef: nameRef, prefix: "string" },
  { oneOf: ["configMapRef", "secretRef"] },
);

const port = object(
  {
    name: "string",
    containerPort: "integer",
    hostPort: "integer",
    hostIP: "string",
    protocol: "string",
  },
  { required: ["containerPort"] },
);

const computeResources = object({ memory: "quantity", cpu: "quantity" });

const probe = object(
  {
    exec: object({ command: strings }),
    httpGet: object({ path: "string", port: "intOrString", host: "string", scheme: "string" }),
    tcpSocket: object({ port: "intOrString", host: "string" }),
    initialDelaySeconds: "integer",
    periodSeconds: "integer",
    timeoutSeconds: "integer",
    successThreshold: "integer",
    failureThreshold: "integer",
  },
  { oneOf: ["exec", "httpGet", "tcpSocket"] },
);

const container = object(
  {
    name: "string",
    image: "string",
    command: strings,
    args: strings,
    workingDir: "string",
    env: { list: env },
    envFrom: { list: envFrom },
    ports: { list: port },
    resources: object({ limits: computeResources, requests: computeResources }),
    securityContext: containerSecurityContext,
    volumeMounts: {
      list: object(
        { name: "string", mountPath: "string", readOnly: "boolean", subPath: "string" },
        { required: ["name", "mountPath"] },
      ),
    },
    livenessProbe: probe,
    readinessProbe: probe,
    startupProbe: probe,
    stdin: "boolean",
    stdinOnce: "boolean",
    tty: "boolean",
    imagePullPolicy: "string",
  },
  { required: ["name", "image"], dropped: ["terminationMessagePath", "terminationMessagePolicy"] },
);

const keyToPath = { list: object({ key: "string", path: "string", mode: "integer" }) };

const volume = object(
  {
    name: "string",
    hostPath: object({ path: "string", type: "string" }, { required: ["path"] }),
    emptyDir: object({ medium: "string", sizeLimit: "quantity" }),
    persistentVolumeClaim: object(
      { claimName: "string", readOnly: "boolean" },
      { required: ["claimName"] },
    ),
    configMap: object(
      { name: "string", items: keyToPath, optional: "boolean", defaultMode: "integer" },
      { required: ["name"] },
    ),
    secret: object(
      { secretName: "string", items: keyToPath, optional: "boolean", defaultMode: "integer" },
      { required: ["secretName"] },
    ),
  },
  {
    required: ["name"],
    oneOf: ["hostPath", "emptyDir", "persistentVolumeClaim", "configMap", "secret"],
  },
);

export const podSpec = object(
  {
    containers: { list: container },
    initContainers: { list: container },
    volumes: { list: volume },
    hostNetwork: "boolean",
    hostPID: "boolean",
    hostIPC: "boolean",
    hostUsers: "boolean",
    shareProcessNamespace: "boolean",
    hostname: "string",
    restartPolicy: "string",
    terminationGracePeriodSeconds: "integer",
    securityContext: podSecurityContext,
    dnsPolicy: "string",
    dnsConfig: object({
      nameservers: strings,
      searches: strings,
      options: { list: object({ name: "string", value: "string" }) },
    }),
    hostAliases: { list: object({ ip: "string", hostnames: strings }) },
  },
  {
    required: ["containers"],
    dropped: [
      "automountServiceAccountToken",
      "enableServiceLinks",
      "serviceAccountName",
      "serviceAccount",
    ],
  },
);

const topLevel = (spec: Record<string, Shape>, extra: Omit<ObjectShape, "fields"> = {}) =>
  object(
    { apiVersion: "string", kind: "string", metadata, ...spec },
    { dropped: ["status"], ...extra },
  );

/** The kinds mcp-podman passes to Podman, by `kind`. */
export const KIND_SHAPES: Record<string, ObjectShape> = {
  Pod: topLevel({ spec: podSpec }, { required: ["metadata", "spec"] }),
  Deployment: topLevel(
    {
      spec: object(
        {
          replicas: "integer",
          selector: object({ matchLabels: "stringMap" }),
          template: object({ metadata, spec: podSpec }, { required: ["spec"] }),
        },
        { required: ["template"], dropped: ["strategy"] },
      ),
    },
    { required: ["metadata", "spec"] },
  ),
  PersistentVolumeClaim: topLevel(
    {
      spec: object({
        accessModes: strings,
        resources: object({ requests: object({ storage: "quantity" }) }),
        storageClassName: "string",
        volumeMode: "string",
      }),
    },
    { required: ["metadata"] },
  ),
  ConfigMap: topLevel(
    { data: "stringMap", binaryData: "stringMap", immutable: "boolean" },
    { required: ["metadata"] },
  ),
  Service: topLevel(
    {
      spec: object({
        ports: {
          list: object({
            name: "string",
            protocol: "string",
            port: "integer",
            targetPort: "intOrString",
            nodePort: "integer",
          }),
        },
        selector: "stringMap",
        type: "string",
      }),
    },
    { required: ["metadata"] },
  ),
};

/** "a.b[2].c" for the refusal messages. */
export const joinPath = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

const refuse = (path: string, what: string) =>
  new PolicyRefusal(`${path || "the object"}: ${what}`);

const typeName = (value: Plain) =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "a list"
      : isPlainObject(value)
        ? "a mapping"
        : `a ${typeof value}`;

/**
 * The value as the shape allows it, with dropped fields left out; refuses
 * unknown fields, fields spelled in another case, and values of the wrong type.
 */
export function conform(shape: Shape, value: Plain, path: string): Plain {
  if (typeof shape === "object" && "list" in shape) {
    if (!Array.isArray(value)) throw refuse(path, `must be a list, not ${typeName(value)}`);
    return value.map((item, index) => conform(shape.list, item, joinPath(path, index)));
  }
  if (typeof shape === "object") return conformObject(shape, value, path);
  switch (shape) {
    case "string":
      if (typeof value !== "string")
        throw refuse(path, `must be a string, not ${typeName(value)}: quote it`);
      return value;
    case "boolean":
      if (typeof value !== "boolean")
        throw refuse(path, `must be true or false, not ${typeName(value)}`);
      return value;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value))
        throw refuse(path, `must be a whole number, not ${typeName(value)}`);
      return value;
    case "intOrString":
      if (typeof value === "string") return value;
      return conform("integer", value, path);
    case "quantity": {
      const text = typeof value === "number" ? String(value) : value;
      if (typeof text !== "string" || parseQuantity(text) === undefined)
        throw refuse(path, "must be a Kubernetes quantity such as 128Mi, 1G or 500m");
      return text;
    }
    case "stringMap": {
      if (!isPlainObject(value)) throw refuse(path, `must be a mapping, not ${typeName(value)}`);
      for (const [key, item] of Object.entries(value)) {
        if (typeof item !== "string")
          throw refuse(`${path}["${key}"]`, `must be a string, not ${typeName(item)}: quote it`);
      }
      return value;
    }
  }
}

export function conformObject(shape: ObjectShape, value: Plain, path: string): PlainObject {
  if (!isPlainObject(value)) throw refuse(path, `must be a mapping, not ${typeName(value)}`);
  const known = [...Object.keys(shape.fields), ...(shape.dropped ?? [])];
  const answer: PlainObject = {};
  for (const [key, item] of Object.entries(value)) {
    const fieldPath = joinPath(path, key);
    const fieldShape = Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined;
    if (fieldShape !== undefined) {
      answer[key] = conform(fieldShape, item, fieldPath);
      continue;
    }
    if (shape.dropped?.includes(key)) continue;
    const twin = known.find((name) => foldKey(name) === foldKey(key));
    if (twin !== undefined)
      throw refuse(
        fieldPath,
        `Podman reads field names in any case, so it would take this for "${twin}": ` +
          `spell it "${twin}" exactly`,
      );
    throw refuse(
      fieldPath,
      `mcp-podman's kube checker does not know this field, and refuses what it cannot judge: ` +
        `remove it (known here: ${Object.keys(shape.fields).join(", ")})`,
    );
  }
  for (const key of shape.required ?? []) {
    if (!Object.hasOwn(answer, key)) throw refuse(joinPath(path, key), "is required");
  }
  if (shape.oneOf) {
    const set = shape.oneOf.filter((key) => Object.hasOwn(answer, key));
    if (set.length !== 1)
      throw refuse(
        path,
        `must set exactly one of ${shape.oneOf.join(", ")} (it sets ${set.length})`,
      );
  }
  return answer;
}
