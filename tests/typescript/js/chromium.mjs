// Opens each page URL given on the command line in headless Debian Chromium (playwright-core,
// never a downloaded browser) and prints what the page left in window.__results.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const executablePath = process.env.GRAFT_CHROMIUM ?? "/usr/bin/chromium";
const profile = mkdtempSync(join(tmpdir(), "graft-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const out = {};
try {
  for (const url of process.argv.slice(2)) {
    const page = await context.newPage();
    const console_ = [];
    page.on("console", (m) => console_.push(m.text()));
    await page.goto(url);
    await page.waitForFunction(() => window.__results !== undefined, null, { timeout: 30_000 });
    out[url] = { ...(await page.evaluate(() => window.__results)), console: console_ };
    await page.close();
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(out));
