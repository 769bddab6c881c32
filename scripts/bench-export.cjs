// The big-export benchmark (not a timed test): a RabbitMQ definitions export of N queues, each
// bound to one of N/200 topic exchanges (at least 20), opened in headless Chromium on the release
// bundle in dist/ through "Load a scenario file". Prints how long it takes to be drawn, then the
// longest gaps between frames while zooming in with `]` every 150 ms (12 steps), and our script
// time over that. Run: node scripts/bench-export.cjs [N] (default 2000; build dist/ first with
// scripts/build-release.sh, and `source scripts/env.sh` for the browser's modules).
const path = require("node:path");
const { serve } = require("../tests/e2e/server.cjs");
const { launch } = require("../tests/e2e/browser.cjs");

const QUEUES = Number(process.argv[2] || 2000);

function exportOf(queues) {
  const exchanges = Math.max(20, Math.floor(queues / 200));
  const x = (i) => `ex${String(i % exchanges).padStart(3, "0")}`;
  const q = (i) => `svc${String(i).padStart(6, "0")}.events`;
  const range = (n) => [...Array(n).keys()];
  return {
    rabbit_version: "3.13.7",
    vhosts: [{ name: "/" }],
    exchanges: range(exchanges).map((i) => ({ name: x(i), vhost: "/", type: "topic", durable: true, auto_delete: false, internal: false, arguments: {} })),
    queues: range(queues).map((i) => ({ name: q(i), vhost: "/", durable: true, auto_delete: false, arguments: {} })),
    bindings: range(queues).map((i) => ({ source: x(i), vhost: "/", destination: q(i), destination_type: "queue", routing_key: `order.${i % 7}.#`, arguments: {} })),
  };
}

(async () => {
  const server = await serve(path.join(__dirname, "..", "dist"));
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${server.url}__blank`);
    await page.evaluate(() => localStorage.clear());
    await page.goto(server.url);
    await page.waitForSelector("#stage-canvas");
    const buffer = Buffer.from(JSON.stringify(exportOf(QUEUES)));
    const started = Date.now();
    await page.setInputFiles(".load-file input[type=file]", { name: "definitions.json", mimeType: "application/json", buffer });
    await page.waitForFunction((n) => Object.keys((window.__switchyardFrames || {}).nodes || {}).length >= n,
      Math.min(QUEUES, 1000), { timeout: 120000 });
    const drawn = Date.now() - started;
    await page.waitForTimeout(1500);
    const before = await page.evaluate(() => window.__switchyardFrames.busyMs);
    await page.evaluate(() => {
      window.__gaps = [];
      let last = performance.now();
      const tick = (t) => { window.__gaps.push(t - last); last = t; if (window.__gaps.length < 400) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    });
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("]");
      await page.waitForTimeout(150);
    }
    await page.waitForTimeout(1000);
    const gaps = (await page.evaluate(() => window.__gaps)).sort((a, b) => b - a);
    const busy = (await page.evaluate(() => window.__switchyardFrames.busyMs)) - before;
    console.log(`definitions export of ${QUEUES} queues and ${QUEUES} bindings:`);
    console.log(`  drawn ${drawn} ms after the file was given`);
    console.log(`  zooming in 12 steps: longest gaps between frames ${gaps.slice(0, 3).map((g) => g.toFixed(0)).join(", ")} ms; our script ${busy.toFixed(0)} ms in all`);
  } finally {
    await browser.close();
    server.close();
  }
})();
