import type { Stats } from "./measure.js";

const decimals = (value: number) => (value < 10 ? 2 : value < 1000 ? 1 : 0);

export const ms = (value: number) => `${value.toFixed(decimals(value))} ms`;

/** "p50 / p90" of a latency. */
export const p50p90 = (stats: Stats) =>
  `${stats.p50.toFixed(decimals(stats.p50))} / ${ms(stats.p90)}`;

export const bytes = (value: number) => `${Math.round(value).toLocaleString("en-US")} B`;

export const kib = (value: number) => `${(value / 1024).toFixed(0)} KiB`;

/** VmRSS counts KiB, and ps, top and systemd show it in MiB: so does the benchmark. */
export const MIB = 2 ** 20;
export const mib = (value: number) => `${(value / MIB).toFixed(1)} MiB`;

export const perSecond = (value: number) => `${value.toFixed(0)}/s`;

/** Three decimals: a target of 1.10 is missed by 1.101, which two decimals would hide. */
export const times = (value: number) => `${value.toFixed(3)}x`;

/** "p50 / p90" of two latencies' ratios. */
export const ratios = (value: Stats, floor: Stats) =>
  `${(value.p50 / floor.p50).toFixed(3)} / ${times(value.p90 / floor.p90)}`;
