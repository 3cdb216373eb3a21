// Sampled series: the growth check of the soak, and its CSV and SVG (no dependency).
//
// How the growth check works: only the second half of the run is judged (the first half is
// warm-up: JIT, pools, the heap finding its size). Over it we fit a least-squares line and
// compute Kendall's tau (how consistently later samples are larger than earlier ones, -1..1).
// A series fails only when BOTH its slope is above its allowance per minute AND tau shows a
// monotone trend: a noisy but flat series (a GC sawtooth) has a low tau, a one-off step
// has a small slope over the window; a leak has both. And the fitted rise over the window
// must exceed a floor (32 MiB of RSS, 16 MiB of heap, 4 fds or tasks): in a 25-second CI run a few MiB of
// RSS that the allocator takes while the machine's load shifts would otherwise extrapolate
// to a frightening rate per minute.
import type { Sample } from './sample.js';

/** The series the soak judges, with their allowances. */
export const SERIES = [
  { key: 'rssMiB', label: 'RSS (MiB)', allowance: (mean: number) => Math.max(4, 0.05 * mean), minRise: 32 },
  { key: 'heapMiB', label: 'JS heap used (MiB)', allowance: (mean: number) => Math.max(2, 0.05 * mean), minRise: 16 },
  { key: 'fds', label: 'open fds', allowance: () => 2, minRise: 4 },
  { key: 'tasks', label: 'alive tasks', allowance: () => 2, minRise: 4 },
  { key: 'timers', label: 'pending timers', allowance: (mean: number) => Math.max(20, 0.1 * mean), minRise: 50 },
  { key: 'registered', label: 'reactor registrations', allowance: () => 2, minRise: 4 },
] as const satisfies readonly { key: keyof Sample; label: string; allowance: (mean: number) => number; minRise: number }[];

/** The minimum tau for a trend to count as monotone. */
export const MONOTONE_TAU = 0.6;

export interface Verdict {
  readonly key: string;
  readonly label: string;
  /** Fitted growth over the second half, per minute. */
  readonly slopePerMinute: number;
  readonly allowancePerMinute: number;
  readonly tau: number;
  readonly mean: number;
  readonly first: number;
  readonly last: number;
  readonly grows: boolean;
}

export function fit(points: readonly (readonly [number, number])[]): { slope: number; intercept: number } {
  const n = points.length;
  if (n < 2) return { slope: 0, intercept: points[0]?.[1] ?? 0 };
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** Kendall's tau-a of y against time order: +1 strictly rising, 0 no trend. */
export function kendallTau(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  let score = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) score += Math.sign(values[j]! - values[i]!);
  return score / ((n * (n - 1)) / 2);
}

/** Judges every series over the second half of `samples`. */
export function judge(samples: readonly Sample[]): Verdict[] {
  const half = samples.slice(Math.floor(samples.length / 2));
  const window = half.length >= 2 ? half.at(-1)!.t - half[0]!.t : 0;
  return SERIES.map(({ key, label, allowance, minRise }) => {
    const values = half.map((s) => s[key]);
    const { slope } = fit(half.map((s) => [s.t, s[key]] as const));
    const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    const slopePerMinute = slope * 60;
    const allowancePerMinute = allowance(mean);
    const tau = kendallTau(values);
    return { key, label, slopePerMinute, allowancePerMinute, tau, mean, first: values[0] ?? 0, last: values.at(-1) ?? 0, grows: slopePerMinute > allowancePerMinute && tau > MONOTONE_TAU && slope * window > minRise };
  });
}

export function toCsv(samples: readonly Sample[], extra: readonly Record<string, number>[] = []): string {
  const extraKeys = Object.keys(extra[0] ?? {});
  const header = ['t', ...SERIES.map((s) => s.key), ...extraKeys];
  const rows = samples.map((s, i) => [s.t.toFixed(2), ...SERIES.map(({ key }) => (Number.isInteger(s[key]) ? String(s[key]) : s[key].toFixed(3))), ...extraKeys.map((k) => String(extra[i]?.[k] ?? ''))].join(','));
  return [header.join(','), ...rows].join('\n') + '\n';
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function round(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/**
 * Small multiples, one panel per series: the samples as a line, the second-half fit dashed
 * (red when the series fails the growth check), the y axis from 0 so a flat line looks flat.
 */
export function toSvg(samples: readonly Sample[], verdicts: readonly Verdict[], title: string): string {
  const width = 760;
  const panelHeight = 120;
  const left = 70;
  const right = 20;
  const top = 40;
  const gap = 40;
  const height = top + SERIES.length * (panelHeight + gap);
  const tMax = Math.max(1, samples.at(-1)?.t ?? 1);
  const x = (t: number): number => left + ((width - left - right) * t) / tMax;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  SERIES.forEach(({ key, label }, index) => {
    const y0 = top + index * (panelHeight + gap) + 16;
    const values = samples.map((s) => s[key]);
    const yMax = Math.max(1, ...values) * 1.1;
    const y = (v: number): number => y0 + panelHeight - (panelHeight * v) / yMax;
    const verdict = verdicts.find((v) => v.key === key);
    parts.push(`<text x="${left}" y="${y0 - 4}" font-weight="bold">${escape(label)}</text>`);
    if (verdict) {
      parts.push(
        `<text x="${width - right}" y="${y0 - 4}" text-anchor="end" fill="${verdict.grows ? '#c00' : '#555'}">second half: ${round(verdict.slopePerMinute)}/min (allowed ${round(verdict.allowancePerMinute)}), tau ${verdict.tau.toFixed(2)}${verdict.grows ? ' GROWS' : ''}</text>`,
      );
    }
    parts.push(`<line x1="${left}" y1="${y0 + panelHeight}" x2="${width - right}" y2="${y0 + panelHeight}" stroke="#999"/>`);
    parts.push(`<line x1="${left}" y1="${y0}" x2="${left}" y2="${y0 + panelHeight}" stroke="#999"/>`);
    parts.push(`<text x="${left - 6}" y="${y0 + 4}" text-anchor="end">${round(yMax)}</text>`);
    parts.push(`<text x="${left - 6}" y="${y0 + panelHeight}" text-anchor="end">0</text>`);
    parts.push(`<text x="${width - right}" y="${y0 + panelHeight + 14}" text-anchor="end">${round(tMax)} s</text>`);
    const points = samples.map((s) => `${x(s.t).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="#1f5fa8" stroke-width="1.5" points="${points}"/>`);
    const half = samples.slice(Math.floor(samples.length / 2));
    if (half.length >= 2) {
      const { slope, intercept } = fit(half.map((s) => [s.t, s[key]] as const));
      const t1 = half[0]!.t;
      const t2 = half.at(-1)!.t;
      parts.push(`<line x1="${x(t1).toFixed(1)}" y1="${y(slope * t1 + intercept).toFixed(1)}" x2="${x(t2).toFixed(1)}" y2="${y(slope * t2 + intercept).toFixed(1)}" stroke="${verdict?.grows ? '#c00' : '#e08a00'}" stroke-dasharray="4 3" stroke-width="1.5"/>`);
    }
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
