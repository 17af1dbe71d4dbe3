/**
 * The production build is an installable web app, by Chromium's own check (CDP
 * Page.getInstallabilityErrors): its manifest (as the browser parsed it, Page.getAppManifest)
 * has a name, start URL, standalone display and 192 and 512 px icons that exist at those sizes,
 * and the service worker controls the page. In a persistent profile: Chromium never offers to
 * install from an incognito one, which every browser.newContext() is ("in-incognito").
 */
import { chromium, expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';

interface ManifestIcon {
  readonly src: string;
  readonly sizes: string;
  readonly type?: string;
  readonly purpose?: string;
}

interface Manifest {
  readonly name?: string;
  readonly short_name?: string;
  readonly start_url?: string;
  readonly display?: string;
  readonly icons?: readonly ManifestIcon[];
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('the app is installable: manifest, icons and a controlling service worker', async ({
  baseURL,
}) => {
  const profile = mkdtempSync(join(tmpdir(), 'probe-pwa-'));
  // The config blocks service workers; installability needs one.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    headless: true,
    baseURL,
    serviceWorkers: 'allow',
  });
  try {
    const page = await context.newPage();
    const origin = new URL(baseURL ?? '').origin;
    await page.goto('/');
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(
      `${origin}/sw.js`,
    );

    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);

    const { url, errors, data } = await cdp.send('Page.getAppManifest');
    expect(url).toBe(`${origin}/manifest.webmanifest`);
    expect(errors).toEqual([]);
    const manifest = JSON.parse(data ?? '{}') as Manifest;
    expect(manifest).toMatchObject({
      name: 'Probe Search',
      short_name: 'Probe Search',
      display: 'standalone',
    });
    // Relative to the manifest: the app's own folder, wherever it is hosted.
    expect(new URL(manifest.start_url ?? '', url).href).toBe(`${origin}/`);

    const icons = manifest.icons ?? [];
    for (const size of [192, 512]) {
      const icon = icons.find(
        (i) => i.sizes === `${size}x${size}` && (i.purpose ?? 'any').split(' ').includes('any'),
      );
      expect(icon, `a ${size}×${size} icon`).toBeDefined();
      expect(icon?.type).toBe('image/png');
      const response = await context.request.get(new URL(icon?.src ?? '', url).href);
      expect(response.ok()).toBe(true);
      expect(pngSize(await response.body())).toEqual({ width: size, height: size });
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
