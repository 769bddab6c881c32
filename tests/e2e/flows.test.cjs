// End-to-end: flows in the app on the release bundle (dist/) in headless Chromium — the
// orchestration ⇄ choreography switch (drawing, comparison card, undone by switching back), a
// service taken down in each style, an orchestrated call and a service inspected, and an
// exchange retyped while running.
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { onBundle, clickNode, clickMessageInFlight } = require("./browser.cjs");
const fs = require("node:fs");

const SHOTS = path.join(__dirname, "..", "..", "target", "screenshots");

/** The visible part of the page (the stage, the flow panels, the inspector) as a PNG to look at. */
async function screenshot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

const env = onBundle(test);

/** A page on `preset`, from its start, playing or paused, with `style` if given. */
async function open(preset, { playing = false, style, speed = 3 } = {}) {
  const page = await env.browser.context.newPage();
  await page.setViewportSize({ width: 1400, height: 1050 });
  await page.goto(`${env.server.url}__blank`);
  const session = { v: 1, at_us: 0, playing, speed, preset };
  if (style) session.style = style;
  await page.evaluate((s) => localStorage.setItem("switchyard.session.v1", JSON.stringify(s)), session);
  await page.goto(env.server.url);
  await page.waitForSelector("#stage-canvas");
  await page.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.nodes);
  return page;
}

/** Continues past every lesson step (they pause the run) from now on. */
const skipLessons = (page) =>
  page.evaluate(() => setInterval(() => document.querySelector(".narration .continue")?.click(), 50));
const isPlaying = async (page) => (await page.getAttribute("#play", "aria-label")) === "Pause";
async function setPlaying(page, want) {
  if ((await isPlaying(page)) !== want) await page.click("#play");
  await page.waitForFunction((w) => (document.querySelector("#play").getAttribute("aria-label") === "Pause") === w, want);
}

const drawn = (page) => page.evaluate(() => Object.keys(window.__switchyardFrames.nodes).sort());
const style = (page) => page.getAttribute("#style-toggle", "data-style");
const live = async (page) => {
  const el = await page.$("#flow-live");
  const backlog = Object.fromEntries(
    ((await el.getAttribute("data-backlog")) || "").split(",").filter(Boolean).map((p) => {
      const [k, v] = p.split("=");
      return [k, Number(v)];
    }),
  );
  return { ok: Number(await el.getAttribute("data-ok")), errors: Number(await el.getAttribute("data-errors")), backlog };
};

/** Waits until the drawn nodes include (or not) `name`. */
async function waitDrawn(page, name, present) {
  await page.waitForFunction(
    ([n, p]) => (n in window.__switchyardFrames.nodes) === p,
    [name, present],
    { timeout: 10000 },
  );
}

