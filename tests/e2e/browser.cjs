// Launches Debian's Chromium through playwright-core (never a downloaded browser) with the flags
// that behave on this machine, and records console errors and page errors.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const assert = require("node:assert/strict");
const { chromium } = require("playwright-core");
const { serve } = require("./server.cjs");

const DIST = path.join(__dirname, "..", "..", "dist");

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  const errors = [];
  const watch = (page) => {
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    page.on("pageerror", (err) => errors.push(String(err)));
    page.on("response", (res) => {
      if (res.status() >= 400) errors.push(`HTTP ${res.status()} for ${res.url()}`);
    });
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  const close = async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, errors, close };
}

/** Saves a screenshot under target/screenshots/ for people to look at. */
async function screenshot(page, name) {
  const dir = path.join(__dirname, "..", "..", "target", "screenshots");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Serves the release bundle (dist/) on loopback and launches Chromium around one test file:
 * `const env = onBundle(test)`, then `env.server.url` and `env.browser.context` in its tests.
 */
function onBundle(test) {
  const env = {};
  test.before(async () => {
    env.server = await serve(DIST);
    env.browser = await launch();
  });
  test.after(async () => {
    await env.browser.close();
    await env.server.close();
  });
  return env;
}

/** Clicks the canvas where the node called `name` is drawn. */
async function clickNode(page, name) {
  // The canvas settles once the panels beside it have rendered: wait until the node stays put.
  const where = () => page.evaluate((n) => JSON.stringify(window.__switchyardFrames.nodes[n]), name);
  let at = await where();
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(150);
    const again = await where();
    if (again === at) break;
    at = again;
  }
  at = JSON.parse(at || "null");
  assert.ok(at, `node ${name} is drawn`);
  await page.click("#stage-canvas", { position: { x: at[0], y: at[1] } });
}

/**
 * On a page playing slowly: waits for a message on a wire, pauses (with the button: a focused
 * speed list takes keys as its own), steps until one is drawn if the pause fell between two
 * (a step moves its dots for a while: they are read once they rest), clicks it, and waits for
 * the inspector to explain its route.
 */
/** After a step forward, waits until the dots it moves rest where they are. */
async function stepRests(page) {
  await page.waitForTimeout(100);
  await page.waitForFunction(() => !window.__switchyardFrames.stepMoving, null, { timeout: 5000 });
}

async function clickMessageInFlight(page) {
  await page.waitForFunction(() => (window.__switchyardFrames.dots || []).length > 0, null, { timeout: 10000 });
  await page.click("#play");
  await page.waitForTimeout(200);
  for (let i = 0; i < 50 && !(await page.evaluate(() => window.__switchyardFrames.dots.length)); i++) {
    await page.keyboard.press("ArrowRight");
    await stepRests(page);
  }
  const dot = await page.evaluate(() => window.__switchyardFrames.dots[0]);
  assert.ok(dot, "a dot is drawn");
  await page.click("#stage-canvas", { position: { x: dot[0], y: dot[1] } });
  await page.waitForSelector(".inspector .route", { timeout: 5000 });
}

module.exports = { launch, screenshot, onBundle, clickNode, clickMessageInFlight, stepRests };
