import type { HostEntry, HostFiles } from "../../src/core/contracts.js";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BadArgument, PodmanRejected } from "../../src/core/errors.js";
import { BuildProgress, buildQuery } from "../../src/core/podman/build.js";
import { splitRepositoryTag } from "../../src/core/podman/images.js";
import type { ContainerPolicy } from "../../src/core/policy/policy.js";
import { PolicyRefusal } from "../../src/core/policy/refusal.js";
import {
  CHECKED_CONTAINERFILE,
  checkedBuildContext,
} from "../../src/core/policy/checked-build-context.js";
import { humanSize } from "../../src/core/tools/images/size.js";

const ID = "f1d03f218be55e47195ad398c31edf02d592ea829d08f27ef7aa25be7222e274";
const signal = new AbortController().signal;

describe("BuildProgress", () => {
  it("reports steps, keeps the log and takes libpod's last stream as the id", () => {
    const steps: string[] = [];
    const progress = new BuildProgress((line) => steps.push(line));
    for (const stream of [
      "STEP 1/3: FROM base\n",
      "STEP 2/3: RUN echo hi\n",
      "h",
      "i\n",
      "STEP 3/3: LABEL x=y\n",
      "COMMIT app\n",
      `--> ${ID.slice(0, 11)}\n`,
      "Successfully tagged localhost/app:latest\n",
      `${ID}\n`,
    ]) {
      progress.add({ stream });
    }
    const result = progress.finish();
    expect(result.id).toBe(ID);
    expect(steps).toEqual(["STEP 1/3: FROM base", "STEP 2/3: RUN echo hi", "STEP 3/3: LABEL x=y"]);
    expect(result.log.lines).toContain("hi");
    expect(result.log.lines).not.toContain(ID);
  });

  it("accepts the id without a final newline (libpod 4.3) and as aux.ID", () => {
    const bare = new BuildProgress();
    bare.add({ stream: "STEP 1/1: FROM base\n" });
    bare.add({ stream: ID });
    expect(bare.finish().id).toBe(ID);
    const aux = new BuildProgress();
    aux.add({ aux: { ID: `sha256:${ID}` } });
    expect(aux.finish().id).toBe(ID);
  });

  it("recognises the steps of multi-stage builds", () => {
    const steps: string[] = [];
    const progress = new BuildProgress((line) => steps.push(line));
    progress.add({ stream: "[1/2] STEP 1/2: FROM base AS builder\n[2/2] STEP 1/1: FROM base\n" });
    progress.add({ stream: ID });
    progress.finish();
    expect(steps).toHaveLength(2);
  });

  it("names the failing step and its last output", () => {
    const progress = new BuildProgress();
    progress.add({ stream: "STEP 1/3: FROM base\n" });
    progress.add({ stream: "STEP 2/3: RUN make\n" });
    progress.add({ stream: "compiling\nmain.c:3: error: expected ';'\n" });
    progress.add({
      error: 'building at STEP "RUN make": while running runtime: exit status 1\n',
    });
    let failure: unknown;
    try {
      progress.finish();
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(PodmanRejected);
    const message = (failure as Error).message;
    expect(message).toMatch(/^build failed at STEP 2\/3: RUN make: building at STEP/);
    expect(message).toContain("main.c:3: error: expected ';'");
  });

  it("fails when the stream ends without an id", () => {
    const progress = new BuildProgress();
    progress.add({ stream: "STEP 1/1: FROM base\n" });
    expect(() => progress.finish()).toThrow(/without an image id/);
  });
});

describe("buildQuery", () => {
  it("repeats t for several tags and JSON-encodes maps", () => {
    const query = new URLSearchParams(
      buildQuery({
        tags: ["a:1", "b:2"],
        containerfile: "build/Containerfile",
        buildArgs: { VERSION: "1.2" },
        labels: { team: "x" },
        target: "runtime",
        noCache: true,
        network: "none",
        signal,
      }),
    );
    expect(query.getAll("t")).toEqual(["a:1", "b:2"]);
    expect(query.get("dockerfile")).toBe("build/Containerfile");
    expect(JSON.parse(query.get("buildargs")!)).toEqual({ VERSION: "1.2" });
    expect(JSON.parse(query.get("labels")!)).toEqual({ team: "x" });
    expect(query.get("target")).toBe("runtime");
    expect(query.get("nocache")).toBe("true");
    expect(query.has("pull")).toBe(false);
  });

  it("always gives RUN a network namespace of its own, never the host's", () => {
    const none = new URLSearchParams(buildQuery({ tags: ["a"], network: "none", signal }));
    expect(JSON.parse(none.get("nsoptions")!)).toEqual([{ Name: "network" }]);
    expect(none.get("networkmode")).toBe("NetworkDisabled");
    const open = new URLSearchParams(buildQuery({ tags: ["a"], network: "private", signal }));
    expect(JSON.parse(open.get("nsoptions")!)).toEqual([{ Name: "network" }]);
    expect(open.get("networkmode")).toBe("NetworkEnabled");
  });
});

describe("splitRepositoryTag", () => {
  it("splits at the tag colon, not at a registry port", () => {
    expect(splitRepositoryTag("app:1.2")).toEqual({ repo: "app", tag: "1.2" });
    expect(splitRepositoryTag("127.0.0.1:5000/team/app")).toEqual({
      repo: "127.0.0.1:5000/team/app",
      tag: "latest",
    });
    expect(splitRepositoryTag("127.0.0.1:5000/team/app:v1")).toEqual({
      repo: "127.0.0.1:5000/team/app",
      tag: "v1",
    });
    expect(() => splitRepositoryTag("app@sha256:abc")).toThrow(/digest/);
  });
});

describe("humanSize", () => {
  it("uses decimal units with three significant digits", () => {
    expect(humanSize(0)).toBe("0 B");
    expect(humanSize(999)).toBe("999 B");
    expect(humanSize(2_003_203)).toBe("2 MB");
    expect(humanSize(2_036_000)).toBe("2.04 MB");
    expect(humanSize(999_960)).toBe("1 MB");
    expect(humanSize(1_500_000_000)).toBe("1.5 GB");
  });
});

describe("BuildProgress output lines", () => {
  it("keeps what a terminal shows of carriage-return progress and cuts endless lines", () => {
    const progress = new BuildProgress();
    progress.add({ stream: "STEP 1/1: RUN fetch\n" });
    progress.add({ stream: "10%\r50%\r100%\n" });
    progress.add({ stream: ID });
    expect(progress.finish().log.lines).toEqual(["STEP 1/1: RUN fetch", "100%"]);

    const endless = new BuildProgress();
    for (let i = 0; i < 100; i++) endless.add({ stream: "#".repeat(1000) });
    endless.add({ stream: `\n${ID}` });
    const { log } = endless.finish();
    expect(log.firstLineCut).toBe(true);
    expect(log.lines.join("").length).toBeLessThan(5000);
  });
});

describe("checkedBuildContext", () => {
  const entry = (path: string, type: HostEntry["type"] = "file", linkTarget?: string) => ({
    path,
    type,
    mode: type === "directory" ? 0o755 : 0o644,
    size: 0,
    mtimeMs: 0,
    ...(linkTarget ? { linkTarget } : {}),
  });
  /** A context directory held in memory: path -> content, or a symlink. */
  const hostFiles = (tree: Record<string, string | { link: string }>): HostFiles => {
    const textOf = (path: string) => {
      const relative = path.replace(/^\/ctx\//, "");
      const value = tree[relative];
      if (typeof value !== "string") throw new BadArgument(`${path}: no such file or directory`);
      return value;
    };
    return {
      readTextFile: async (path) => textOf(path),
      readFile: async (path) => new TextEncoder().encode(textOf(path)),
      realPath: async (path) => path,
      async *walk() {
        for (const [path, value] of Object.entries(tree)) {
          yield typeof value === "string"
            ? { ...entry(path), size: value.length }
            : entry(path, "symlink", value.link);
        }
      },
    };
  };
  const memberOf = (archive: Uint8Array, member: string) =>
    execFileSync("tar", ["-xO", member], { input: archive }).toString();
  const membersOf = (archive: Uint8Array) =>
    execFileSync("tar", ["-t"], { input: archive }).toString().trim().split("\n");
  const ctx = (files: HostFiles, policy: Partial<ContainerPolicy> = {}) => ({
    files,
    policy: {
      allowBuildNetwork: false,
      allowedRegistries: undefined,
      ...policy,
    } as ContainerPolicy,
  });

  it("sends the checked text under the server's name, the caller's file and ignore rules kept", async () => {
    const files = hostFiles({
      "build.Containerfile": "from x\nrun echo a \\\n b\n",
      ".containerignore": "secret\n",
      "app.txt": "app",
    });
    const built = await checkedBuildContext(ctx(files), {
      contextDir: "/ctx",
      containerfilePath: "./build.Containerfile",
    });
    expect(built.containerfile).toBe(CHECKED_CONTAINERFILE);
    expect(membersOf(built.context)).toEqual([
      "build.Containerfile",
      ".containerignore",
      "app.txt",
      CHECKED_CONTAINERFILE,
      `${CHECKED_CONTAINERFILE}.containerignore`,
    ]);
    expect(memberOf(built.context, CHECKED_CONTAINERFILE)).toBe("FROM x\nRUN echo a  b\n");
    expect(memberOf(built.context, "build.Containerfile")).toBe("from x\nrun echo a \\\n b\n");
    expect(memberOf(built.context, `${CHECKED_CONTAINERFILE}.containerignore`)).toBe(
      `secret\n\n/${CHECKED_CONTAINERFILE}\n/${CHECKED_CONTAINERFILE}.containerignore\n`,
    );
    // Podman 5 prefers the context's own ignore file: it keeps the server's files out as well.
    expect(memberOf(built.context, ".containerignore")).toBe(
      `secret\n\n/${CHECKED_CONTAINERFILE}\n/${CHECKED_CONTAINERFILE}.containerignore\n`,
    );
  });

  it("adds the server's exclusions to an inline .dockerignore, and to no other file", async () => {
    const inline = await checkedBuildContext(ctx(hostFiles({})), {
      containerfile: "FROM x\nCOPY . /c\n",
      files: [
        { path: ".dockerignore", content: "tmp" },
        { path: "sub/.dockerignore", content: "x" },
      ],
    });
    expect(memberOf(inline.context, ".dockerignore")).toBe(
      `tmp\n/${CHECKED_CONTAINERFILE}\n/${CHECKED_CONTAINERFILE}.containerignore\n`,
    );
    expect(memberOf(inline.context, "sub/.dockerignore")).toBe("x");
  });

  it("only reads a regular file inside the context, and never sends the caller's path", async () => {
    const trick = '["/etc/passwd"]';
    await expect(
      checkedBuildContext(ctx(hostFiles({ Containerfile: "FROM x" })), {
        contextDir: "/ctx",
        containerfilePath: trick,
      }),
    ).rejects.toThrow(/there is no file \["\/etc\/passwd"\] in \/ctx/);
    await expect(
      checkedBuildContext(ctx(hostFiles({ Containerfile: { link: "/etc/shadow" } })), {
        contextDir: "/ctx",
      }),
    ).rejects.toThrow(/is a symlink/);
    await expect(
      checkedBuildContext(ctx(hostFiles({ Containerfile: "FROM x" })), {
        contextDir: "/ctx",
        containerfilePath: "../outside",
      }),
    ).rejects.toThrow(/not a relative path inside the build context/);
    await expect(
      checkedBuildContext(ctx(hostFiles({ Dockerfile: "FROM x", [CHECKED_CONTAINERFILE]: "" })), {
        contextDir: "/ctx",
      }),
    ).rejects.toThrow(/reserves/);
  });

  it("builds inline files the same way and refuses what the policy refuses", async () => {
    const inline = await checkedBuildContext(ctx(hostFiles({})), {
      containerfile: "FROM x\nCOPY a /a\n",
      files: [{ path: "a", content: "A" }],
    });
    expect(memberOf(inline.context, CHECKED_CONTAINERFILE)).toBe("FROM x\nCOPY a /a\n");
    await expect(
      checkedBuildContext(ctx(hostFiles({}), { allowedRegistries: ["localhost"] }), {
        containerfile: "FROM evil.io/x\n",
        files: [],
      }),
    ).rejects.toThrow(PolicyRefusal);
  });
});
