import { describe, expect, it } from "vitest";
import { BadArgument } from "../../src/core/errors.js";
import { parseCompose } from "../../src/core/compose/parse.js";

const base = { baseDir: "/srv/My App", env: {} };

function parse(yaml: string, options: Parameters<typeof parseCompose>[1] = base) {
  return parseCompose(yaml, options);
}

function service(yaml: string, name = "web") {
  const project = parse(yaml);
  return project.services.find((entry) => entry.name === name)!;
}

function parseError(yaml: string, options: Parameters<typeof parseCompose>[1] = base): string {
  try {
    parseCompose(yaml, options);
  } catch (error) {
    expect(error).toBeInstanceOf(BadArgument);
    return (error as Error).message;
  }
  throw new Error("expected the file to be refused");
}

describe("project level", () => {
  it("names the project after the explicit name, the file's name, then the directory", () => {
    const yaml = "services: {web: {image: busybox}}";
    expect(parse(yaml).name).toBe("myapp");
    expect(parse(`name: shop\n${yaml}`).name).toBe("shop");
    expect(parse(`name: shop\n${yaml}`, { ...base, projectName: "other" }).name).toBe("other");
    expect(parseError(yaml, { env: {} })).toMatch(/No project name/);
    expect(parseError(yaml, { ...base, projectName: "Bad Name" })).toMatch(
      /Invalid project name "Bad Name"/,
    );
  });

  it("ignores the obsolete version key and extension fields", () => {
    const project = parse(
      'version: "3.8"\nx-common: {a: 1}\nservices: {web: {image: busybox, x-note: hi}}',
    );
    expect(project.services.map((entry) => entry.name)).toEqual(["web"]);
  });

  it("names every unsupported key, with its service and line, all at once", () => {
    const message = parseError(
      [
        "services:",
        "  web:",
        "    image: busybox",
        "    deploy: {replicas: 2}",
        "  db:",
        "    image: busybox",
        "    configs: [pw]",
        "configs: {pw: {file: ./pw}}",
      ].join("\n"),
    );
    expect(message).toMatch(/service "web": unsupported key "deploy" .*\(line 4\)/);
    expect(message).toMatch(/service "db": unsupported key "configs" .*\(line 7\)/);
    expect(message).toMatch(/unsupported top-level key "configs" .*\(line 8\)/);
  });

  it("locates a key with a block value on the key's own line", () => {
    expect(parseError("services:\n  web:\n    image: b\n    deploy:\n      replicas: 2\n")).toMatch(
      /unsupported key "deploy".*\(line 4\)/,
    );
  });

  it("refuses unsupported keys inside nested sections", () => {
    expect(
      parseError("services: {web: {image: b, healthcheck: {test: true, start_interval: 1s}}}"),
    ).toMatch(/service "web" healthcheck: unsupported key "start_interval"/);
    expect(parseError("services: {web: {image: b}}\nnetworks: {front: {ipam: {}}}")).toMatch(
      /networks.front: unsupported key "ipam"/,
    );
    expect(
      parseError("services: {web: {image: b}}\nvolumes: {data: {driver: local, size: 1}}"),
    ).toMatch(/volumes.data: unsupported key "size"/);
  });

  it("reports YAML syntax errors with their line", () => {
    expect(parseError("services:\n  web: [image: busybox\n")).toMatch(/not valid YAML.*line/);
  });

  it("refuses references to undefined services, networks and volumes", () => {
    const message = parseError(
      "services: {web: {image: b, depends_on: [db], networks: [back], volumes: ['data:/d']}}",
    );
    expect(message).toMatch(/depends on "db", which is not a service/);
    expect(message).toMatch(/network "back" is not defined/);
    expect(message).toMatch(/volume "data" is not defined/);
  });

  it("needs an image or a build section", () => {
    expect(parseError("services: {web: {command: [true]}}")).toMatch(
      /service "web": needs an `image` or a `build`/,
    );
  });

  it("names networks and volumes after the project, honouring name and external", () => {
    const project = parse(
      [
        "services: {web: {image: b, networks: [front, ext], volumes: ['data:/d', 'shared:/s']}, job: {image: b}}",
        "networks: {front: {driver: bridge, internal: true, labels: [team=a]}, ext: {external: true}}",
        "volumes: {data: {labels: {k: v}}, shared: {name: fixed-name}}",
      ].join("\n"),
    );
    expect(project.networks.front).toEqual({
      name: "myapp_front",
      external: false,
      driver: "bridge",
      internal: true,
      labels: { team: "a" },
    });
    expect(project.networks.ext).toMatchObject({ name: "ext", external: true });
    expect(project.networks.default).toMatchObject({ name: "myapp_default", external: false });
    expect(project.volumes.data).toMatchObject({ name: "myapp_data", labels: { k: "v" } });
    expect(project.volumes.shared!.name).toBe("fixed-name");
    expect(project.services[1]!.networks).toEqual({ default: { aliases: [] } });
  });

  it("does not create the default network when every service names its networks", () => {
    const project = parse("services: {web: {image: b, networks: [front]}}\nnetworks: {front: }");
    expect(Object.keys(project.networks)).toEqual(["front"]);
  });
});

