/**
 * Picks dotted paths ("State.Status", "Mounts.0.Source") out of an inspect
 * document. Keys match exactly first, then case-insensitively, so "state.status"
 * works as well. Paths that lead nowhere are reported, not silently dropped.
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
  let current = value;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      const index = Number(segment);
      if (!Number.isInteger(index) || index < 0 || index >= current.length)
        return { present: false };
      current = current[index];
    } else if (typeof current === "object" && current !== null) {
      const record = current as Record<string, unknown>;
      const key =
        segment in record
          ? segment
          : Object.keys(record).find((k) => k.toLowerCase() === segment.toLowerCase());
      if (key === undefined) return { present: false };
      current = record[key];
    } else {
      return { present: false };
    }
  }
  return { present: true, value: current };
}
