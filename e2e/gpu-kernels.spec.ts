import { expect, test } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CASE_SHAPES } from '../workers/kernels/crossProbe/cases.ts';
import type { GpuCheckReport } from '../workers/kernels/crossProbe/selfTest.ts';

/** The pack the production build ships, if any (public/models/index.json names it). */
function installedPack(): string | null {
  const index = resolve(import.meta.dirname, '../public/models/index.json');
  if (!existsSync(index)) return null;
  return (JSON.parse(readFileSync(index, 'utf8')) as { default: string }).default;
}

test('the cross-probe WGSL kernels match the reference on this browser’s WebGPU', async ({
  page,
}) => {
  // SwiftShader runs WGSL at well under a GFLOP/s: the cases are tiny, but give them time.
  test.setTimeout(300_000);
  await page.goto('/gpu-check.html');
  const report = await page.evaluate(async (): Promise<GpuCheckReport> => {
    const pending = window.__gpuCheck;
    if (pending === undefined) throw new Error('gpu-check.html exposes no window.__gpuCheck');
    return pending;
  });
  const summary = report.results.map(
    (r) =>
      `${r.passed ? 'pass' : 'FAIL'}  ${r.name} [${r.candidates}]  scores ${r.maxAbsDeltaScores.toExponential(2)}` +
      `  late ${r.maxAbsDeltaLate === null ? '—' : r.maxAbsDeltaLate.toExponential(2)}` +
      (r.error === null ? '' : `  ${r.error}`),
  );
  console.log(
    `GPU check on ${JSON.stringify(report.adapter)}:\n${summary.join('\n')}` +
      (report.error === null ? '' : `\nerror: ${report.error}`),
  );

  expect(report.adapter, report.error ?? '').not.toBeNull();
  // Every synthetic case ran through both candidate paths and passed within 1e-4.
  const synthetic = report.results.filter((r) => r.kind === 'synthetic');
  expect(synthetic).toHaveLength(2 * CASE_SHAPES.length);
  for (const r of report.results) {
    expect(r.error, r.name).toBeNull();
    expect(r.tolerance, r.name).toBeLessThanOrEqual(1e-4);
    expect(r.maxAbsDeltaScores, `${r.name} [${r.candidates}] scores`).toBeLessThanOrEqual(1e-4);
    if (r.kind === 'synthetic') expect(r.maxAbsDeltaLate, r.name).not.toBeNull();
    if (r.maxAbsDeltaLate !== null)
      expect(r.maxAbsDeltaLate, `${r.name} [${r.candidates}] late`).toBeLessThanOrEqual(1e-4);
  }

  const pack = installedPack();
  if (pack !== null) {
    expect(report.error).toBeNull();
    expect(report.pack?.id).toBe(pack);
    const golden = report.results.filter((r) => r.kind === 'golden');
    expect(golden).toHaveLength(1);
    expect(golden[0]?.passed).toBe(true);
  }
  expect(report.passed).toBe(true);

  // The page shows the same verdict a user reads.
  await expect(page.getByTestId('gpu-check-status')).toHaveAttribute('data-passed', 'true');
  await expect(page.getByTestId('gpu-check-case')).toHaveCount(report.results.length);
});
