import { describe, expect, it } from "vitest";
import { parseCompose } from "../../src/core/compose/parse.js";
import {
  canonicalJson,
  composeLabels,
  configHash,
  serviceSpec,
} from "../../src/core/compose/spec.js";
import {
  builtImageFor,
  containerNameFor,
  networkNameFor,
  normalizeProjectName,
  volumeNameFor,
} from "../../src/core/compose/names.js";

const yaml = [
  "services:",
  "  web:",
  "    image: busybox",
  "    command: httpd -f -p 80",
  "    environment: {A: '1'}",
  "    ports: ['127.0.0.1:8080:80']",
  "    volumes: [data:/data, ./site:/www:ro, /anon]",
  "    healthcheck: {test: [CMD, wget, -q, http://127.0.0.1/], interval: 1s}",
  "    labels: {team: a}",
  "    restart: always",
  "  client:",
  "    image: busybox",
  "    depends_on: {web: {condition: service_healthy}}",
  "    networks: {default: {aliases: [c]}, back: }",
  "    container_name: the-client",
  "networks: {back: }",
  "volumes: {data: }",
].join("\n");

const project = parseCompose(yaml, { baseDir: "/srv/shop", configFile: "/srv/shop/compose.yaml" });
const [web, client] = project.services as [
  (typeof project.services)[0],
  (typeof project.services)[0],
];

describe("names", () => {
  it("follows compose's naming", () => {
    expect(containerNameFor("shop", "web")).toBe("shop-web-1");
    expect(networkNameFor("shop", "default")).toBe("shop_default");
    expect(volumeNameFor("shop", "data")).toBe("shop_data");
    expect(builtImageFor("shop", "web")).toBe("shop-web");
    expect(normalizeProjectName("My App.v2")).toBe("myappv2");
    expect(normalizeProjectName("_x")).toBe("x");
  });
});

describe("serviceSpec", () => {
  it("builds the libpod SpecGenerator of a service", () => {
    expect(serviceSpec(project, web, "busybox")).toEqual({
      name: "shop-web-1",
      image: "busybox",
      command: ["httpd", "-f", "-p", "80"],
      env: { A: "1" },
      labels: { team: "a" },
      netns: { nsmode: "bridge" },
      Networks: { shop_default: { aliases: ["web"] } },
      portmappings: [
        { host_ip: "127.0.0.1", host_port: 8080, container_port: 80, protocol: "tcp" },
      ],
      volumes: [
        { Name: "shop_data", Dest: "/data", Options: [] },
        { Name: "", Dest: "/anon", Options: [] },
      ],
      mounts: [{ Type: "bind", Source: "/srv/shop/site", Destination: "/www", Options: ["ro"] }],
      restart_policy: "always",
      healthconfig: {
        Test: ["CMD", "wget", "-q", "http://127.0.0.1/"],
        Interval: 1e9,
        Timeout: 30e9,
        Retries: 3,
        StartPeriod: 0,
      },
    });
  });

  it("gives each network the service name and its aliases, under the network's real name", () => {
    const spec = serviceSpec(project, client, "busybox");
    expect(spec.name).toBe("the-client");
    expect(spec.Networks).toEqual({
      shop_default: { aliases: ["client", "c"] },
      shop_back: { aliases: ["client"] },
    });
  });
});

describe("composeLabels", () => {
  it("sets the labels Docker Compose sets", () => {
    expect(composeLabels(project, client, "abc")).toEqual({
      "com.docker.compose.project": "shop",
      "com.docker.compose.service": "client",
      "com.docker.compose.container-number": "1",
      "com.docker.compose.oneoff": "False",
      "com.docker.compose.config-hash": "abc",
      "com.docker.compose.depends_on": "web:service_healthy:false",
      "com.docker.compose.project.working_dir": "/srv/shop",
      "com.docker.compose.project.config_files": "/srv/shop/compose.yaml",
      "io.podman.compose.project": "shop",
    });
  });
});

describe("configHash", () => {
  it("does not depend on key order", async () => {
    const a = await configHash({ b: 1, a: { y: [1, 2], x: "s" } });
    const b = await configHash({ a: { x: "s", y: [1, 2] }, b: 1 });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson({ b: 1, a: undefined, c: null })).toBe('{"b":1,"c":null}');
  });

  it("is stable for the same file and changes with the configuration", async () => {
    const again = parseCompose(yaml, { baseDir: "/srv/shop" });
    const first = await configHash(serviceSpec(project, web, "busybox"));
    expect(await configHash(serviceSpec(again, again.services[0]!, "busybox"))).toBe(first);

    const changed = parseCompose(yaml.replace("A: '1'", "A: '2'"), { baseDir: "/srv/shop" });
    expect(await configHash(serviceSpec(changed, changed.services[0]!, "busybox"))).not.toBe(first);
    // Only the dependent's own configuration counts, not its neighbours'.
    expect(await configHash(serviceSpec(changed, changed.services[1]!, "busybox"))).toBe(
      await configHash(serviceSpec(project, client, "busybox")),
    );
  });
});
