// The benchmark's Markdown table: tokens/s, ratios to every TensorFlow.js
// backend, GFLOP/s and % of the best matMul on the same machine.

import { flopsPerToken, shapeLabel, type BenchShape } from './shapes';

export interface ContenderResult {
  contender: string;
  msPerStep?: number;
  tokensPerSecond?: number;
  gflops?: number;
  lossAfterFirstRun?: number;
  /** Timed fewer times than asked, because one step took too long. */
  reduced?: boolean;
  stats?: Record<string, number | string>;
  unavailable?: string;
}

export interface ShapeReport {
  shape: BenchShape;
  results: ContenderResult[];
  disagreements: string[];
}

export interface BenchResult {
  date: string;
  quick: boolean;
  environment: Record<string, unknown>;
  roofline: Record<string, number>;
  reports: ShapeReport[];
}

const fmt = (x: number | undefined, digits = 1) =>
  x === undefined || !Number.isFinite(x) ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(digits);

export function formatReport(r: BenchResult): string {
  const lines: string[] = [];
  const env = r.environment;
  lines.push(`### gatescope benchmark${r.quick ? ' (--quick: harness check, no claims)' : ''}`);
  lines.push('');
  lines.push(`- ${r.date}; adapter: ${String(env.adapter)}; tfjs ${String(env.tfjsVersion)}`);
  lines.push(
    `- browser: ${String(env.userAgent)}; cross-origin isolated: ${String(env.crossOriginIsolated)}`,
  );
  const roof = Object.entries(r.roofline)
    .map(([k, v]) => `${k} ${fmt(v, 2)}`)
    .join(', ');
  lines.push(`- best matMul GFLOP/s (512³): ${roof}`);
  const best = Math.max(...Object.values(r.roofline).filter(Number.isFinite));
  for (const report of r.reports) {
    lines.push('');
    lines.push(
      `#### ${shapeLabel(report.shape)} — ${fmt(flopsPerToken(report.shape) / 1e6, 2)} MFLOP per token`,
    );
    lines.push('');
    const tfjs = report.results.filter((x) => x.contender.startsWith('tfjs-') && x.tokensPerSecond);
    lines.push(
      `| contender | tokens/s | ms/step | GFLOP/s | % best matMul | ${tfjs.map((t) => `× ${t.contender}`).join(' | ')} | loss | notes |`,
    );
    lines.push(`|${' --- |'.repeat(7 + tfjs.length)}`);
    for (const x of report.results) {
      if (x.unavailable) {
        lines.push(
          `| ${x.contender} | – | – | – | – | ${tfjs.map(() => '–').join(' | ')} | – | unavailable: ${x.unavailable} |`,
        );
        continue;
      }
      const ratios = tfjs.map((t) => fmt(x.tokensPerSecond! / t.tokensPerSecond!, 2));
      const notes = Object.entries(x.stats ?? {})
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ');
      lines.push(
        `| ${x.contender} | ${fmt(x.tokensPerSecond)} | ${fmt(x.msPerStep)} | ${fmt(x.gflops, 2)} | ${fmt((100 * x.gflops!) / best)} | ${ratios.join(' | ')} | ${fmt(x.lossAfterFirstRun, 4)} | ${notes}${x.reduced ? '; fewer timed runs (slow)' : ''} |`,
      );
    }
  }
  return lines.join('\n');
}
