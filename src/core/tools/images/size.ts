const UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

/** Decimal units with three significant digits, as `podman images` shows sizes: "2.03 MB". */
export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  // Rounding may carry into the next unit: 999.96 kB shows as 1 MB.
  while (Number(value.toPrecision(3)) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${bytes} B`;
  return `${Number(value.toPrecision(3))} ${UNITS[unit]}`;
}