test("switching style redraws the flow, fills the comparison card, and switching back restores it", async () => {
  const page = await open("payment-flow");
  assert.equal(await style(page), "choreography");
  await waitDrawn(page, "ms.payment", true);
  const choreo = await drawn(page);
  for (const n of ["ms.payment", "order.events", "frontend", "payment", "order"]) {
    assert.ok(choreo.includes(n), `choreography draws ${n}: ${choreo}`);
  }
  // The card: both styles, each with figures.
  await page.waitForSelector("#comparison .comparison-column[data-style=orchestration]");
  const columns = await page.$$eval("#comparison .comparison-column", (els) =>
    els.map((e) => ({ style: e.dataset.style, response: e.querySelector(".response").textContent, sent: e.querySelector(".sent").textContent, outage: e.querySelector(".outage").textContent })),
  );
  assert.deepEqual(columns.map((c) => c.style), ["orchestration", "choreography"]);
  const [orch, chor] = columns;
  assert.match(orch.response, /\d/);
  assert.match(chor.response, /\d/);
  assert.match(orch.sent, /^\d{1,3}(,\d{3})* calls/);
  assert.match(chor.sent, /^\d{1,3}(,\d{3})* events published/);
  assert.ok(Number(orch.outage) > 0, `orchestration fails requests while order is down: ${orch.outage}`);
  assert.equal(Number(chor.outage), 0, "choreography answers while order is down");
  assert.match(await page.textContent("#comparison .comparison-column[data-style=orchestration] .dependencies figcaption"), /depends directly on 3/);
  assert.match(await page.textContent("#comparison .comparison-column[data-style=choreography] .dependencies figcaption"), /depends directly on 1/);
  assert.equal(await page.locator("#comparison .comparison-column.current").getAttribute("data-style"), "choreography");
  await page.waitForTimeout(300);
  await screenshot(page, "flow-choreography");
  await page.locator("#comparison").screenshot({ path: path.join(SHOTS, "flow-comparison-card.png") });

  await page.click("#style-orchestration");
  await page.waitForFunction(() => document.querySelector("#style-toggle").dataset.style === "orchestration");
  await waitDrawn(page, "ms.payment", false);
  const orchestrated = await drawn(page);
  assert.ok(!orchestrated.includes("order.events"), `orchestration draws no queues: ${orchestrated}`);
  assert.equal(await page.locator("#comparison .comparison-column.current").getAttribute("data-style"), "orchestration");
  assert.equal(await page.textContent("#clock"), "0.000 s", "the same moment: the start, where it was paused");
  // The metrics panel says why it lists no queue, where a table would stand empty.
  assert.match(await page.textContent("#no-queues"), /call each other directly/);
  // The style is kept in the session.
  await page.waitForFunction(() => JSON.parse(localStorage.getItem("switchyard.session.v1")).style === "orchestration");
  await skipLessons(page);
  await setPlaying(page, true);
  await page.waitForFunction(() => Number(document.querySelector("#steps").textContent.replace(/\D/g, "")) > 150);
  await screenshot(page, "flow-orchestration");

  await page.click("#style-choreography");
  await waitDrawn(page, "ms.payment", true);
  assert.deepEqual(await drawn(page), choreo, "switching back draws the same nodes");
  assert.equal(await style(page), "choreography");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a service taken down: the caller's errors in orchestration, a growing then draining queue in choreography", async () => {
  // Orchestration: order down from the start, the caller's requests fail after the timeout.
  let page = await open("payment-flow", { style: "orchestration", speed: 6 });
  await page.click("#services li[data-service=order] .service-updown");
  await page.waitForSelector("#services li.down[data-service=order]");
  await skipLessons(page);
  await setPlaying(page, true);
  await page.waitForFunction(() => Number(document.querySelector("#flow-live").dataset.errors) > 5, null, { timeout: 20000 });
  let now = await live(page);
  assert.equal(now.ok, 0, `no request is answered ok while order is down: ${JSON.stringify(now)}`);
  await screenshot(page, "flow-orchestration-order-down");
  await page.close();

  // Choreography: the caller is answered, order's queue grows, and drains on return.
  page = await open("payment-flow", { style: "choreography", speed: 6 });
  await page.click("#services li[data-service=order] .service-updown");
  await page.waitForSelector("#services li.down[data-service=order]");
  await skipLessons(page);
  await setPlaying(page, true);
  await page.waitForFunction(() => /order=([2-9]\d|\d{3,})/.test(document.querySelector("#flow-live").dataset.backlog), null, { timeout: 20000 });
  now = await live(page);
  assert.equal(now.errors, 0, `the caller sees no error: ${JSON.stringify(now)}`);
  assert.ok(now.ok > 10, `the caller is answered: ${JSON.stringify(now)}`);
  await screenshot(page, "flow-choreography-order-down");
  await page.click("#services li[data-service=order] .service-updown");
  await page.waitForSelector("#services li.up[data-service=order]");
  await page.waitForFunction(() => /order=[0-3](,|$)/.test(document.querySelector("#flow-live").dataset.backlog), null, { timeout: 20000 });
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

/** The metrics panel's "Messages so far". */
const totals = (page) =>
  page.$$eval(".totals .stats div", (rows) =>
    Object.fromEntries(rows.map((r) => [r.querySelector("dt").textContent, Number(r.querySelector("dd").textContent)])),
  );

test("a saga: the step picked to fail is compensated in both styles", async () => {
  for (const style of ["orchestration", "choreography"]) {
    const page = await open("saga", { style, speed: 6 });
    assert.equal(await page.locator("#comparison .comparison-column .saga").count(), 2, "the card compares both sagas");
    // Pick the step that fails: stock, the second; payment before it is undone (refunded).
    await page.click("#services li[data-service=stock] .service-fail");
    await page.waitForSelector("#services li.failing[data-service=stock]");
    await skipLessons(page);
    await setPlaying(page, true);
    await page.waitForFunction(() => Number(document.querySelector("#flow-live .saga").dataset.compensated) > 3, null, { timeout: 20000 });
    assert.match(await page.textContent("#flow-live .saga"), /[1-9]\d* compensations/);
    await screenshot(page, `saga-${style}-stock-fails`);
    await page.close();
  }
  assert.deepEqual(env.browser.errors, []);
});


test("an orchestrated call clicked in flight shows its request step by step, a service its part in the flow, and the switch to choreography keeps the moment and the request", async () => {
  const page = await open("saga", { style: "orchestration", speed: 4 });
  assert.match(await page.textContent("#explorer-no-broker"), /call each other directly/);
  assert.match(await page.textContent(".inspector"), /Click a call in flight or a service/);
  // Stock fails every reservation from the start: each request is a compensated saga.
  await page.click("#services li[data-service=stock] .service-fail");
  await page.waitForSelector("#services li.failing[data-service=stock]");
  await skipLessons(page);
  await setPlaying(page, true);
  await page.waitForFunction(() => (window.__switchyardFrames.calls || []).length > 0, null, { timeout: 10000 });
  await setPlaying(page, false);
  await page.waitForTimeout(200);
  const call = await page.evaluate(() => window.__switchyardFrames.calls[0]);
  await page.click("#stage-canvas", { position: { x: call[0], y: call[1] } });
  await page.waitForFunction((f) => document.querySelector(".inspector h2")?.textContent === `Request #${f}`, call[2], { timeout: 5000 });
  const first = await page.textContent(".inspector ol.calls li:first-child");
  assert.match(first, /request\s*shop\s*→\s*checkout/, first);
  // Played on, the selected request ends: payment's step undone, stock's failed, an error answer.
  await setPlaying(page, true);
  await page.waitForFunction(() => /answered: error/.test(document.querySelector(".inspector .milestones")?.textContent || ""), null, { timeout: 10000 });
  await setPlaying(page, false);
  const steps = await page.$$eval(".inspector .milestones li", (li) => li.map((l) => l.textContent.slice(1)));
  assert.deepEqual(steps, ["sent", "payment, undone", "stock: error", "shipping", "answered: error"]);
  assert.match(await page.textContent(".inspector .request-outcome"), /Answered with an error in \d+ ms .*The saga was compensated: 1 completed step undone\./);
  const calls = await page.$$eval(".inspector ol.calls li .what", (li) => li.map((l) => l.textContent));
  assert.ok(calls.includes("compensate: refund_payment"), calls.join(" | "));
  await screenshot(page, "saga-orchestration-request");
  // The metrics' latency is the caller's response time: the requests are calls, not messages.
  assert.equal(await page.textContent(".latency h3"), "Caller response time");
  assert.match(await page.textContent(".latency dd"), /^\d+(\.\d+)? ms$/);
  // Its rates are the requests and calls, sampled as they run; no message rate at 0/s.
  assert.deepEqual(await page.$$eval(".metrics .rates h3", (h) => h.map((e) => e.textContent)), ["Call rates"]);
  const rates = await page.$$eval(".metrics .rate", (tr) => tr.map((r) => [r.querySelector("th").textContent, r.querySelector("td").textContent]));
  assert.deepEqual(rates.map((r) => r[0]), ["requests", "calls", "answered ok", "failed"]);
  // (A dash until the first sample, a second in.)
  assert.ok(rates.every((r) => /^(—|[\d,.]+\/s)$/.test(r[1])), JSON.stringify(rates));
  assert.match(await page.textContent(".metrics .requests"), /Requests so far\s*requests\s*\d+/);
  // The service and the caller say what they are.
  await clickNode(page, "stock");
  await page.waitForFunction(() => /step 2 of 3/.test(document.querySelector(".inspector .role")?.textContent || ""));
  assert.match(await page.textContent(".inspector"), /every request it handles fails/);
  // A pause point on it stops at the next call, and selects that call's request.
  assert.equal(await page.textContent("#pause-point"), " Pause when a call arrives at stock");
  await page.click("#pause-point");
  await page.waitForSelector("#pause-point.on");
  await setPlaying(page, true);
  await page.waitForFunction(() => /a call arrived at stock/.test(document.querySelector("#status")?.textContent || ""), null, { timeout: 10000 });
  assert.match(await page.textContent(".inspector h2"), /^Request #\d+$/);
  // Switched to choreography there: the same moment, the same request (now with its events),
  // the pause point on stock kept; stock's failure was a change of the other run, undone.
  await setPlaying(page, false);
  const [request, at] = [await page.textContent(".inspector h2"), await page.textContent("#clock")];
  await page.click("#style-choreography");
  await page.waitForFunction(() => document.querySelector("#style-toggle").dataset.style === "choreography");
  await page.waitForFunction((r) => document.querySelector(".inspector h2")?.textContent === r, request, { timeout: 5000 });
  assert.equal(await page.textContent("#clock"), at);
  assert.match(await page.textContent(".inspector"), /Its events/);
  assert.match(await page.textContent("#banner"), /opened at the same moment in choreography: the change made before was undone/);
  await page.waitForFunction(() => JSON.parse(localStorage.getItem("switchyard.session.v1")).pause_at?.some((p) => p.name === "stock"));
  // The caller, selected, stays selected across a switch back.
  await clickNode(page, "shop");
  await page.waitForFunction(() => document.querySelector(".inspector h2 .kind")?.textContent === "caller");
  await page.click("#style-orchestration");
  await page.waitForFunction(() => document.querySelector("#style-toggle").dataset.style === "orchestration");
  await page.waitForFunction(() => document.querySelector(".inspector h2 .kind")?.textContent === "caller");
  assert.match(await page.textContent(".inspector .role"), /sends each request to checkout/);
  await page.close();
  assert.deepEqual(env.browser.errors, []);
});

test("retyping a topic exchange to direct changes where the next messages go, and back undoes it", async () => {
  const page = await open("tutorial-5-topics", { playing: true });
  await skipLessons(page);
  // Past the first lesson step (1 s), so no narration resumes the run once it is paused.
  await page.waitForFunction(() => parseFloat(document.querySelector("#clock").textContent) > 1.5);
  await setPlaying(page, false);
  const exchange = await page.evaluate(() => Object.keys(window.__switchyardFrames.nodes).find((n) => /topic/.test(n)));
  assert.ok(exchange, "the tutorial's topic exchange is drawn");
  await clickNode(page, exchange);
  await page.waitForSelector("#exchange-type-select");
  assert.equal(await page.inputValue("#exchange-type-select"), "topic");
  await page.waitForSelector("#retype-explained");
  const underTopic = await page.textContent("#retype-explained");
  assert.match(underTopic, /^Under topic, the last message here/);
  assert.equal(await isPlaying(page), false);
  const clock = await page.textContent("#clock");
  await page.selectOption("#exchange-type-select", "direct");
  await page.waitForFunction(() => /Under direct/.test(document.querySelector("#retype-explained").textContent), null, { timeout: 10000 });
  const underDirect = await page.textContent("#retype-explained");
  assert.match(underDirect, /now matches no binding/);
  assert.match(underDirect, /direct compares whole keys/);
  assert.equal(await page.textContent("#clock"), clock, "retyped at the view's moment");
  await screenshot(page, "exchange-retyped-direct");

  // The next messages: played on under direct, nothing is routed any more, all are unroutable.
  const before = await totals(page);
  await setPlaying(page, true);
  await page.waitForFunction((c) => document.querySelector("#clock").textContent !== c, clock);
  await page.waitForTimeout(2500);
  await setPlaying(page, false);
  await page.waitForTimeout(300);
  const after = await totals(page);
  assert.equal(after.routed, before.routed, `nothing routed under direct: ${JSON.stringify([before, after])}`);
  assert.ok(after["unroutable (dropped)"] > (before["unroutable (dropped)"] || 0), `unroutable grows: ${JSON.stringify([before, after])}`);
  assert.match(await page.textContent("#retype-explained"), /Under direct, .*now matches no binding/);

  await page.selectOption("#exchange-type-select", "topic");
  await page.waitForFunction(() => /Under topic/.test(document.querySelector("#retype-explained").textContent), null, { timeout: 10000 });
  assert.equal(await page.inputValue("#exchange-type-select"), "topic");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

/** Clicks `button` and gives the file the browser downloads: its suggested name and JSON. */
async function saved(page, button) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
  const file = await download.path();
  return { name: download.suggestedFilename(), json: JSON.parse(fs.readFileSync(file, "utf8")), text: fs.readFileSync(file) };
}

test("the topology at this moment is exported as RabbitMQ definitions, and the scenario saved as a file opens again", async () => {
  const page = await open("tutorial-5-topics", { playing: false });
  await skipLessons(page);
  await clickNode(page, "topic_logs");
  await page.waitForSelector("#exchange-type-select");
  await page.selectOption("#exchange-type-select", "direct");
  await page.waitForFunction(() => document.querySelector("#exchange-type-select").value === "direct");

  // Definitions: as the broker is now, the exchange retyped, its bindings kept.
  const defs = await saved(page, "#save-definitions");
  assert.equal(defs.name, "tutorial-5-topics-definitions.json");
  const exchange = defs.json.exchanges.find((x) => x.name === "topic_logs");
  assert.equal(exchange.type, "direct");
  assert.equal(exchange.vhost, "/");
  const keys = defs.json.bindings.filter((b) => b.source === "topic_logs").map((b) => `${b.destination}:${b.routing_key}`).sort();
  assert.deepEqual(keys, ["Q1:*.orange.*", "Q2:*.*.rabbit", "Q2:lazy.#"]);
  assert.ok(defs.json.queues.some((q) => q.name === "Q1"));

  // The scenario: as it was opened (a switchyard file, the exchange a topic one).
  const scenario = await saved(page, "#save-scenario");
  assert.equal(scenario.name, "tutorial-5-topics.json");
  assert.equal(scenario.json.switchyard, 1);
  assert.equal(scenario.json.topology.exchanges.find((x) => x.name === "topic_logs").type, "topic");
  const title = await page.textContent("button.preset.current .preset-name");
  assert.ok(title.startsWith(scenario.json.name), `${title} / ${scenario.json.name}`);

  // Opened again from the file: it runs, named as the preset, with nothing to complain about.
  await page.setInputFiles(".load-file input[type=file]", { name: scenario.name, mimeType: "application/json", buffer: scenario.text });
  await page.waitForSelector(".loaded-file");
  assert.ok((await page.textContent(".loaded-file .preset-name")).startsWith(scenario.json.name));
  assert.equal(await page.locator("#banner").count(), 0);
  await waitDrawn(page, "topic_logs", true);
  await screenshot(page, "saved-scenario-opened");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

/** A page on `preset` played past its first lesson step (1 s), paused, `node` selected. */
async function pausedOn(preset, node) {
  const page = await open(preset, { playing: true });
  await skipLessons(page);
  await page.waitForFunction(() => parseFloat(document.querySelector("#clock").textContent) > 1.5);
  await setPlaying(page, false);
  await clickNode(page, node);
  return page;
}

test("bindings edited in the inspector route the next messages; unbinding or going back before the change undoes it", async () => {
  const page = await pausedOn("tutorial-5-topics", "topic_logs");
  await page.waitForSelector("#bind-form");
  const count = () => page.evaluate(() => {
    const h = [...document.querySelectorAll(".inspector h3")].find((h) => h.textContent.startsWith("Bindings from"));
    return Number(h.textContent.match(/\((\d+)\)/)[1]);
  });
  const counted = (n) => page.waitForFunction((n) => {
    const h = [...document.querySelectorAll(".inspector h3")].find((h) => h.textContent.startsWith("Bindings from"));
    return h && h.textContent.includes(`(${n})`);
  }, n);
  const explained = async (key) => {
    await page.fill("#routing-key", key);
    await page.waitForFunction((k) => document.querySelector("#explanation").textContent.includes(k), key);
    return page.textContent("#explanation");
  };
  assert.equal(await count(), 3);
  assert.match(await explained("quick.brown.fox"), /dropped/);

  // Bind Q1 with quick.#: the inspector, the drawing's key and the explorer have it at once.
  await page.fill("#bind-queue", "Q1");
  await page.fill("#bind-key", "quick.#");
  await page.click("#bind-form button[type=submit]");
  await counted(4);
  assert.ok((await page.locator("#unbind-binding option", { hasText: "Q1 ← quick.#" }).count()) === 1);
  assert.match(await explained("quick.brown.fox"), /routed to 1 queue: `Q1`/);
  await screenshot(page, "binding-added");

  // Unbind it: back to the tutorial's three.
  await page.selectOption("#unbind-binding", { label: "Q1 ← quick.#" });
  await page.click("#unbind-form button[type=submit]");
  await counted(3);
  assert.match(await explained("quick.brown.fox"), /dropped/);

  // Bound again, then the timeline taken back to before the change: it never happened.
  await page.fill("#bind-key", "quick.#");
  await page.click("#bind-form button[type=submit]");
  await counted(4);
  await page.fill("#timeline", "500");
  await counted(3);

  // A name the vhost does not have: a new queue, declared, bound and drawn.
  await page.fill("#bind-queue", "audit");
  await page.fill("#bind-key", "#");
  await page.click("#bind-form button[type=submit]");
  await counted(4);
  await waitDrawn(page, "audit", true);
  assert.match(await explained("quick.brown.fox"), /routed to 1 queue: `audit`/);
  await screenshot(page, "binding-new-queue");
  await page.fill("#timeline", "200");
  await counted(3);

  // A key longer than AMQP carries is named, and nothing changes.
  await page.fill("#bind-queue", "Q1");
  await page.fill("#bind-key", "k".repeat(256));
  await page.click("#bind-form button[type=submit]");
  await page.waitForSelector("#banner");
  assert.match(await page.textContent("#banner"), /The binding was not added: a binding key is at most 255 bytes\./);
  assert.equal(await count(), 3);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("an exchange bound to another exchange in the inspector routes through it; an unknown exchange is named", async () => {
  const page = await pausedOn("retry-backoff", "orders");
  await page.waitForSelector("#bind-form");
  await page.selectOption("#explorer-exchange", "orders");
  const explained = async (key) => {
    await page.fill("#routing-key", key);
    await page.waitForFunction((k) => document.querySelector("#explanation").textContent.includes(k), key);
    return page.textContent("#explanation");
  };
  assert.match(await explained("retry.2"), /routed to 1 queue: `orders.work`/);
  await page.selectOption("#bind-kind", "exchange");
  assert.equal(await page.inputValue("#bind-queue"), "orders.retry", "the scenario's other exchange is offered first");
  await page.fill("#bind-key", "retry.2");
  await page.click("#bind-form button[type=submit]");
  await page.waitForFunction(() => [...document.querySelectorAll("#unbind-binding option")].some((o) => o.textContent === "exchange orders.retry ← retry.2"));
  const through = await explained("retry.2");
  assert.match(through, /exchange `orders.retry`/);
  assert.match(through, /routed to 2 queues/);
  await page.fill("#bind-queue", "nope");
  await page.click("#bind-form button[type=submit]");
  await page.waitForSelector("#banner");
  assert.match(await page.textContent("#banner"), /`nope` is not an exchange of this vhost/);
  await screenshot(page, "binding-exchange");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("the explorer publishes the message it explains: stepping shows it on its way, and it stays in the session", async () => {
  const page = await pausedOn("tutorial-5-topics", "topic_logs");
  await page.fill("#routing-key", "lazy.pink.rabbit");
  await page.waitForFunction(() => document.querySelector("#explanation").textContent.includes("lazy.pink.rabbit"));
  assert.match(await page.textContent(".explorer-publish"), /One message more from emit_log_topic\.py with this key, now/);
  // Headers typed go with it, instead of the producer's.
  await page.fill("#explorer-headers", '{"note": "typed here"}');
  await page.waitForFunction(() => /with the headers typed/.test(document.querySelector(".explorer-publish").textContent));
  await page.click("#explorer-publish");
  const stored = () => page.evaluate(() => JSON.parse(localStorage.getItem("switchyard.session.v1")).edits || []);
  await page.waitForFunction(() => (JSON.parse(localStorage.getItem("switchyard.session.v1")).edits || []).length === 1);
  assert.deepEqual((await stored()).map((e) => [e.action, e.producer, e.routing_key, e.headers]), [["publish", "emit_log_topic.py", "lazy.pink.rabbit", { note: "typed here" }]]);
  // Step by step until the inspector shows it: published by the producer, routed to Q2.
  let shown = false;
  for (let i = 0; i < 12 && !shown; i++) {
    await page.keyboard.press("ArrowRight");
    await page.waitForTimeout(120);
    shown = await page.evaluate(() => /lazy\.pink\.rabbit/.test(document.querySelector(".inspector")?.textContent || ""));
  }
  assert.ok(shown, "stepping reaches the message published");
  assert.match(await page.textContent(".inspector"), /Published by emit_log_topic\.py/);
  assert.match(await page.textContent(".inspector"), /typed here/);
  await screenshot(page, "explorer-published");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("changes made in the inspector survive a reload and travel in a share link; a reset undoes them", async () => {
  const page = await pausedOn("tutorial-5-topics", "topic_logs");
  const bindings = () => page.evaluate(() => {
    const h = [...document.querySelectorAll(".inspector h3")].find((h) => h.textContent.startsWith("Bindings from"));
    return h ? Number(h.textContent.match(/\((\d+)\)/)[1]) : -1;
  });
  const explained = async (p, key) => {
    await p.fill("#routing-key", key);
    await p.waitForFunction((k) => document.querySelector("#explanation").textContent.includes(k), key);
    return p.textContent("#explanation");
  };
  // Two changes at one moment: a new queue bound with `#`, and Q1 bound with quick.#.
  await page.fill("#bind-queue", "audit");
  await page.fill("#bind-key", "#");
  await page.click("#bind-form button[type=submit]");
  await page.waitForFunction(() => /\(4\)/.test([...document.querySelectorAll(".inspector h3")].map((h) => h.textContent).join()));
  await page.fill("#bind-queue", "Q1");
  await page.fill("#bind-key", "quick.#");
  await page.click("#bind-form button[type=submit]");
  await page.waitForFunction(() => /\(5\)/.test([...document.querySelectorAll(".inspector h3")].map((h) => h.textContent).join()));
  // Then played on a little, and paused; the session saved is the moment shown.
  await setPlaying(page, true);
  await page.waitForTimeout(700);
  await setPlaying(page, false);
  await page.waitForTimeout(300);
  const at = await page.textContent("#clock");
  await page.waitForFunction((shown) => {
    const us = JSON.parse(localStorage.getItem("switchyard.session.v1")).at_us;
    return `${Math.floor(us / 1e6)}.${String(Math.floor(us / 1000) % 1000).padStart(3, "0")} s` === shown;
  }, at);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("switchyard.session.v1")));
  assert.equal(stored.edits.length, 2, JSON.stringify(stored));
  assert.deepEqual(stored.edits.map((e) => e.action), ["declare", "declare"]);

  // Reloaded: the same moment, with both changes, routing as before.
  await page.reload();
  await page.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.nodes);
  await page.waitForFunction((t) => document.querySelector("#clock").textContent === t, at);
  await waitDrawn(page, "audit", true);
  await clickNode(page, "topic_logs");
  await page.waitForSelector("#bind-form");
  assert.equal(await bindings(), 5);
  assert.match(await explained(page, "quick.brown.fox"), /routed to 2 queues: `Q1`, `audit`/);
  assert.equal(await page.locator("#banner").count(), 0, "nothing to complain about");
  // Listed under the stage, each with its moment.
  const listed = () => page.evaluate(() => [...document.querySelectorAll("#changes li .what")].map((w) => w.textContent));
  assert.deepEqual(await listed(), [
    "declare queue `audit`, bind queue `audit` to `topic_logs` with `#`",
    "bind queue `Q1` to `topic_logs` with `quick.#`",
  ]);

  // Shared: someone with nothing saved opens the link and has the same changes.
  await env.browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.server.url });
  await page.click("#share");
  await page.waitForFunction(() => /Link copied/.test(document.querySelector("#banner")?.textContent || ""));
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, /&edits=%5B%7B/);
  const other = await env.browser.context.newPage();
  await other.setViewportSize({ width: 1400, height: 1050 });
  await other.goto(`${env.server.url}__blank`);
  await other.evaluate(() => localStorage.clear());
  await other.goto(link);
  await other.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.nodes);
  await other.waitForFunction((t) => document.querySelector("#clock").textContent === t, at);
  await waitDrawn(other, "audit", true);
  assert.match(await explained(other, "quick.brown.fox"), /routed to 2 queues/);
  await screenshot(other, "edits-shared");

  // A link whose changes do not fit the scenario: named, and it opens without them.
  const wrong = link.replace(/at_us%22%3A\d+/, "at_us%22%3A1");
  await other.goto(`${env.server.url}__blank`);
  await other.goto(wrong);
  await other.waitForSelector("#banner.error");
  assert.match(await other.textContent("#banner"), /The changes made before could not be made again \(edits\[0\]/);
  await waitDrawn(other, "audit", false);
  await other.close();

  // Saved as a file: the two changes are script steps at their moment.
  const file = await saved(page, "#save-scenario");
  assert.deepEqual(file.json.script.map((s) => s.action), ["declare", "declare"]);
  assert.deepEqual(file.json.script[0].definitions.queues.map((q) => q.name), ["audit"]);

  // Undo the second: back to just before it; the first stays.
  await page.click("#changes li:nth-child(2) .undo");
  await page.waitForFunction(() => document.querySelectorAll("#changes li").length === 1);
  assert.match(await explained(page, "quick.brown.fox"), /routed to 1 queue: `audit`/);
  await page.waitForFunction(() => JSON.parse(localStorage.getItem("switchyard.session.v1")).edits.length === 1);

  // Reset: back to the start, before the changes; a reload keeps it so.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("r");
  await page.waitForFunction(() => document.querySelector("#clock").textContent === "0.000 s");
  assert.match(await explained(page, "quick.brown.fox"), /dropped/);
  await page.waitForFunction(() => !JSON.parse(localStorage.getItem("switchyard.session.v1")).edits);
  assert.equal(await page.locator("#changes").count(), 0, "no change left to list");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a queue's limits set in the inspector apply as a policy: the queue holds no more than its max length", async () => {
  const page = await pausedOn("tutorial-2-work-queues", "task_queue");
  await page.waitForSelector("#queue-limits");
  const settings = () => page.textContent(".inspector .settings");

  // A wrong number is named, and nothing changes.
  await page.fill("#limit-length", "-3");
  await page.click("#queue-limits button[type=submit]");
  await page.waitForSelector("#banner");
  assert.match(await page.textContent("#banner"), /The limits were not applied: max length: expected a whole number from 0 to 9223372036854775807, not `-3`\./);
  assert.doesNotMatch(await settings(), /switchyard-task_queue/);

  await page.fill("#limit-length", "1");
  await page.selectOption("#limit-overflow", "drop-head");
  await page.click("#queue-limits button[type=submit]");
  await page.waitForFunction(() => /switchyard-task_queue/.test(document.querySelector(".inspector .settings").textContent));
  assert.match(await settings(), /max length\s*1/);
  await setPlaying(page, true);
  await page.waitForTimeout(3000);
  await setPlaying(page, false);
  // The two slow workers hold two tasks unacked; the queue keeps at most one ready.
  const ready = await page.evaluate(() => Number(document.querySelector(".inspector .counts .count .n").textContent));
  assert.ok(ready <= 1, `${ready} ready`);
  await screenshot(page, "queue-limits");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a consumer and a producer added in the inspector work at once, are listed and kept, and going back before them takes them away", async () => {
  const page = await pausedOn("tutorial-5-topics", "Q1");
  await page.click("#add-consumer summary");
  assert.equal(await page.inputValue("#consumer-name"), "C3", "the first free name");
  // Mistakes are named, and nothing is added.
  await page.fill("#consumer-prefetch", "abc");
  await page.click("#add-consumer-form button[type=submit]");
  await page.waitForSelector("#banner.error");
  assert.match(await page.textContent("#banner"), /The consumer was not added: prefetch: expected a number from 0 to 65535, not `abc`\./);
  await page.fill("#consumer-name", "C1");
  await page.fill("#consumer-prefetch", "1");
  await page.click("#add-consumer-form button[type=submit]");
  await page.waitForFunction(() => /already the name of a consumer/.test(document.querySelector("#banner")?.textContent || ""));
  assert.match(await page.textContent("#banner"), /The consumer was not added: name: `C1` is already the name of a consumer\./);
  // A fast consumer on Q1.
  await page.fill("#consumer-name", "auditor");
  await page.fill("#consumer-processing", "20");
  await page.click("#add-consumer-form button[type=submit]");
  await waitDrawn(page, "auditor", true);
  await page.waitForFunction(() => [...document.querySelectorAll(".inspector table.consumers td")].some((td) => td.textContent === "auditor"));
  assert.equal(await page.locator("#banner").count(), 0, "made: the earlier attempt's error is cleared");

  // A producer on the exchange, publishing what only Q1 takes.
  await clickNode(page, "topic_logs");
  await page.click("#add-producer summary");
  assert.equal(await page.inputValue("#producer-name"), "P1");
  await page.fill("#producer-key", "quick.orange.fox");
  await page.fill("#producer-rate", "5");
  await page.click("#add-producer-form button[type=submit]");
  await waitDrawn(page, "P1", true);
  const listed = () => page.evaluate(() => [...document.querySelectorAll("#changes li .what")].map((w) => w.textContent));
  assert.deepEqual(await listed(), [
    "add consumer `auditor` on queue `Q1` (prefetch 1, 20 ms each)",
    "add producer `P1` publishing to topic_logs (5.000 / s, evenly)",
  ]);
  // Played on: the new consumer processes messages, some of them the new producer's.
  await setPlaying(page, true);
  await page.waitForTimeout(1500);
  await setPlaying(page, false);
  await clickNode(page, "auditor");
  await page.waitForFunction(() => /processed/.test(document.querySelector(".inspector")?.textContent || ""));
  const processed = await page.evaluate(() => {
    const c = [...document.querySelectorAll(".inspector .count")].find((c) => c.textContent.includes("processed"));
    return Number(c.querySelector(".n").textContent);
  });
  assert.ok(processed > 0, `the consumer added processed ${processed}`);
  await screenshot(page, "actors-added");

  // Kept: a reload has both, and the session lists them as changes.
  await page.waitForFunction(() => (JSON.parse(localStorage.getItem("switchyard.session.v1")).edits || []).length === 2);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("switchyard.session.v1")).edits);
  assert.deepEqual(stored.map((e) => [e.action, e.actor.name]), [["add_consumer", "auditor"], ["add_producer", "P1"]]);
  await page.reload();
  await page.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.nodes);
  await waitDrawn(page, "auditor", true);
  await waitDrawn(page, "P1", true);
  assert.equal(await page.locator("#banner").count(), 0, "nothing to complain about");
  // Saved as a file: script steps that add them.
  const file = await saved(page, "#save-scenario");
  assert.deepEqual(file.json.script.map((s) => [s.action, s.actor.name]), [["add_consumer", "auditor"], ["add_producer", "P1"]]);

  // The producer stopped: drawn so, listed, and it can start again.
  await clickNode(page, "P1");
  await page.click("#producer-stop");
  await page.waitForSelector("#producer-start");
  assert.match(await page.textContent(".inspector"), /stopped: it publishes nothing until started/);
  await page.waitForFunction(() => document.querySelectorAll("#changes li").length === 3);
  assert.match((await listed())[2], /^stop producer `P1`$/);
  await screenshot(page, "producer-stopped");

  // Undo the consumer: all go (the producer and its stop came after it).
  await page.click("#changes li:nth-child(1) .undo");
  await waitDrawn(page, "auditor", false);
  await waitDrawn(page, "P1", false);
  await page.waitForFunction(() => document.querySelectorAll("#changes li").length === 0);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("switching style with changes made says they were undone", async () => {
  const page = await pausedOn("payment-flow", "ms.payment");
  await page.click("#add-producer summary");
  await page.fill("#producer-name", "extra");
  await page.click("#add-producer-form button[type=submit]");
  await waitDrawn(page, "extra", true);
  await page.click("#style-orchestration");
  await page.waitForSelector("#banner");
  assert.match(await page.textContent("#banner"), /opened at the same moment in orchestration: the change made before was undone/);
  await page.waitForFunction(() => (JSON.parse(localStorage.getItem("switchyard.session.v1")).edits || []).length === 0);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("an exchange added in the inspector is drawn and routed to from the one shown, and can take a producer", async () => {
  const page = await pausedOn("tutorial-5-topics", "topic_logs");
  await page.click("#add-exchange summary");
  await page.fill("#new-exchange-name", "topic_logs");
  await page.click("#add-exchange-form button[type=submit]");
  await page.waitForSelector("#banner.error");
  assert.match(await page.textContent("#banner"), /`topic_logs` is an exchange of this vhost already/);
  await page.fill("#new-exchange-name", "audit");
  await page.selectOption("#new-exchange-type", "fanout");
  await page.click("#add-exchange-form button[type=submit]");
  await waitDrawn(page, "audit", true);
  await page.fill("#routing-key", "quick.orange.fox");
  await page.waitForFunction(() => document.querySelector("#explanation").textContent.includes("quick.orange.fox"));
  assert.match(await page.textContent("#explanation"), /exchange `audit`/);
  const listed = await page.evaluate(() => [...document.querySelectorAll("#changes li .what")].map((w) => w.textContent));
  assert.deepEqual(listed, ["declare exchange `audit`, bind exchange `audit` to `topic_logs` with `#`"]);
  // The new exchange takes a producer of its own.
  await clickNode(page, "audit");
  await page.click("#add-producer summary");
  await page.click("#add-producer-form button[type=submit]");
  await waitDrawn(page, "P1", true);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a producer's rate and a consumer's processing time are changed in the inspector and listed", async () => {
  const page = await pausedOn("tutorial-5-topics", "emit_log_topic.py");
  await page.fill("#rate-now", "0");
  await page.click("#rate-form button[type=submit]");
  await page.waitForSelector("#banner.error");
  assert.match(await page.textContent("#banner"), /The producer was not changed: rate: a producer publishes at least some messages a second\./);
  await page.fill("#rate-now", "20");
  await page.click("#rate-form button[type=submit]");
  await page.waitForFunction(() => /20\.000 \/ s/.test(document.querySelector(".inspector").textContent));
  await clickNode(page, "C1");
  await page.fill("#pace-ms", "750");
  await page.fill("#pace-failure", "10");
  await page.click("#pace-form button[type=submit]");
  await page.waitForFunction(() => /750 ms/.test(document.querySelector(".inspector").textContent));
  const listed = await page.evaluate(() => [...document.querySelectorAll("#changes li .what")].map((w) => w.textContent));
  assert.deepEqual(listed, [
    "set producer `emit_log_topic.py` to 20.000 / s on average (Poisson)",
    "set consumer `C1` to 750 ms each, failing 10%",
  ]);
  assert.equal(await page.locator("#banner").count(), 0, "the earlier error is cleared");
  await screenshot(page, "pace-changed");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a queue deleted in the inspector is drawn as not declared, its consumer stopped, and undoing brings it back", async () => {
  const page = await pausedOn("tutorial-5-topics", "Q1");
  await page.click("#delete-queue");
  await page.waitForFunction(() => /not declared/.test(document.querySelector(".inspector")?.textContent || "") || !document.querySelector("#delete-queue"));
  const listed = () => page.evaluate(() => [...document.querySelectorAll("#changes li .what")].map((w) => w.textContent));
  assert.deepEqual(await listed(), ["delete queue `Q1`"]);
  await clickNode(page, "C1");
  await page.waitForSelector("#consumer-start");
  assert.match(await page.textContent(".inspector"), /stopped/);
  await clickNode(page, "topic_logs");
  await page.click("#delete-exchange");
  await page.waitForFunction(() => document.querySelectorAll("#changes li").length === 2);
  assert.equal((await listed())[1], "delete exchange `topic_logs`");
  await screenshot(page, "deleted");
  await page.click("#changes li:nth-child(1) .undo");
  await page.waitForFunction(() => document.querySelectorAll("#changes li").length === 0);
  await clickNode(page, "Q1");
  await page.waitForSelector("#delete-queue");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("an inspector form shows the selected node's values and keeps what is typed while it plays", async () => {
  const page = await pausedOn("retry-backoff", "orders.delay.1s");
  await page.waitForSelector("#queue-limits");
  assert.equal(await page.inputValue("#limit-ttl"), "1000");
  await page.fill("#limit-length", "7");
  await clickNode(page, "orders.delay.4s");
  await page.waitForFunction(() => document.querySelector("#limit-ttl")?.value === "4000");
  assert.equal(await page.inputValue("#limit-length"), "", "another queue's form starts from its own values");
  await page.fill("#limit-length", "9");
  await setPlaying(page, true);
  await page.waitForTimeout(800);
  assert.equal(await page.inputValue("#limit-length"), "9", "typing survives the panel's renders");
  await setPlaying(page, false);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a choreography event clicked in flight shows the service that published it, its route and its request, which lists it", async () => {
  const page = await open("payment-flow", { playing: true, speed: 0 });
  assert.equal(await style(page), "choreography");
  await skipLessons(page);
  await clickMessageInFlight(page);
  const text = await page.textContent(".inspector");
  // It was not held at all before: the inspector said it was older than what it keeps.
  assert.doesNotMatch(text, /Not held/);
  assert.match(text, /Published by payment at \d+\.\d{3} s, for request #\d+/);
  assert.match(text, /Routed to \d+ queues?:/);
  assert.match(text, /correlation_id\s*request-\d+/);
  await screenshot(page, "flow-choreography-event");
  // Its request lists the events published for it: this one among them.
  const id = (await page.textContent(".inspector h2")).replace("Message ", "");
  await page.click(".inspector .origin button.link:last-child");
  await page.waitForFunction(() => /^Request #\d+$/.test(document.querySelector(".inspector h2")?.textContent || ""));
  const events = await page.$$eval(".inspector ul.events li", (li) => li.map((l) => l.textContent));
  assert.ok(events.some((e) => e.startsWith(`${id} payment_succeeded by payment at`)), events.join(" | "));
  await page.close();
});

test("fullscreen on a projector's 1280×720 keeps the stage large with the inspector, the banner and the help in sight", async () => {
  const page = await open("payment-flow", { playing: true, style: "choreography", speed: 1 });
  await page.setViewportSize({ width: 1280, height: 720 });
  skipLessons(page);
  const box = (selector) => page.evaluate((s) => {
    const r = document.querySelector(s)?.getBoundingClientRect();
    return r && { top: r.top, bottom: r.bottom, width: r.width, height: r.height };
  }, selector);
  await page.keyboard.press("f");
  await page.waitForFunction(() => document.fullscreenElement?.id === "app");
  await page.waitForTimeout(300);
  // The flow's panels (services, the comparison) sit below the canvas, not in its place.
  const canvas = await box(".canvas-wrap");
  assert.ok(canvas.height >= 0.55 * 720 && canvas.width >= 0.6 * 1280, JSON.stringify(canvas));
  assert.ok(await page.isHidden(".topbar"), "the page's header makes way");
  assert.ok(await page.isHidden(".picker-area"), "the picker makes way");
  const inspector = await box(".inspector");
  assert.ok(inspector.top >= 0 && inspector.bottom <= 720 && inspector.height > 80, JSON.stringify(inspector));
  // A node clicked on the large stage is inspected beside it.
  await clickNode(page, "payment");
  await page.waitForFunction(() => /payment/.test(document.querySelector(".inspector h2")?.textContent || ""));
  // The banner and the help overlay are drawn in fullscreen too.
  await page.click("#restart-broker");
  await page.waitForFunction(() => /broker restarted/i.test(document.querySelector(".banner")?.textContent || ""));
  assert.ok(await page.evaluate(() => document.fullscreenElement.contains(document.querySelector(".banner"))));
  await page.keyboard.press("?");
  await page.waitForSelector("#help-overlay");
  assert.ok(await page.evaluate(() => document.fullscreenElement.contains(document.querySelector("#help-overlay"))));
  await screenshot(page, "fullscreen-flow-help");
  await page.click("#help-overlay button");
  await page.waitForFunction(() => !document.querySelector("#help-overlay"));
  await screenshot(page, "fullscreen-flow");
  // F again leaves it: the page's layout is back.
  await page.keyboard.press("f");
  await page.waitForFunction(() => !document.fullscreenElement);
  await page.waitForSelector(".topbar", { state: "visible" });
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});