describe("service keys", () => {
  it("reads image, command and entrypoint in string (shell words) and list forms", () => {
    const web = service(
      `services: {web: {image: busybox, command: "sh -c 'echo \\"hi there\\"' x", entrypoint: [/bin/env, "-i"]}}`,
    );
    expect(web.image).toBe("busybox");
    expect(web.command).toEqual(["sh", "-c", 'echo "hi there"', "x"]);
    expect(web.entrypoint).toEqual(["/bin/env", "-i"]);
    expect(service("services: {web: {image: b, entrypoint: /bin/sh -c}}").entrypoint).toEqual([
      "/bin/sh",
      "-c",
    ]);
  });

  it("reads environment as a map or a list, values stringified, bare keys from env", () => {
    const yaml =
      "services:\n  web: {image: b, environment: {A: 1, B: true, C: x=y, D: null}}\n" +
      "  job: {image: b, environment: [A=1, B=, FROM_ENV, MISSING]}";
    const project = parseCompose(yaml, { ...base, env: { D: "dee", FROM_ENV: "yes" } });
    expect(project.services[0]!.environment).toEqual({ A: "1", B: "true", C: "x=y", D: "dee" });
    expect(project.services[1]!.environment).toEqual({ A: "1", B: "", FROM_ENV: "yes" });
  });

  it("resolves env_file entries against the base directory", () => {
    const web = service(
      "services: {web: {image: b, env_file: [a.env, /etc/b.env, {path: ../c.env, required: false}]}}",
    );
    expect(web.envFiles).toEqual([
      { path: "/srv/My App/a.env", required: true },
      { path: "/etc/b.env", required: true },
      { path: "/srv/c.env", required: false },
    ]);
    expect(service("services: {web: {image: b, env_file: x.env}}").envFiles).toEqual([
      { path: "/srv/My App/x.env", required: true },
    ]);
  });

  it("reads ports in short and long forms", () => {
    const web = service(
      [
        "services:",
        "  web:",
        "    image: b",
        "    ports:",
        '      - "8080:80"',
        '      - "127.0.0.1:5353:53/udp"',
        "      - 9000",
        "      - {target: 443, published: 8443, host_ip: 127.0.0.1, protocol: tcp}",
        '      - {target: 22, published: "2222"}',
      ].join("\n"),
    );
    expect(web.ports).toEqual([
      { host_port: 8080, container_port: 80, protocol: "tcp" },
      { host_ip: "127.0.0.1", host_port: 5353, container_port: 53, protocol: "udp" },
      { container_port: 9000, protocol: "tcp" },
      { host_ip: "127.0.0.1", host_port: 8443, container_port: 443, protocol: "tcp" },
      { host_port: 2222, container_port: 22, protocol: "tcp" },
    ]);
    expect(parseError("services: {web: {image: b, ports: ['99999:80']}}")).toMatch(
      /service "web" ports\[0\]: Invalid port mapping "99999:80"/,
    );
    expect(parseError("services: {web: {image: b, ports: [{target: 80, mode: host}]}}")).toMatch(
      /unsupported key "mode"/,
    );
  });

  it("reads volumes in short and long forms, relative binds resolved", () => {
    const web = service(
      [
        "services:",
        "  web:",
        "    image: b",
        "    volumes:",
        "      - data:/var/lib/data:ro",
        "      - ./site:/www",
        "      - ../shared:/shared:ro,z",
        "      - /etc/hosts:/etc/hosts:ro",
        "      - /cache",
        "      - {type: volume, source: data, target: /d2, read_only: true}",
        "      - {type: bind, source: ./conf, target: /conf}",
        "      - {type: volume, target: /anon}",
        "volumes: {data: }",
      ].join("\n"),
    );
    expect(web.volumes).toEqual([
      { type: "volume", source: "data", target: "/var/lib/data", options: ["ro"] },
      { type: "bind", source: "/srv/My App/site", target: "/www", options: [] },
      { type: "bind", source: "/srv/shared", target: "/shared", options: ["ro", "z"] },
      { type: "bind", source: "/etc/hosts", target: "/etc/hosts", options: ["ro"] },
      { type: "volume", target: "/cache", options: [] },
      { type: "volume", source: "data", target: "/d2", options: ["ro"] },
      { type: "bind", source: "/srv/My App/conf", target: "/conf", options: [] },
      { type: "volume", target: "/anon", options: [] },
    ]);
    expect(parseError("services: {web: {image: b, volumes: [{type: tmpfs, target: /t}]}}")).toMatch(
      /"tmpfs" is not supported/,
    );
  });

  it("refuses relative paths when there is no base directory", () => {
    const message = parseError(
      "services: {web: {image: b, volumes: ['./site:/www'], env_file: x.env, build: ./app}}",
      { projectName: "p" },
    );
    expect(message).toMatch(/bind source "\.\/site" is relative/);
    expect(message).toMatch(/env_file "x.env" is relative/);
    expect(message).toMatch(/build context "\.\/app" is relative/);
  });

  it("reads depends_on as a list or with conditions", () => {
    const yaml =
      "services:\n  db: {image: b}\n  cache: {image: b}\n" +
      "  web: {image: b, depends_on: {db: {condition: service_healthy}, cache: }}\n" +
      "  job: {image: b, depends_on: [db]}";
    const project = parse(yaml);
    expect(project.services[2]!.dependsOn).toEqual({
      db: "service_healthy",
      cache: "service_started",
    });
    expect(project.services[3]!.dependsOn).toEqual({ db: "service_started" });
    expect(
      parseError(
        "services: {db: {image: b}, web: {image: b, depends_on: {db: {condition: ready}}}}",
      ),
    ).toMatch(
      /"ready" is not one of service_started, service_healthy, service_completed_successfully/,
    );
  });

  it("reads healthcheck test forms, durations and disable", () => {
    const web = service(
      "services: {web: {image: b, healthcheck: {test: [CMD, wget, -q, http://x/], interval: 1s, timeout: 500ms, retries: 5, start_period: 1m30s}}}",
    );
    expect(web.healthcheck).toEqual({
      test: ["CMD", "wget", "-q", "http://x/"],
      interval: 1e9,
      timeout: 5e8,
      retries: 5,
      startPeriod: 90e9,
    });
    expect(
      service("services: {web: {image: b, healthcheck: {test: curl -f http://x}}}").healthcheck,
    ).toEqual({
      test: ["CMD-SHELL", "curl -f http://x"],
    });
    expect(
      service("services: {web: {image: b, healthcheck: {disable: true}}}").healthcheck,
    ).toEqual({
      test: ["NONE"],
    });
    expect(
      parseError("services: {web: {image: b, healthcheck: {test: [CMD, x], interval: 5}}}"),
    ).toMatch(/missing unit/);
  });

  it("reads restart, labels, networks with aliases and the plain string keys", () => {
    const web = service(
      [
        "services:",
        "  web:",
        "    image: b",
        "    restart: on-failure:3",
        "    labels: [a=1, b]",
        "    networks: {front: {aliases: [www]}, back: }",
        "    container_name: my-web",
        "    working_dir: /app",
        "    user: 1000",
        "    hostname: web1",
        "    privileged: true",
        "    stop_grace_period: 1m",
        "    mem_limit: 256m",
        "    extra_hosts: ['db.local:10.0.0.2']",
        "networks: {front: , back: }",
      ].join("\n"),
    );
    expect(web).toMatchObject({
      restart: { policy: "on-failure", tries: 3 },
      labels: { a: "1", b: "" },
      networks: { front: { aliases: ["www"] }, back: { aliases: [] } },
      containerName: "my-web",
      workingDir: "/app",
      user: "1000",
      hostname: "web1",
      privileged: true,
      stopGracePeriodSeconds: 60,
      memLimitBytes: 256 * 1024 * 1024,
      extraHosts: ["db.local:10.0.0.2"],
    });
    expect(service("services: {web: {image: b, restart: unless-stopped}}").restart).toEqual({
      policy: "unless-stopped",
    });
    expect(parseError("services: {web: {image: b, restart: sometimes}}")).toMatch(
      /"sometimes" is not one of/,
    );
  });

  it("reads build as a context string or a section", () => {
    expect(service("services: {web: {build: ./app}}").build).toEqual({
      context: "/srv/My App/app",
      args: {},
    });
    expect(
      service(
        "services: {web: {image: mine, build: {context: ., dockerfile: docker/Dockerfile, args: [V=1], target: prod}}}",
      ).build,
    ).toEqual({
      context: "/srv/My App",
      dockerfile: "docker/Dockerfile",
      args: { V: "1" },
      target: "prod",
    });
    expect(parseError("services: {web: {build: {context: ., dockerfile: ../x}}}")).toMatch(
      /must be a relative path inside the context/,
    );
    expect(parseError("services: {web: {build: {context: ., cache_from: [x]}}}")).toMatch(
      /unsupported key "cache_from"/,
    );
  });

  it("supports YAML anchors and merge keys", () => {
    const project = parse(
      "x-base: &base {image: busybox, environment: {A: '1'}}\nservices:\n  web:\n    <<: *base\n    command: [true]",
    );
    expect(project.services[0]).toMatchObject({
      image: "busybox",
      environment: { A: "1" },
      command: ["true"],
    });
  });
});

describe("interpolation", () => {
  it("substitutes variables from env, with defaults and $$ escapes", () => {
    const web = parseCompose(
      "services: {web: {image: 'busybox:${TAG:-latest}', command: [echo, '$$HOME', '${NAME}', $NAME]}}",
      { ...base, env: { NAME: "x" } },
    ).services[0]!;
    expect(web.image).toBe("busybox:latest");
    expect(web.command).toEqual(["echo", "$HOME", "x", "x"]);
  });

  it("refuses an unset variable without a default, naming it", () => {
    expect(parseError("services: {web: {image: 'busybox:${TAG}'}}")).toMatch(
      /service "web" image: variable "TAG" is not set/,
    );
    expect(parseError("services: {web: {image: '${TAG:?pick a tag}'}}")).toMatch(
      /"TAG" is required: pick a tag/,
    );
  });
});
