import { describe, expect, it } from "vitest";
import { checkContainerfile } from "../../src/core/policy/containerfile.js";
import { parseContainerfile } from "../../src/core/policy/containerfile-syntax.js";
import { serialiseContainerfile } from "../../src/core/policy/containerfile-text.js";
import { PolicyRefusal } from "../../src/core/policy/refusal.js";
import {
  checkImageRegistry,
  checkRegistryTransfer,
  checkTagOrigin,
  imageRegistry,
  parseImageReference,
  qualifiedReference,
  registryAllowed,
  tagTarget,
} from "../../src/core/policy/registry.js";
import { policyWith } from "./fixtures.js";

const policy = policyWith;
const local = policy({ allowedRegistries: ["localhost"] });

function refusal(check: () => unknown): string {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyRefusal);
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

const checked = (text: string, given = policy()) => checkContainerfile(given, text).text;

describe("reading a Containerfile as Buildah does", () => {
  it("takes instructions case-insensitively and writes them back upper-case, one per line", () => {
    expect(checked("from busybox\nrUn echo hi\n")).toBe("FROM busybox\nRUN echo hi\n");
  });

  it("joins continuations without a separator and keeps leading space of continued lines", () => {
    const [run] = parseContainerfile("RUN echo a \\\n  b\\\nc \\  \n d");
    expect(run).toMatchObject({ keyword: "RUN", args: { form: "text", text: "echo a   bc  d" } });
    expect(checked("FROM x\nRUN echo a \\\n  b\n")).toBe("FROM x\nRUN echo a   b\n");
  });

  it("skips comments and blank lines between instructions, strips a BOM and CRLF", () => {
    const text = "\ufeff# a comment\r\n\r\nFROM x\r\n   # indented comment\r\nRUN true\r\n";
    expect(checked(text)).toBe("FROM x\nRUN true\n");
  });

  it("keeps # inside an instruction", () => {
    expect(checked("FROM x\nRUN echo a # not a comment\n")).toBe(
      "FROM x\nRUN echo a # not a comment\n",
    );
  });

  it("refuses comment or blank lines inside a continuation, which Buildah drops silently", () => {
    expect(refusal(() => checked("FROM x\nRUN echo a \\\n# hidden\n b"))).toMatch(
      /line 3 .*inside a line continuation/,
    );
    expect(refusal(() => checked("FROM x\nRUN echo a \\\n\n b"))).toMatch(/continuation/);
    expect(refusal(() => checked("FROM x\nRUN echo a \\\n   # x\n b"))).toMatch(/continuation/);
  });

  it("refuses parser directives", () => {
    for (const directive of ["# escape=`", "#syntax=docker/dockerfile:1", "# check=skip=all"]) {
      expect(refusal(() => checked(`${directive}\nFROM x\n`))).toMatch(/parser directive/);
    }
    expect(checked("# escape is explained below\nFROM x\n")).toBe("FROM x\n");
  });

  it("refuses heredocs, unknown instructions, control characters and odd spaces", () => {
    expect(refusal(() => checked("FROM x\nRUN <<EOF\necho\nEOF\n"))).toMatch(/heredoc/);
    expect(refusal(() => checked("FROM x\nCOPY <<-'EOF' /x\n"))).toMatch(/heredoc/);
    expect(refusal(() => checked("FROM x\nFETCH y\n"))).toMatch(/known instruction/);
    expect(refusal(() => checked("FROM x\nRUN echo\u00a0a\n"))).toMatch(/unusual space/);
    expect(refusal(() => checked("FROM x\nRUN echo \x0b a\n"))).toMatch(/control character/);
    expect(refusal(() => checked("FROM\u00a0x\n"))).toMatch(/unusual space/);
    // "ı".toUpperCase() is "I" in JavaScript; Go lower-cases it to itself.
    expect(refusal(() => checked("FROM x\nENTRYPOıNT sh\n"))).toMatch(/known instruction/);
  });

  it("refuses a last line that Buildah would join with what follows", () => {
    expect(refusal(() => checked("FROM x\nRUN echo \\\\"))).toMatch(/backslash/);
  });

  it("reads JSON forms as Go's decoder does, refusing its quirks", () => {
    const [, run] = parseContainerfile('FROM x\nRUN ["echo", "a b"]');
    expect(run!.args).toEqual({ form: "json", values: ["echo", "a b"] });
    expect(checked('FROM x\nCMD [ "sh",\t"-c" ]\n')).toBe('FROM x\nCMD ["sh","-c"]\n');
    // Not JSON: Buildah runs it as shell text, and so does the re-serialised line.
    expect(checked("FROM x\nRUN [ -f /etc/passwd ] && echo yes\n")).toBe(
      "FROM x\nRUN [ -f /etc/passwd ] && echo yes\n",
    );
    expect(refusal(() => checked('FROM x\nRUN ["echo"] trailing\n'))).toMatch(/after its JSON/);
    expect(refusal(() => checked('FROM x\nCMD ["a", 1]\n'))).toMatch(/not all strings/);
    expect(refusal(() => checked('FROM x\nADD ["http://x/y" /z\n'))).toMatch(/not JSON/);
  });

  it("refuses builder flags that Buildah would unquote or expand", () => {
    expect(refusal(() => checked('FROM x\nCOPY --from="evil.io/x" /a /b\n'))).toMatch(/quotes/);
    expect(refusal(() => checked("FROM x\nCOPY --from=$IMG /a /b\n"))).toMatch(/variables/);
    expect(refusal(() => checked("FROM x\nCOPY --from=ev\\il.io/x /a /b\n"))).toMatch(/escapes/);
    expect(refusal(() => checked("FROM x\nRUN -- --mount=type=bind,target=/x true\n"))).toMatch(
      /bare `--`/,
    );
  });

  it("re-serialises what it parsed so that it parses back the same", () => {
    const text = [
      "ARG V=1",
      "FROM --platform=linux/amd64 localhost/base:1 AS build",
      "RUN --mount=type=cache,target=/root/.cache,id=go echo $V",
      'COPY ["a b", "/dst/"]',
      "FROM scratch",
      "COPY --from=build /out /out",
      'LABEL a="b c"',
      'ENTRYPOINT ["/out"]',
    ].join("\n");
    const once = checked(text);
    expect(serialiseContainerfile(parseContainerfile(once))).toBe(once);
    expect(checked(once)).toBe(once);
  });
});

