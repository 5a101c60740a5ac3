const SUFFIX_FACTORS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Kubernetes' quantity grammar: a signed decimal, then a binary or decimal suffix or an exponent. */
const QUANTITY =
  /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?$/;

/**
 * A Kubernetes quantity ("128Mi", "1G", "1e9", "500m") as a number; undefined
 * for anything Kubernetes' own parser would not read, so that no spelling
 * can slip past a ceiling.
 */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = QUANTITY.exec(value);
  if (!match) return undefined;
  const [, number, suffix, exponent] = match;
  const factor = suffix ? SUFFIX_FACTORS[suffix]! : exponent ? 10 ** Number(exponent) : 1;
  const result = Number(number) * factor;
  return Number.isFinite(result) ? result : undefined;
}
