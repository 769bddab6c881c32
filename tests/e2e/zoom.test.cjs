// End-to-end: zoom and pan on the stage, on the release bundle in dist/ in headless Chromium.
// A scenario too large to read at the fit (120 queues, 360 consumers) is loaded as a file;
// zooming in on one queue with the wheel and clicking it selects that queue, and a drag pans
// without selecting anything.
const test = require("node:test");
const assert = require("node:assert/strict");
const { onBundle, screenshot } = require("./browser.cjs");

const env = onBundle(test);

/** 120 queues bound to one topic exchange, three consumers each: a definitions export's size. */
function crowd() {
  const name = (i) => `q${String(i).padStart(3, "0")}`;
  const queues = Array.from({ length: 120 }, (_, i) => ({ name: name(i) }));
  return {
    switchyard: 1,
    name: "Crowd",
    seed: 5,
    topology: {
      exchanges: [{ name: "x", type: "topic" }],
      queues,
      bindings: queues.map((q, i) => ({
        source: "x", destination: q.name, destination_type: "queue", routing_key: `k.${i}`,
      })),
    },
    actors: {
      producers: [{ name: "p", exchange: "x", routing_key: "k.{n}", choices: { n: ["1", "2"] }, rate: { kind: "poisson", per_second: 20 } }],
      consumers: queues.flatMap((q, i) => [0, 1, 2].map((c) => ({
        name: `c${i}-${c}`, queue: q.name, prefetch: 10, processing_ms: 50,
      }))),
    },
  };
}

const frames = (page, what) => page.evaluate((w) => JSON.stringify(window.__switchyardFrames[w]), what).then(JSON.parse);
const nodeAt = async (page, name) => (await frames(page, "nodes"))[name];
const settle = (page) => page.waitForTimeout(250);

/** A new page on the first preset, opened with an empty local storage. */
async function openFirstPreset() {
  const page = await env.browser.context.newPage();
  await page.goto(`${env.server.url}__blank`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(env.server.url);
  await page.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.nodes);
  return page;
}

async function openCrowd() {
  const page = await openFirstPreset();
  await page.setInputFiles(".load-file input[type=file]", {
    name: "crowd.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(crowd())),
  });
  await page.waitForFunction(() => window.__switchyardFrames.nodes && window.__switchyardFrames.nodes.q119);
  await page.keyboard.press("Space");
  await settle(page);
  return page;
}

