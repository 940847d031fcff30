// axe-core on a page of the built app, as every e2e test that audits uses it:
// all violations printed with their counts per impact and what needs a
// person's review, and the serious or critical ones (those fail a test) as
// one readable line each.

import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

export interface Finding {
  id: string;
  impact: string;
  count: number;
  target: string;
}

const FAILING = new Set(['serious', 'critical']);

/** Runs axe on the page (or on the parts `include` selects); prints every violation and the counts per impact. */
export async function audit(page: Page, label: string, include?: string): Promise<Finding[]> {
  const builder = new AxeBuilder({ page });
  const results = await (include ? builder.include(include) : builder).analyze();
  const findings = results.violations.map((v) => ({
    id: v.id,
    impact: v.impact ?? 'unknown',
    count: v.nodes.length,
    target: v.nodes[0]?.target.join(' ') ?? '',
  }));
  const perImpact: Record<string, number> = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const f of findings) perImpact[f.impact] = (perImpact[f.impact] ?? 0) + f.count;
  console.log(
    `[a11y ${label}] ${results.passes.length} rules pass; violations (nodes) by impact: ` +
      Object.entries(perImpact)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') +
      `; ${results.incomplete.length} rules need a person to review (${results.incomplete
        .map((r) => `${r.id} ×${r.nodes.length}`)
        .join(', ')})` +
      findings.map((f) => `\n  ${f.impact} ${f.id} ×${f.count}: ${f.target}`).join(''),
  );
  return findings;
}

/** The serious and critical findings, one readable line each (empty when the page passes). */
export const failing = (findings: Finding[]): string[] =>
  findings
    .filter((f) => FAILING.has(f.impact))
    .map((f) => `${f.impact} ${f.id} ×${f.count}: ${f.target}`);