describe("judging a Containerfile against the policy", () => {
  it("checks FROM with --platform and AS, and knows earlier stages from images", () => {
    const text = [
      "FROM --platform=linux/arm64 localhost/a:1 AS build",
      "FROM build AS test",
      "COPY --from=0 /x /x",
      "COPY --from=build /y /y",
      "FROM scratch",
    ].join("\n");
    expect(checkContainerfile(local, text).images).toEqual(["localhost/a:1"]);
  });

  it("refuses a stage named like an image, a later stage and a case-only match", () => {
    expect(refusal(() => checked("FROM x AS evil.io/x\n"))).toMatch(/names its stage/);
    expect(refusal(() => checked("FROM later\nFROM x AS later\n"))).toMatch(/later stage/);
    expect(refusal(() => checked("FROM x AS Build\nFROM build\n"))).toMatch(/case/);
    expect(refusal(() => checked("FROM x AS a\nFROM y AS A\n"))).toMatch(
      /line 2 .*second stage "A"/,
    );
    expect(refusal(() => checked("FROM x\nCOPY --from=1 /a /b\n"))).toMatch(/not an earlier stage/);
    expect(refusal(() => checked("FROM x\nCOPY --from=0 /a /b\n"))).toMatch(/not an earlier stage/);
    expect(refusal(() => checked("FROM x\nFROM 0\n"))).toMatch(/by a number/);
  });

  it("refuses every spelling of FROM it cannot check", () => {
    for (const from of [
      "FROM $BASE",
      "FROM ${BASE}",
      'FROM "evil.io/x"',
      "FROM ev\\il.io/x",
      "FROM --platform=$P x",
      "FROM --pull=always x",
      "FROM x y",
      "FROM x AS",
      "FROM EVIL.IO/x",
      "FROM docker-archive:x.tar",
      "FROM oci-archive:/tmp/x",
      "FROM dir:etc",
      "FROM docker://evil.io/x",
      "FROM containers-storage:evil",
    ]) {
      expect(() => checked(`${from}\n`), from).toThrow(PolicyRefusal);
    }
  });

  it("checks every image the build pulls against --allowed-registries, qualified", () => {
    expect(refusal(() => checked("FROM evil.io/x\n", local))).toMatch(
      /"evil.io\/x" \(line 1 of the Containerfile\) comes from evil.io/,
    );
    expect(refusal(() => checked("FROM busybox\n", local))).toMatch(/comes from docker.io/);
    expect(refusal(() => checked("FROM localhost:5000/x\n", local))).toMatch(/localhost:5000/);
    expect(
      refusal(() => checked("FROM localhost/a\nCOPY --from=evil.io/x /a /b\n", local)),
    ).toMatch(/COPY --from=/);
    expect(checked("FROM busybox\n", policy({ allowedRegistries: ["docker.io"] }))).toBe(
      "FROM docker.io/library/busybox\n",
    );
    expect(checked("FROM busybox\n")).toBe("FROM busybox\n");
  });

  it("refuses ONBUILD and instructions before FROM other than ARG", () => {
    expect(refusal(() => checked("FROM x\nONBUILD RUN true\n"))).toMatch(/ONBUILD/);
    expect(refusal(() => checked("RUN true\nFROM x\n"))).toMatch(/before the first FROM/);
    expect(checked("ARG V\nFROM x\n")).toBe("ARG V\nFROM x\n");
  });

  it("refuses ADD and COPY from URLs unless builds may use the network", () => {
    for (const line of [
      "ADD http://127.0.0.1:8080/x /x",
      "ADD HTTPS://example.com/x /x",
      'ADD ["https://example.com/x", "/x"]',
      "ADD git@github.com:a/b.git /src",
      "COPY https://example.com/x /x",
    ]) {
      expect(
        refusal(() => checked(`FROM x\n${line}\n`)),
        line,
      ).toContain("--allow-build-network");
    }
    expect(refusal(() => checked("FROM x\nADD $URL /x\n"))).toMatch(/ADD source with variables/);
    expect(refusal(() => checked('FROM x\nADD "http://x/y" /x\n'))).toMatch(/ADD source/);
    const open = policy({ allowBuildNetwork: true });
    expect(checked("FROM x\nADD https://example.com/x /x\n", open)).toContain("ADD https://");
    expect(checked("FROM x\nADD local.tar /x\n")).toContain("ADD local.tar /x");
  });

  it("lets through only cache and tmpfs mounts, in a cache directory of the server's naming", () => {
    expect(checked("FROM x\nRUN --mount=type=cache,target=/root/.cache/go true\n")).toBe(
      "FROM x\nRUN --mount=type=cache,target=/root/.cache/go,id=target_root_.cache_go true\n",
    );
    expect(checked("FROM x\nRUN --mount=type=tmpfs,target=/t,size=1m true\n")).toContain(
      "--mount=type=tmpfs,target=/t,size=1m",
    );
    for (const mount of [
      "type=bind,source=/,target=/host",
      "target=/host,source=/",
      "type=bind,from=localhost/a,source=/,target=/h",
      "type=cache,id=../../../etc,target=/h",
      "type=cache,id=a/b,target=/h",
      "type=cache,source=root,target=/h",
      "type=cache,from=build,target=/h",
      "type=cache,target=/h,bind-propagation=shared",
      "type=secret,id=token",
      "type=ssh",
      "type=cache,type=bind,target=/h",
      "type=cache,target=relative",
    ]) {
      expect(() => checked(`FROM x\nRUN --mount=${mount} true\n`), mount).toThrow(PolicyRefusal);
    }
    expect(refusal(() => checked("FROM x\nRUN --network=host true\n"))).toMatch(/--network/);
  });
});

