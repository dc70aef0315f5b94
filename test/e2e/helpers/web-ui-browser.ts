import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './mesh-process.js';

/** Debian's Chromium; `pnpm test:setup` (or `apt-get install chromium`) installs it. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests save their screenshots (gitignored). */
export const artifactsDir = join(repoRoot, 'test/artifacts');

/** A headless Chromium with one page, recording everything that should not happen on it. */
export interface WebUiBrowser {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors, console errors and CSP violations seen so far (except tolerated ones). */
  problems: string[];
  /** Messages of JavaScript dialogs (alert, confirm…) the page opened; each is dismissed. */
  dialogs: string[];
  /**
   * Console messages matching `pattern` are not problems until the returned function is called, e.g. the
   * browser's "WebSocket connection failed" while the test restarts the gateway on purpose.
   */
  tolerate(pattern: RegExp): () => void;
  /** Saves a full-page screenshot as test/artifacts/<folder>/<name>.png. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium headless with a fresh profile (no sandbox: containers) and one page, with
 * listeners that collect page errors, console errors, Content-Security-Policy violations and dialogs so a
 * test can assert there were none.
 */
export async function launchWebUiBrowser(options: {
  artifactsFolder: string;
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
}): Promise<WebUiBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'agent-mesh-chromium-'));
  const screenshotsDir = join(artifactsDir, options.artifactsFolder);
  mkdirSync(screenshotsDir, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    locale: 'en-GB',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  const dialogs: string[] = [];
  const tolerated = new Set<RegExp>();

  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
    });
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if ([...tolerated].some((pattern) => pattern.test(text))) return;
    problems.push(`console error: ${text}`);
  });
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });

  return {
    context,
    page,
    problems,
    dialogs,
    tolerate(pattern) {
      tolerated.add(pattern);
      return () => tolerated.delete(pattern);
    },
    async screenshot(name) {
      const path = join(screenshotsDir, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
