import { existsSync } from 'node:fs';
import { chromium, Browser } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether the browser suites can run here. Where a browser is required (CI sets
 * REQUIRE_BROWSER=1) a missing one is an error, never a skip; elsewhere the suite is skipped
 * with a message that says how to get it.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message =
    `No Chromium at ${CHROMIUM}: the real-browser tests cannot run. ` +
    'Install it with `apt-get install -y chromium` (or set CHROMIUM_PATH).';
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`${message} REQUIRE_BROWSER=1 is set.`);
  process.stdout.write(`\nSKIPPING browser tests: ${message}\n\n`);
  return false;
}

/** Headless Chromium; Playwright gives it a fresh temporary profile (user-data-dir). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