describe("image references", () => {
  it("reads registries as Podman does, short names meaning docker.io", () => {
    expect(imageRegistry("busybox")).toBe("docker.io");
    expect(imageRegistry("library/busybox")).toBe("docker.io");
    expect(imageRegistry("localhost/mcp/busybox:latest")).toBe("localhost");
    expect(imageRegistry("127.0.0.1:5000/x")).toBe("127.0.0.1:5000");
    expect(imageRegistry("ghcr.io/a/b@sha256:" + "0".repeat(64))).toBe("ghcr.io");
    expect(qualifiedReference("busybox:1")).toBe("docker.io/library/busybox:1");
    expect(qualifiedReference("team/app")).toBe("docker.io/team/app");
    expect(registryAllowed(local, "localhost/x")).toBe(true);
    expect(registryAllowed(local, "localhost:5000/x")).toBe(false);
    expect(registryAllowed(policy({ allowedRegistries: ["quay.io"] }), "quay.io.evil/x")).toBe(
      false,
    );
  });

  it("refuses transports, which read images from host paths", () => {
    for (const reference of ["docker-archive:/etc/shadow", "dir:etc", "oci:x", "docker://x"]) {
      expect(() => checkImageRegistry(policy(), reference), reference).toThrow(/transport/);
      expect(() => parseImageReference(reference), reference).toThrow(PolicyRefusal);
    }
  });

  it("pulls and pushes only real registries, sending the qualified name", () => {
    expect(refusal(() => checkRegistryTransfer(local, "localhost/app"))).toMatch(
      /names a local image/,
    );
    const hub = policy({ allowedRegistries: ["docker.io/library"] });
    expect(checkRegistryTransfer(hub, "busybox:1")).toBe("docker.io/library/busybox:1");
    expect(refusal(() => checkRegistryTransfer(hub, "someone/busybox"))).toMatch(/docker.io/);
    expect(checkRegistryTransfer(policy(), "busybox")).toBe("busybox");
  });

  it("names tag targets as Podman does (localhost/ for a short name) and stops laundering", () => {
    expect(tagTarget("app")).toEqual({ repo: "localhost/app", tag: "latest" });
    expect(tagTarget("127.0.0.1:5000/team/app:v1")).toEqual({
      repo: "127.0.0.1:5000/team/app",
      tag: "v1",
    });
    expect(() => tagTarget("app@sha256:" + "0".repeat(64))).toThrow(/digest/);
    const foreign = { names: ["evil.io/x:latest"], managed: false };
    expect(refusal(() => checkTagOrigin(local, "localhost/x", foreign))).toMatch(/neither comes/);
    expect(() => checkTagOrigin(local, "localhost/x", { ...foreign, managed: true })).not.toThrow();
    expect(() =>
      checkTagOrigin(local, "localhost/y", { names: ["localhost/x:1"], managed: false }),
    ).not.toThrow();
    expect(() =>
      checkTagOrigin(local, "evil.io/y", { names: ["localhost/x:1"], managed: false }),
    ).toThrow(/comes from evil.io/);
    expect(() => checkTagOrigin(policy(), "evil.io/y", foreign)).not.toThrow();
  });
});
