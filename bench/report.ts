// The benchmark's Markdown tables, one per shape and cell (LSTM, GRU, RNN; the
// ratios compare engines on the same cell): tokens/s, ratios to every TensorFlow.js
// backend, GFLOP/s, the roofline each contender is held to and its % of it,
// dispatches per step and GPU memory where the contender reports them.
// Rooflines: GPU contenders (gatescope-webgpu, tfjs-webgpu, tfjs-webgl) are
// held to max(gatescope's best GEMM, tfjs webgpu/webgl matMul) on the adapter;
// CPU contenders to max(tfjs wasm/cpu matMul) on the machine's cores.

import type { CellType } from '../src/engine/cells';
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
  /** The engine does not train this cell (yet): why, in its words. Not a failure. */
  unsupported?: string;
}

export interface ShapeReport {
  shape: BenchShape;
  /** Absent in results written before the cells: the LSTM. */
  cell?: CellType;
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

/** Prefix of a contender's error saying its engine does not train this cell (yet): not a failure. */
export const UNSUPPORTED = 'unsupported: ';

const GPU_CONTENDERS = ['gatescope-webgpu', 'tfjs-webgpu', 'tfjs-webgl'];
/** Stats shown in columns of their own, or too detailed for the notes. */
const HIDDEN_STATS = new Set([
  'dispatchesPerStep',
  'gpuBytes',
  'buffers',
  'bindGroups',
  'pipelines',
]);

/** "gemm: vec4 ×3, register ×3" from the per-shape 'gemm <shape>' stats. */
function gemmSummary(stats: Record<string, number | string>): string[] {
  const counts = new Map<string, number>();
  for (const [k, v] of Object.entries(stats)) {
    if (k.startsWith('gemm ')) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  }
  if (counts.size === 0) return [];
  return [`gemm: ${[...counts].map(([c, n]) => `${c} ×${n}`).join(', ')}`];
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
  lines.push(`- best n³ GEMM GFLOP/s (n = 512; 64 with --quick): ${roof}`);
  const maxOf = (keys: string[]) =>
    Math.max(...keys.map((k) => r.roofline[k]).filter((v) => Number.isFinite(v)));
  const gpuRoof = maxOf(['gatescope-webgpu', 'tfjs-webgpu', 'tfjs-webgl']);
  const cpuRoof = maxOf(['tfjs-wasm', 'tfjs-cpu']);
  lines.push(
    `- roofline GFLOP/s: GPU ${fmt(gpuRoof, 2)} (best of gatescope GEMM and tfjs webgpu/webgl matMul), ` +
      `CPU ${fmt(cpuRoof, 2)} (best of tfjs wasm/cpu matMul)`,
  );
  const roofFor = (contender: string) => (GPU_CONTENDERS.includes(contender) ? gpuRoof : cpuRoof);
  for (const report of r.reports) {
    lines.push('');
    lines.push(
      `#### ${shapeLabel(report.shape, report.cell ?? 'lstm')} — ${fmt(flopsPerToken(report.shape, report.cell) / 1e6, 2)} MFLOP per token`,
    );
    lines.push('');
    const tfjs = report.results.filter((x) => x.contender.startsWith('tfjs-') && x.tokensPerSecond);
    lines.push(
      `| contender | tokens/s | ms/step | GFLOP/s | roofline GFLOP/s | % roofline | dispatches/step | GPU MiB | ${tfjs.map((t) => `× ${t.contender}`).join(' | ')} | loss | notes |`,
    );
    lines.push(`|${' --- |'.repeat(10 + tfjs.length)}`);
    for (const x of report.results) {
      const missing = x.unsupported
        ? `unsupported: ${x.unsupported}`
        : x.unavailable && `unavailable: ${x.unavailable}`;
      if (missing) {
        lines.push(
          `| ${x.contender} | – | – | – | – | – | – | – | ${tfjs.map(() => '–').join(' | ')} | – | ${missing} |`,
        );
        continue;
      }
      const ratios = tfjs.map((t) => fmt(x.tokensPerSecond! / t.tokensPerSecond!, 2));
      const stats = x.stats ?? {};
      const roof = roofFor(x.contender);
      const dispatches =
        typeof stats.dispatchesPerStep === 'number' ? stats.dispatchesPerStep : undefined;
      const gpuMiB = typeof stats.gpuBytes === 'number' ? stats.gpuBytes / 2 ** 20 : undefined;
      const notes = [
        ...Object.entries(stats)
          .filter(([k]) => !HIDDEN_STATS.has(k) && !k.startsWith('gemm '))
          .map(([k, v]) => `${k}: ${v}`),
        ...gemmSummary(stats),
      ].join('; ');
      lines.push(
        `| ${x.contender} | ${fmt(x.tokensPerSecond)} | ${fmt(x.msPerStep)} | ${fmt(x.gflops, 2)} | ${fmt(roof, 2)} | ${fmt((100 * x.gflops!) / roof)} | ${dispatches ?? '–'} | ${fmt(gpuMiB)} | ${ratios.join(' | ')} | ${fmt(x.lossAfterFirstRun, 4)} | ${notes}${x.reduced ? '; fewer timed runs (slow)' : ''} |`,
      );
    }
  }
  return lines.join('\n');
}
