/**
 * libpod list and prune filters: a JSON map from filter name to a list of
 * values ({"label":["a=b"],"dangling":["true"]}). Unset and empty filters are
 * left out; no filter at all answers undefined so the query omits it.
 */
export function encodeFilters(
  filters: Record<string, string | boolean | string[] | undefined> | undefined,
): string | undefined {
  const encoded: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(filters ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [String(value)];
    if (values.length > 0) encoded[key] = values;
  }
  return Object.keys(encoded).length > 0 ? JSON.stringify(encoded) : undefined;
}
