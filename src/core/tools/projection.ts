/**
 * Picks dotted paths ("State.Status", "Mounts.0.Source") out of an inspect
 * document. Keys match exactly first, then case-insensitively, so "state.status"
 * works as well; a key that itself holds dots ("Config.Labels.io.podman.x")
 * is found by joining the remaining segments. Paths that lead nowhere are
 * reported, not silently dropped.
 */
export function projectFields(
  document: unknown,
  paths: string[],
): { values: Record<string, unknown>; missing: string[] } {
  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const path of paths) {
    const found = lookup(document, path.split("."));
    if (found.present) values[path] = found.value;
    else missing.push(path);
  }
  return { values, missing };
}

function lookup(value: unknown, segments: string[]): { present: boolean; value?: unknown } {
  if (segments.length === 0) return { present: true, value };
  const [segment, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(value)) {
    if (!/^\d+$/.test(segment) || Number(segment) >= value.length) return { present: false };
    return lookup(value[Number(segment)], rest);
  }
  if (typeof value !== "object" || value === null) return { present: false };
  const record = value as Record<string, unknown>;
  // Longest key first, so a dotted label key wins over a shorter prefix.
  for (let take = segments.length; take >= 1; take--) {
    const key = findKey(record, segments.slice(0, take).join("."));
    if (key === undefined) continue;
    const found = lookup(record[key], segments.slice(take));
    if (found.present) return found;
  }
  return { present: false };
}

function findKey(record: Record<string, unknown>, wanted: string): string | undefined {
  if (Object.hasOwn(record, wanted)) return wanted;
  const lower = wanted.toLowerCase();
  return Object.keys(record).find((key) => key.toLowerCase() === lower);
}
