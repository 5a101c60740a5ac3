import { BadArgument } from "../errors.js";
import { KIND_SHAPES, conformObject } from "./kube-schema.js";
import { PolicyRefusal } from "./refusal.js";
import { type PlainObject, foldKey, isPlainObject, parseStrictYaml } from "./strict-yaml.js";

/** One document of kube YAML, parsed strictly and conformed to the schema of its kind. */
export interface KubeObject {
  kind: string;
  name: string;
  /** 'Pod "web"', for messages. */
  where: string;
  value: PlainObject;
}

/** The kinds whose documents Podman turns into pods, and where their pod template sits. */
export const POD_TEMPLATE_PATHS: Record<string, readonly string[]> = {
  Pod: [],
  Deployment: ["spec", "template"],
};

/** Adds the document's name to a refusal from inside it. */
export function within<T>(where: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof PolicyRefusal) throw new PolicyRefusal(`${where}: ${error.message}`);
    throw error;
  }
}

/**
 * Every document of the text, checked to be exactly what the schema allows
 * (in the spelling Podman reads). Refuses the whole text when one document fails.
 */
export function readKubeObjects(text: string): KubeObject[] {
  const documents = parseStrictYaml(text);
  const objects: KubeObject[] = [];
  const withoutKind: number[] = [];
  for (const { index, value } of documents) {
    if (!isPlainObject(value)) {
      const shape = Array.isArray(value) ? "list" : typeof value;
      throw new BadArgument(
        `Document ${index} of the YAML is not a Kubernetes object (it is a ${shape})`,
      );
    }
    const rawName = isPlainObject(value.metadata) ? value.metadata.name : undefined;
    const named = typeof rawName === "string" && rawName !== "" ? rawName : undefined;
    const kind = value.kind;
    if (kind === undefined) {
      const twin = Object.keys(value).find((key) => foldKey(key) === "kind");
      if (twin !== undefined)
        throw new PolicyRefusal(
          `Document ${index}: Podman reads field names in any case, so it would take "${twin}" ` +
            `for "kind": spell it "kind" exactly`,
        );
      withoutKind.push(index);
      continue;
    }
    const known = Object.keys(KIND_SHAPES).join(", ");
    if (typeof kind !== "string" || !Object.hasOwn(KIND_SHAPES, kind)) {
      throw new PolicyRefusal(
        `Document ${index}: ${describeKind(kind)} is not one mcp-podman passes to Podman: it ` +
          `passes only the kinds its policy can judge (${known}); remove the document`,
      );
    }
    const where = named ? `${kind} "${named}"` : `${kind} (document ${index})`;
    const checked = within(where, () => conformObject(KIND_SHAPES[kind]!, value, ""));
    if (!named) throw new PolicyRefusal(`${where}: metadata.name is required (a non-empty string)`);
    objects.push({ kind, name: named, where, value: checked });
  }
  if (objects.length === 0) {
    throw new BadArgument("The YAML holds no Kubernetes object: no document has a `kind`");
  }
  if (withoutKind.length) {
    throw new BadArgument(
      `Document ${withoutKind[0]} of the YAML has no \`kind\`: give each document its kind (${Object.keys(KIND_SHAPES).join(", ")}) or remove it`,
    );
  }
  return objects;
}

/** Names a kind without echoing arbitrary text (the YAML may come from a host file). */
function describeKind(kind: unknown): string {
  if (typeof kind !== "string") return "a kind that is not a string";
  return /^[A-Za-z][A-Za-z0-9]{0,62}$/.test(kind) ? `the kind "${kind}"` : "its kind";
}

export const objectAt = (value: unknown, ...path: readonly string[]): PlainObject | undefined => {
  let current = value;
  for (const key of path) current = isPlainObject(current) ? current[key] : undefined;
  return isPlainObject(current) ? current : undefined;
};

export const listAt = (value: PlainObject | undefined, key: string): PlainObject[] => {
  const list = value?.[key];
  return Array.isArray(list) ? list.filter(isPlainObject) : [];
};

export const stringAt = (value: PlainObject | undefined, key: string): string | undefined => {
  const item = value?.[key];
  return typeof item === "string" ? item : undefined;
};

/** The pod template of a Pod or Deployment (the Pod itself), or undefined for other kinds. */
export function podTemplate(object: KubeObject): PlainObject | undefined {
  const path = POD_TEMPLATE_PATHS[object.kind];
  if (!path) return undefined;
  return path.length ? objectAt(object.value, ...path) : object.value;
}

/** Replicas of a Deployment as Podman counts them (1 when unset). */
export const replicasOf = (object: KubeObject): number => {
  const replicas = objectAt(object.value, "spec")?.replicas;
  return typeof replicas === "number" ? replicas : 1;
};

/**
 * The pods Podman makes of the objects, or removes for them: a Pod keeps its
 * name; a Deployment's pods are "<name>-pod-<i>" on Podman 4 and "<name>-pod" on 5.
 */
export function kubePodNames(objects: readonly KubeObject[]): string[] {
  const names: string[] = [];
  for (const object of objects) {
    if (object.kind === "Pod") names.push(object.name);
    if (object.kind === "Deployment") {
      names.push(`${object.name}-pod`);
      for (let i = 0; i < Math.max(replicasOf(object), 1); i += 1)
        names.push(`${object.name}-pod-${i}`);
    }
  }
  return names;
}
