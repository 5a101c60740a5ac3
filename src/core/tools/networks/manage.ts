import * as z from "zod";
import { DESTRUCTIVE, MUTATING, READ_ONLY } from "../annotations.js";
import { withManagedLabel } from "../../policy/ownership.js";
import { maskUnlessShown } from "../../policy/secrets.js";
import { BadArgument, Conflict } from "../../errors.js";
import {
  type NetworkInfo,
  createNetwork,
  inspectNetwork,
  listNetworks,
  removeNetwork,
} from "../../podman/networks.js";
import { shortId } from "../../podman/ids.js";
import { projectFields } from "../projection.js";
import { defineTool } from "../tool.js";

const networkName = z.string().min(1);

const networkSummary = z.object({
  name: z.string(),
  id: z.string().describe("Short (12 character) network id"),
  driver: z.string(),
  subnets: z.array(z.string()).describe('CIDRs, e.g. "10.89.0.0/24"'),
  dns_enabled: z.boolean().describe("Containers on it resolve each other by name"),
  internal: z.boolean().describe("No route to the outside world"),
});

function summarize(network: NetworkInfo): z.output<typeof networkSummary> {
  return {
    name: network.name,
    id: shortId(network.id),
    driver: network.driver,
    subnets: (network.subnets ?? []).map((s) => s.subnet),
    dns_enabled: network.dns_enabled ?? false,
    internal: network.internal ?? false,
  };
}

export const podmanNetworkLs = defineTool({
  name: "podman_network_ls",
  family: "networks",
  title: "List networks",
  description: "List networks with their driver, subnets and DNS.",
  input: z.object({
    filters: z
      .object({
        name: z.string().optional(),
        label: z.array(z.string()).optional(),
        driver: z.string().optional(),
      })
      .optional(),
  }),
  output: z.object({ networks: z.array(networkSummary), count: z.number().int() }),
  annotations: READ_ONLY,
  async handle(ctx, { filters }) {
    const networks = (await listNetworks(ctx.podman, filters, ctx.signal)).map(summarize);
    return { networks, count: networks.length };
  },
  render({ networks }) {
    if (networks.length === 0) return "No networks.";
    return networks
      .map((n) => {
        const flags = [n.dns_enabled ? "dns" : "", n.internal ? "internal" : ""].filter(Boolean);
        const subnets = n.subnets.length ? ` ${n.subnets.join(",")}` : "";
        return `${n.id} ${n.name} ${n.driver}${subnets}${flags.length ? ` ${flags.join(",")}` : ""}`;
      })
      .join("\n");
  },
});

export const podmanNetworkCreate = defineTool({
  name: "podman_network_create",
  family: "networks",
  title: "Create a network",
  description:
    "Create a network for podman_run network=NAME; dns_enabled=true: containers reach each other by name.",
  input: z.object({
    name: z.string().min(1),
    subnet: z.string().optional().describe("CIDR"),
    gateway: z.string().optional(),
    internal: z.boolean().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    driver: z.string().optional().describe("bridge, macvlan or ipvlan"),
    dns_enabled: z.boolean().optional(),
    interface_name: z.string().max(15).optional().describe("Bridge or macvlan parent"),
  }),
  output: z.object({
    name: z.string(),
    id: z.string(),
    driver: z.string(),
    interface: z.string().optional().describe("The host bridge or parent interface"),
    subnets: z.array(z.object({ subnet: z.string(), gateway: z.string().optional() })),
    dns_enabled: z.boolean(),
    internal: z.boolean(),
  }),
  annotations: MUTATING,
  async handle(ctx, args) {
    if (args.gateway && !args.subnet) {
      throw new BadArgument("gateway needs a subnet: give subnet too");
    }
    const network = await createNetwork(
      ctx.podman,
      {
        name: args.name,
        driver: args.driver,
        subnets: args.subnet ? [{ subnet: args.subnet, gateway: args.gateway }] : undefined,
        internal: args.internal,
        dns_enabled: args.dns_enabled,
        labels: withManagedLabel(args.labels),
        network_interface: args.interface_name,
      },
      ctx.signal,
    );
    return {
      name: network.name,
      id: shortId(network.id),
      driver: network.driver,
      ...(network.network_interface ? { interface: network.network_interface } : {}),
      subnets: (network.subnets ?? []).map(({ subnet, gateway }) => ({
        subnet,
        ...(gateway ? { gateway } : {}),
      })),
      dns_enabled: network.dns_enabled ?? false,
      internal: network.internal ?? false,
    };
  },
  render(n) {
    const subnets = n.subnets
      .map((s) => (s.gateway ? `${s.subnet} (gateway ${s.gateway})` : s.subnet))
      .join(", ");
    return `Network ${n.name} (${n.id}) created: ${n.driver}${subnets ? `, ${subnets}` : ""}.`;
  },
});

export const podmanNetworkRm = defineTool({
  name: "podman_network_rm",
  family: "networks",
  title: "Remove a network",
  description: "Remove a network; force=true also REMOVES THE CONTAINERS and pods attached.",
  input: z.object({
    name: networkName,
    force: z.boolean().default(false),
    timeout: z.number().int().min(0).max(3600).optional(),
  }),
  output: z.object({ removed: z.array(z.string()) }),
  annotations: DESTRUCTIVE,
  scope: "admin",
  owns: { kind: "network", arg: "name" },
  async handle(ctx, { name, force, timeout }) {
    try {
      return {
        removed: await removeNetwork(
          ctx.podman,
          name,
          { force, timeoutSeconds: timeout },
          ctx.signal,
        ),
      };
    } catch (error) {
      // Podman's own message advises the CLI's -f.
      if (error instanceof Conflict && /being used/i.test(error.message)) {
        throw new Conflict(
          `network ${name} is being used by containers: remove them first, or pass force=true ` +
            "to remove them (and their pods) with it",
        );
      }
      throw error;
    }
  },
  render: ({ removed }) => `Network ${removed.join(", ")} removed.`,
});

export const podmanNetworkInspect = defineTool({
  name: "podman_network_inspect",
  family: "networks",
  title: "Inspect a network",
  description: "A network's inspect document, or only `fields` such as subnets.",
  input: z.object({
    name: networkName,
    fields: z.array(z.string().min(1)).optional(),
  }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    inspect: z
      .record(z.string(), z.unknown())
      .describe("The document, or a map from each requested path to its value"),
    missing: z.array(z.string()).optional().describe("Requested paths that do not exist"),
  }),
  annotations: READ_ONLY,
  owns: { kind: "network", arg: "name" },
  async handle(ctx, { name, fields }) {
    const document = maskUnlessShown(ctx, await inspectNetwork(ctx.podman, name, ctx.signal));
    const identity = { id: shortId(document.id), name: document.name };
    if (!fields?.length) return { ...identity, inspect: document };
    const { values, missing } = projectFields(document, fields);
    return { ...identity, inspect: values, ...(missing.length ? { missing } : {}) };
  },
  render({ inspect, missing }) {
    const note = missing?.length ? `\n(no such field: ${missing.join(", ")})` : "";
    return JSON.stringify(inspect) + note;
  },
});