test("zooming in on a queue with the wheel and clicking it selects that queue", async () => {
  const page = await openCrowd();
  assert.equal(await frames(page, "zoom"), 1, "a new scenario opens fitted");
  const box = await page.locator("#stage-canvas").boundingBox();
  const fitted = { a: await nodeAt(page, "q060"), b: await nodeAt(page, "q061") };
  // Wrapped into a block, the 480 shapes still come closer at the fit than a shape and its label.
  assert.ok(Math.abs(fitted.b[1] - fitted.a[1]) < 20, `queues ${fitted.b[1] - fitted.a[1]} px apart at the fit`);
  // Wheel up over q060, following it as it grows (the pointer lands on whole pixels).
  for (let i = 0; i < 14 && (await frames(page, "zoom")) <= 8; i++) {
    const at = await nodeAt(page, "q060");
    await page.mouse.move(box.x + at[0], box.y + at[1]);
    await page.mouse.wheel(0, -120);
    await page.waitForTimeout(40);
  }
  await settle(page);
  const zoom = await frames(page, "zoom");
  assert.ok(zoom > 8, `zoomed in: ${zoom}`);
  const at = await nodeAt(page, "q060");
  const next = await nodeAt(page, "q061");
  assert.ok(at[0] > 0 && at[0] < box.width && at[1] > 0 && at[1] < box.height, `q060 on the canvas at ${at}`);
  assert.ok(Math.abs(next[1] - at[1]) > 40, `queues now ${next[1] - at[1]} px apart`);
  await screenshot(page, "zoom-crowd-in");
  await page.mouse.click(box.x + at[0], box.y + at[1]);
  await page.waitForFunction(() => /q060/.test(document.querySelector(".inspector").textContent));
  assert.doesNotMatch(await page.textContent(".inspector"), /q061/);
  // The zoom keys zoom about the selected node: it stays where it is.
  await page.keyboard.press("]");
  await settle(page);
  assert.ok(Math.abs((await frames(page, "zoom")) / zoom - 1.5) < 1e-9, "] zooms 1.5×");
  const still = await nodeAt(page, "q060");
  assert.ok(Math.hypot(still[0] - at[0], still[1] - at[1]) < 1e-6, `${at} -> ${still}`);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a drag pans without selecting; keys and the fit button zoom and restore", async () => {
  const page = await openCrowd();
  const box = await page.locator("#stage-canvas").boundingBox();
  const fitted = await nodeAt(page, "x");
  await page.keyboard.press("]");
  await page.keyboard.press("]");
  await settle(page);
  assert.equal(await frames(page, "zoom"), 2.25, "two presses of ] zoom 1.5 × 1.5");
  // The shape nearest the canvas's centre (the wrapped drawing is wider than the canvas now).
  const nodes = await frames(page, "nodes");
  const centre = (name) => Math.hypot(nodes[name][0] - box.width / 2, nodes[name][1] - box.height / 2);
  const grabbed = Object.keys(nodes).reduce((a, b) => (centre(a) <= centre(b) ? a : b));
  const before = nodes[grabbed];
  const inspector = await page.textContent(".inspector");
  // Press on a shape itself and drag: a pan, not a click.
  await page.mouse.move(box.x + before[0], box.y + before[1]);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(box.x + before[0] - 15 * i, box.y + before[1] + 5 * i);
  await page.mouse.up();
  await settle(page);
  const after = await nodeAt(page, grabbed);
  assert.ok(Math.abs(after[0] - (before[0] - 120)) < 1 && Math.abs(after[1] - (before[1] + 40)) < 1, `${before} -> ${after}`);
  assert.equal(await page.textContent(".inspector"), inspector, "the drag selected nothing");
  await page.keyboard.press("[");
  await settle(page);
  assert.equal(await frames(page, "zoom"), 1.5);
  await page.click("#zoom-fit");
  await settle(page);
  assert.equal(await frames(page, "zoom"), 1);
  await page.keyboard.press("0");
  await page.click("#zoom-in");
  await settle(page);
  assert.equal(await frames(page, "zoom"), 1.5, "the zoom-in button");
  await page.keyboard.press("0");
  await settle(page);
  assert.equal(await frames(page, "zoom"), 1, "0 fits");
  assert.deepEqual(await nodeAt(page, "x"), fitted, "back where the fit draws it");
  // Shift + arrows pan: Shift+← shows what lies left, the drawing moves right.
  await page.keyboard.press("Shift+ArrowLeft");
  await page.keyboard.press("Shift+ArrowUp");
  await settle(page);
  const panned = await nodeAt(page, "x");
  assert.deepEqual([panned[0] - fitted[0], panned[1] - fitted[1]].map(Math.round), [80, 80]);
  // A resize keeps the zoom; a new scenario opens fitted.
  await page.keyboard.press("]");
  await page.setViewportSize({ width: 1100, height: 760 });
  await settle(page);
  assert.equal(await frames(page, "zoom"), 1.5, "the zoom survives a resize");
  await page.click('button.preset[data-preset="tutorial-5-topics"]');
  await page.waitForFunction(() => window.__switchyardFrames.nodes && window.__switchyardFrames.nodes.topic_logs);
  await settle(page);
  assert.equal(await frames(page, "zoom"), 1, "a new scenario resets to the fit");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("the cursor shows what a click does; two fingers pinch the stage about their midpoint, selecting nothing", async () => {
  const page = await openFirstPreset();
  await page.keyboard.press("Space");
  await settle(page);
  const box = await page.locator("#stage-canvas").boundingBox();
  const fitted = await nodeAt(page, "orders");
  // Over a node the cursor says a click selects; over empty canvas, that a drag pans.
  const hovering = () => page.$eval("#stage-canvas", (c) => c.hasAttribute("data-hover"));
  await page.mouse.move(box.x + fitted[0], box.y + fitted[1]);
  assert.equal(await hovering(), true, "over the exchange");
  await page.mouse.move(box.x + 4, box.y + 4);
  assert.equal(await hovering(), false, "over nothing");
  const inspector = await page.textContent(".inspector");
  // Touch points straddling the exchange, spread from 80 to 240 px apart: 3×.
  const cdp = await env.browser.context.newCDPSession(page);
  const [mx, my] = [box.x + fitted[0], box.y + fitted[1]];
  const fingers = (d) => [{ x: mx - d, y: my, id: 1 }, { x: mx + d, y: my, id: 2 }];
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: fingers(40) });
  for (let d = 50; d <= 120; d += 10) {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: fingers(d) });
  }
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await settle(page);
  assert.ok(Math.abs((await frames(page, "zoom")) - 3) < 1e-9, "spread 3× zooms 3×");
  const at = await nodeAt(page, "orders");
  assert.ok(Math.hypot(at[0] - fitted[0], at[1] - fitted[1]) < 3, `${fitted} -> ${at}: stays between the fingers`);
  assert.equal(await page.textContent(".inspector"), inspector, "the pinch selected nothing");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a Safari trackpad pinch (gesturechange events) zooms about the pointer, and the page does not zoom", async () => {
  const page = await openFirstPreset();
  await page.keyboard.press("Space");
  await settle(page);
  const box = await page.locator("#stage-canvas").boundingBox();
  const fitted = await nodeAt(page, "orders");
  // What Safari sends for a pinch over the exchange: the scale since the gesture began, the
  // pointer in client coordinates; Chromium has no GestureEvent, so plain events carry them.
  const cancelled = await page.evaluate(({ x, y }) => {
    const canvas = document.querySelector("#stage-canvas");
    const send = (type, scale) => {
      const e = new Event(type, { bubbles: true, cancelable: true });
      Object.assign(e, { scale, clientX: x, clientY: y });
      canvas.dispatchEvent(e);
      return e.defaultPrevented;
    };
    const all = [send("gesturestart", 1)];
    for (const scale of [1.25, 1.5, 2, 2.5]) all.push(send("gesturechange", scale));
    all.push(send("gestureend", 2.5));
    return all;
  }, { x: box.x + fitted[0], y: box.y + fitted[1] });
  assert.deepEqual(cancelled, [true, true, true, true, true, true], "each gesture event is cancelled");
  await settle(page);
  assert.ok(Math.abs((await frames(page, "zoom")) - 2.5) < 1e-9, "a pinch to 2.5× zooms 2.5×");
  const at = await nodeAt(page, "orders");
  assert.ok(Math.hypot(at[0] - fitted[0], at[1] - fitted[1]) < 1, `${fitted} -> ${at}: stays under the pointer`);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});
