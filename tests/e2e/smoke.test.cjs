// End-to-end: the release bundle in dist/ (scripts/build-release.sh) served on loopback and
// driven in headless Chromium.
const test = require("node:test");
const assert = require("node:assert/strict");
const { onBundle, screenshot } = require("./browser.cjs");

const env = onBundle(test);

test("the page renders the Switchyard header with no console error", async () => {
  const page = await env.browser.context.newPage();
  await page.goto(env.server.url);
  await page.waitForSelector("h1.title", { timeout: 15000 });
  assert.equal(await page.textContent("h1.title"), "Switchyard");
  assert.equal(await page.title(), "Switchyard");
  const file = await screenshot(page, "home");
  console.log(`screenshot: ${file}`);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a routing key typed by the user is explained by the core against the running scenario", async () => {
  const page = await env.browser.context.newPage();
  await page.goto(env.server.url);
  // The first preset: its producer's exchange and a key it draws are there to start with.
  await page.waitForSelector("#explorer-exchange");
  assert.equal(await page.inputValue("#routing-key"), "order.eu.created");
  assert.match(await page.textContent("#explanation"), /routed to 1 queue: `email-notifications`/);
  // RabbitMQ's tutorial 5: the explorer follows the scenario that runs.
  await page.click('button.preset[data-preset="tutorial-5-topics"]');
  await page.waitForFunction(() => {
    const s = document.querySelector("#explorer-exchange");
    return s && s.options[s.selectedIndex].textContent === "topic_logs";
  });
  await page.fill("#routing-key", "lazy.orange.elephant");
  await page.waitForFunction(() => document.querySelector("#explanation").textContent.includes("routed to 2 queues"));
  const text = await page.textContent("#explanation");
  assert.match(text, /\[x\] queue `Q1`/);
  assert.equal(await page.locator(".trial.matched").count(), 2);
  await screenshot(page, "explorer-two-queues");
  await page.fill("#routing-key", "quick.brown.fox");
  await page.waitForFunction(() => document.querySelector("#explanation").textContent.includes("dropped"));
  await screenshot(page, "explorer-unroutable");
  // A CC header adds a routing key: the same key now reaches Q2 through lazy.#.
  await page.fill("#explorer-headers", '{"CC": ["lazy.dog"]}');
  await page.waitForFunction(() => document.querySelector("#explanation").textContent.includes("routed to 1 queue: `Q2`"));
  assert.match(await page.textContent("#explanation"), /CC `lazy.dog`/);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("the page paints its header before the module arrives, and says so if the module cannot start", async () => {
  const page = await env.browser.context.newPage();
  await page.goto(env.server.url);
  await page.waitForSelector("#stage-canvas", { timeout: 15000 });
  // The app took the boot screen away: one header, no "Starting…" note.
  assert.equal(await page.locator("h1.title").count(), 1);
  assert.equal(await page.locator("#boot").count(), 0);
  assert.deepEqual(env.browser.errors, []);
  // The module refused on the wire: the boot screen stays and names the failure.
  await page.route("**/*.wasm", (route) => route.abort());
  await page.goto(env.server.url);
  const note = page.locator("#boot-note.failed");
  await note.waitFor({ timeout: 15000 });
  assert.match(await note.textContent(), /^Switchyard could not start: .+\. Reload to try again \(it needs a browser with WebAssembly\)\.$/);
  assert.equal(await page.locator("h1.title").count(), 1);
  const file = await screenshot(page, "boot-failed");
  console.log(`screenshot: ${file}`);
  await page.close();
  // The refused module's console errors are this test's doing.
  env.browser.errors.length = 0;
});
