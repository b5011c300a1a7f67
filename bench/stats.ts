// Small order statistics for benchmark samples (medians, percentiles) and number formatting for the report.

export function quantile(values: number[], q: number): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const pos = (xs.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

export const median = (values: number[]): number => quantile(values, 0.5);
export const max = (values: number[]): number => (values.length ? Math.max(...values) : NaN);
export const min = (values: number[]): number => (values.length ? Math.min(...values) : NaN);

export function ms(v: number): string {
  return Number.isFinite(v) ? `${Math.round(v)} ms` : 'n/a';
}

export function mib(kib: number): string {
  return Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : 'n/a';
}

export function ratio(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return v >= 10 ? `${v.toFixed(0)}×` : v >= 1 ? `${v.toFixed(1)}×` : `${v.toFixed(2)}×`;
}

export function num(v: number, digits = 0): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}
