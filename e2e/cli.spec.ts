import { expect, test } from '@playwright/test';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { QueryResult } from '../scripts/search.ts';
import { PHOTOS, REPO } from './support/app.ts';

const run = promisify(execFile);

/** `npm run search -- …` as a user runs it, from the repository root. */
function search(args: readonly string[]) {
  return run('npm', ['run', '--silent', 'search', '--', ...args], {
    cwd: REPO,
    env: { ...process.env, INIT_CWD: REPO },
    timeout: 400_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

test('npm run search indexes a folder in headless Chromium and ranks it, keeping its index', async () => {
  test.setTimeout(900_000);
  const scratch = mkdtempSync(join(tmpdir(), 'probe-search-cli-'));
  try {
    const cacheDir = join(scratch, 'cache');
    const queries = join(scratch, 'queries.txt');
    writeFileSync(queries, 'a cat\n\na cup of qzxvw\n');
    const first = await search([
      'public/samples',
      '--queries',
      queries,
      '--top',
      '3',
      '--json',
      '--cache-dir',
      cacheDir,
    ]);
    expect(first.stderr).toContain(`${PHOTOS.length} indexed`);
    const results = JSON.parse(first.stdout) as QueryResult[];
    expect(results.map((r) => r.query)).toEqual(['a cat', 'a cup of qzxvw']);
    for (const result of results) {
      expect(result.results).toHaveLength(3);
      expect(result.shortlist).toBe(PHOTOS.length);
      const scores = result.results.map((r) => r.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      for (const r of result.results) expect(r.file).toMatch(/^public\/samples\/.+\.(png|jpg)$/);
    }
    expect(results[0]?.results[0]?.file).toBe('public/samples/chelsea.png');
    expect(results[1]?.notes).toContain('qzxvw — not something the model can see');

    // Second run: same profile, so nothing is indexed again; plain-text output.
    const second = await search(['public/samples', 'a cat', '--top', '1', '--cache-dir', cacheDir]);
    expect(second.stderr).toContain(`${PHOTOS.length} already indexed`);
    expect(second.stdout).toMatch(
      /"a cat" {2}\(\d+ re-ranked, \d+ ms\)\n {2}1\. \d\.\d{4} {2}public\/samples\/chelsea\.png/,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('npm run search explains its usage when the arguments are wrong', async () => {
  const error = (await search(['public/samples']).catch((e: unknown) => e)) as {
    code: number;
    stderr: string;
  };
  expect(error.code).toBe(2);
  expect(error.stderr).toContain('no query given');
  expect(error.stderr).toContain('usage: npm run search');
});
