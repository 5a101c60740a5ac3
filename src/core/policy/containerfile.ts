import type { ContainerPolicy } from "./policy.js";
import { PolicyRefusal } from "./refusal.js";
import { checkImageRegistry } from "./registry.js";

/**
 * The images a Containerfile pulls: FROM bases and COPY/RUN --from= sources
 * that are not earlier stages. Line continuations are joined; comments skipped.
 */
export function containerfileImages(text: string): string[] {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const stages = new Set<string>();
  const images: string[] = [];
  const use = (reference: string) => {
    if (reference.toLowerCase() === "scratch" || stages.has(reference.toLowerCase())) return;
    if (/^\d+$/.test(reference)) return;
    images.push(reference);
  };
  for (const line of lines) {
    const words = line.split(/\s+/);
    const instruction = words[0]!.toUpperCase();
    if (instruction === "FROM") {
      const rest = words.slice(1).filter((word) => !word.startsWith("--"));
      if (rest[0]) use(rest[0]);
      if (rest[1]?.toUpperCase() === "AS" && rest[2]) stages.add(rest[2].toLowerCase());
    } else {
      for (const word of words.slice(1)) {
        const from = /^--from=(.+)$/.exec(word) ?? /(?:^--mount=|,)from=([^,]+)/.exec(word);
        if (from) use(from[1]!);
      }
    }
  }
  return images;
}

/** With --allowed-registries, every image the build would pull must come from one of them. */
export function checkContainerfile(policy: ContainerPolicy, text: string): void {
  if (!policy.allowedRegistries) return;
  for (const image of containerfileImages(text)) {
    if (image.includes("$")) {
      throw new PolicyRefusal(
        `the Containerfile names the image "${image}" through a build argument, which cannot be ` +
          `checked against --allowed-registries: write the image reference out`,
      );
    }
    checkImageRegistry(policy, image, " (in the Containerfile)");
  }
}
