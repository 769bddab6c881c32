// End-to-end: the stage (canvas, controls, pause points, storage) and the panels it mounts,
// on the release bundle in dist/ (scripts/build-release.sh) in headless Chromium.
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { onBundle, clickNode, clickMessageInFlight, screenshot, stepRests } = require("./browser.cjs");

const env = onBundle(test);

/** A page on the app with no saved session: the first preset opens and plays. */
async function fresh() {
  const page = await env.browser.context.newPage();
  // Clear the saved session from a page that runs no app (the app saves as it runs).
  await page.goto(`${env.server.url}__blank`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(env.server.url);
  await page.waitForSelector("#stage-canvas");
  await page.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.nodes);
  await page.waitForSelector(".metrics");
  return page;
}

const steps = async (page) => Number((await page.textContent("#steps")).replace(/\D/g, ""));
const clock = (page) => page.textContent("#clock");
const playing = async (page) => (await page.getAttribute("#play", "aria-label")) === "Pause";


test("the first preset is loaded and playing, and its counters rise", async () => {
  const page = await fresh();
  assert.ok(await playing(page), "playing on open");
  const before = await steps(page);
  await page.waitForFunction((n) => Number(document.querySelector("#steps").textContent.replace(/\D/g, "")) > n + 20, before);
  await page.waitForFunction(() => /\d/.test(document.querySelector(".metrics").textContent));
  await screenshot(page, "stage-playing");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a lesson pause point pauses the run and shows its narration", async () => {
  const page = await fresh();
  await page.waitForSelector(".narration", { timeout: 10000 });
  assert.equal(await playing(page), false);
  assert.equal(await clock(page), "1.000 s");
  assert.match(await page.textContent(".narration"), /Routing/);
  await screenshot(page, "stage-lesson");
  await page.click(".narration .continue");
  await page.waitForFunction(() => !document.querySelector(".narration"));
  assert.ok(await playing(page));
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("in fullscreen on a projector's 1280×720 a lesson's card is whole below the stage", async () => {
  const page = await fresh();
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.keyboard.press("f");
  await page.waitForFunction(() => document.fullscreenElement?.id === "app");
  await page.waitForSelector(".narration", { timeout: 10000 });
  await page.waitForTimeout(300);
  const [canvas, card, button] = await page.evaluate(() =>
    [".canvas-wrap", ".narration", ".narration .continue"].map((s) => {
      const r = document.querySelector(s).getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, height: r.height };
    }),
  );
  assert.ok(card.top >= canvas.bottom && card.bottom <= 720 && button.bottom <= 720, JSON.stringify({ canvas, card }));
  assert.ok(canvas.height >= 300, JSON.stringify(canvas));
  await screenshot(page, "fullscreen-lesson");
  await page.click(".narration .continue");
  await page.waitForFunction(() => !document.querySelector(".narration"));
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("step forward N then back N returns the same state", async () => {
  const page = await fresh();
  await page.waitForSelector(".narration", { timeout: 10000 });
  await page.click(".narration .continue");
  await page.waitForTimeout(700);
  await page.keyboard.press("Space");
  await page.waitForFunction(() => document.querySelector("#play").getAttribute("aria-label") === "Play");
  await page.waitForTimeout(400);
  const state = async () => ({
    steps: await steps(page),
    clock: await clock(page),
    metrics: await page.textContent(".metrics"),
  });
  // The page renders when it gets to it (later on a busy machine): read the state once two
  // readings 300 ms apart agree, or once it is what is expected (up to 5 s).
  const settled = async (want) => {
    let last = await state();
    for (let i = 0; i < 16; i++) {
      if (want && JSON.stringify(last) === JSON.stringify(want)) return last;
      await page.waitForTimeout(300);
      const now = await state();
      if (!want && JSON.stringify(now) === JSON.stringify(last)) return now;
      last = now;
    }
    return last;
  };
  const before = await settled();
  for (let i = 0; i < 12; i++) await page.keyboard.press("ArrowRight");
  const moved = await settled();
  assert.notEqual(moved.steps, before.steps, "stepping moved the simulation");
  assert.match(await page.textContent(".inspector"), /#\d+|message/i, "the stepped message is inspected");
  for (let i = 0; i < 12; i++) await page.keyboard.press("ArrowLeft");
  assert.deepEqual(await settled(before), before);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a step moves its message from where it was to where it goes, through the exchange into its queues, and a dropped message is not left on the stage", async () => {
  // Tutorial 5, paused at its start: its first message (key "orange") is dropped at the
  // exchange, its second reaches both queues (at the instant it reaches the exchange: a step
  // shows those hops after its move) and leaves for both consumers.
  const page = await env.browser.context.newPage();
  await page.goto(`${env.server.url}__blank`);
  await page.evaluate(() => localStorage.setItem("switchyard.session.v1", JSON.stringify({ v: 1, at_us: 0, playing: false, speed: 3, preset: "tutorial-5-topics" })));
  await page.goto(env.server.url);
  await page.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.nodes);
  const dots = () => page.evaluate(() => JSON.stringify(window.__switchyardFrames.dots || []));
  const title = () => page.textContent(".inspector h2");
  const nodes = await page.evaluate(() => window.__switchyardFrames.nodes);
  const x = nodes.topic_logs[0] + 10;
  const [q1, q2] = [nodes.Q1, nodes.Q2];
  // A dot past the exchange, short of the queue it heads for.
  const intoQueue = ([dx]) => dx > x && dx < Math.min(q1[0], q2[0]) - 10;
  let moved = 0;
  let enqueued = 0;
  let dropped = false;
  for (let i = 0; i < 8; i++) {
    const before = await steps(page);
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction((n) => Number(document.querySelector("#steps").textContent.replace(/\D/g, "")) > n, before);
    await page.waitForTimeout(100);
    const mid = await dots();
    // The move takes 0.4 s, then each hop that took no time 0.3 s.
    await page.waitForTimeout(380);
    const instant = JSON.parse(await dots());
    await stepRests(page);
    const rest = await dots();
    if (mid !== "[]" && mid !== rest) moved++;
    if (instant.some(intoQueue)) enqueued++;
    assert.ok(!JSON.parse(rest).some(intoQueue), "at rest, no copy is left between the exchange and a queue");
    if (/dropped \(unroutable\)/.test(await page.textContent(".inspector")) && (await title()) === "Message #1") {
      // At the exchange, where it was dropped: nothing of it is drawn on its way.
      assert.equal(rest, "[]", "a dropped message leaves no dot behind");
      dropped = true;
    }
  }
  assert.ok(dropped, "stepping reached the first message, dropped at the exchange");
  assert.ok(moved >= 2, `dots moved during ${moved} steps`);
  assert.ok(enqueued >= 1, `copies went into their queues during ${enqueued} steps`);
  // A step back plays the step it undoes backwards, then rests where that step started.
  let backMoved = false;
  for (let i = 0; i < 8 && !backMoved; i++) {
    await page.keyboard.press("ArrowLeft");
    await page.waitForTimeout(150);
    const moving = await page.evaluate(() => window.__switchyardFrames.stepMoving);
    const backing = await dots();
    await stepRests(page);
    backMoved = moving && backing !== "[]" && backing !== (await dots());
  }
  assert.ok(backMoved, "a step back moved a message back");
  // Every step showed something: the inspector follows the message that moved.
  assert.match(await title(), /^Message #\d+$/);
  await screenshot(page, "stepped");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("clicking a message in flight shows its route explanation", async () => {
  const page = await fresh();
  await page.waitForSelector(".narration", { timeout: 10000 });
  await page.click(".narration .continue");
  // Slow down so a dot stays put while we aim, then pause with dots on the wires.
  await page.selectOption("#speed", "0");
  await clickMessageInFlight(page);
  const text = await page.textContent(".inspector");
  assert.match(text, /Routed to 1 queue: email-notifications/);
  assert.ok((await page.locator(".inspector .trial.matched").count()) >= 1);
  await screenshot(page, "inspector-message");
  // Back at the start the message is not published yet, and the inspector says so.
  await page.click("#reset");
  await page.waitForFunction(() => /Not published yet at this point of the timeline/.test(document.querySelector(".inspector").textContent));
  assert.doesNotMatch(await page.textContent(".inspector"), /Not held/);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a pause point on a queue pauses when a message arrives there", async () => {
  const page = await fresh();
  await page.keyboard.press("Space");
  await clickNode(page, "email-notifications");
  await page.waitForSelector("#pause-point");
  await page.click("#pause-point");
  await page.waitForSelector("#pause-point.on");
  await screenshot(page, "inspector-queue");
  await page.click("#play");
  await page.waitForSelector("#status", { timeout: 10000 });
  assert.match(await page.textContent("#status"), /arrived at email-notifications/);
  assert.equal(await playing(page), false);
  // Kept by a reload, and in a share link.
  await page.waitForFunction(() => (JSON.parse(localStorage.getItem("switchyard.session.v1")).pause_at || []).length === 1);
  await page.reload();
  await page.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.nodes);
  await clickNode(page, "email-notifications");
  await page.waitForSelector("#pause-point.on");
  await page.click("#play");
  await page.waitForSelector("#status", { timeout: 10000 });
  assert.match(await page.textContent("#status"), /arrived at email-notifications/);
  const link = await page.evaluate(() => {
    const s = JSON.parse(localStorage.getItem("switchyard.session.v1"));
    return `#preset=${s.preset}&at_us=${s.at_us}&playing=0&pause_at=${encodeURIComponent(JSON.stringify(s.pause_at))}`;
  });
  await page.goto(`${env.server.url}__blank`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(`${env.server.url}${link}`);
  await page.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.nodes);
  await clickNode(page, "email-notifications");
  await page.waitForSelector("#pause-point.on");
  // A pause point on a node the scenario lacks is named.
  await page.goto(`${env.server.url}#preset=orders-topic&pause_at=${encodeURIComponent('[{"kind":"queue","vhost":"/","name":"gone"}]')}`);
  await page.waitForSelector("#banner");
  assert.match(await page.textContent("#banner"), /This scenario has no queue `gone`: no pause point was set there\./);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a consumer is crashed and started again on demand, and the broker restarted", async () => {
  const page = await fresh();
  await page.keyboard.press("Space");
  await clickNode(page, "mailer-1");
  await page.click("#consumer-crash");
  await page.waitForSelector(".consumer-state.is-down");
  await screenshot(page, "inspector-consumer-crashed");
  await page.click("#consumer-start");
  await page.waitForSelector(".consumer-state.is-running");
  await page.click("#consumer-stop");
  await page.waitForSelector(".consumer-state.is-stopped");
  await page.click("#restart-broker");
  await page.waitForSelector("#banner");
  assert.match(await page.textContent("#banner"), /The broker restarted: (nothing was lost|\d+ messages? w)/);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("restarting the broker under work queues loses nothing: the unacked deliveries are requeued", async () => {
  // Tutorial 2: a durable queue, persistent messages, manual acks. The workers' unacked
  // deliveries are abandoned and requeued, not lost.
  const page = await fresh();
  await page.click(".preset-list .preset >> text=Work queues");
  await page.waitForSelector(".preset-list .preset.current >> text=Work queues");
  await page.waitForTimeout(3000);
  await page.click("#restart-broker");
  await page.waitForSelector("#banner");
  assert.match(await page.textContent("#banner"), /The broker restarted: nothing was lost/);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("scrolled down to the explorer, nothing covers its inputs", async () => {
  const page = await fresh();
  await page.locator("#explorer-exchange").scrollIntoViewIfNeeded();
  for (const id of ["explorer-exchange", "routing-key", "explorer-headers"]) {
    const top = await page.evaluate((id) => {
      const r = document.getElementById(id).getBoundingClientRect();
      const hit = document.elementFromPoint(r.x + 4, r.y + r.height / 2);
      return hit && hit.closest(`#${id}`) ? "itself" : hit && (hit.className || hit.tagName);
    }, id);
    assert.equal(top, "itself", `#${id}'s left edge is under ${top}`);
  }
  await page.close();
});

test("a reload restores the scenario, the moment and what is selected", async () => {
  const page = await fresh();
  await page.click(".preset-list .preset >> text=Stress");
  await page.waitForSelector(".preset.current >> text=Stress");
  await page.waitForTimeout(1200);
  await page.keyboard.press("Space");
  await page.waitForTimeout(600);
  const at = await clock(page);
  assert.notEqual(at, "0.000 s");
  await page.reload();
  await page.waitForSelector(".preset.current >> text=Stress");
  await page.waitForFunction((t) => document.querySelector("#clock").textContent === t, at);
  assert.equal(await playing(page), false, "restored paused, as it was");
  await screenshot(page, "stage-stress");
  // What the inspector shows comes back too.
  await clickNode(page, "lane-a");
  await page.waitForFunction(() => /lane-a/.test(document.querySelector(".inspector h2")?.textContent || ""));
  const shown = await page.textContent(".inspector h2");
  await page.waitForFunction(() => JSON.parse(localStorage.getItem("switchyard.session.v1")).selected?.name === "lane-a");
  await page.reload();
  await page.waitForFunction((h) => document.querySelector(".inspector h2")?.textContent === h, shown);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a share link opens the same scenario at the same moment with the same selection; a bad link is named and what was open stays", async () => {
  const page = await fresh();
  await env.browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.server.url });
  await page.click('button.preset[data-preset="tutorial-4-routing"]');
  await page.waitForSelector('.preset.current[data-preset="tutorial-4-routing"]');
  await page.waitForTimeout(800);
  if (await playing(page)) await page.keyboard.press("Space");
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
  await page.waitForTimeout(300);
  const at = await clock(page);
  // Stepping selected the message that moved: the link carries it.
  const selected = await page.textContent(".inspector h2");
  assert.match(selected, /^Message #\d+$/);
  await page.click("#share");
  await page.waitForFunction(() => /Link copied/.test(document.querySelector("#banner")?.textContent || ""));
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, /#preset=tutorial-4-routing&at_us=\d+&speed=\d+&playing=0&selected=%7B%22message%22%3A\d+%7D$/);
  // Someone else opens it: a browser with nothing saved.
  const other = await env.browser.context.newPage();
  await other.goto(`${env.server.url}__blank`);
  await other.evaluate(() => localStorage.clear());
  await other.goto(link);
  await other.waitForSelector('.preset.current[data-preset="tutorial-4-routing"]');
  await other.waitForFunction((t) => document.querySelector("#clock").textContent === t, at);
  assert.equal(await playing(other), false, "paused, as it was shared");
  assert.equal(await other.textContent(".inspector h2"), selected, "the same message inspected");
  assert.equal(new URL(other.url()).hash, "", "the link is taken out of the address, so a reload keeps what follows");
  // A link pasted into the open page (only the part after # changes).
  await other.evaluate(() => { location.hash = "preset=saga&at_us=2000000&playing=0"; });
  await other.waitForSelector('.preset.current[data-preset="saga"]');
  await other.waitForFunction(() => document.querySelector("#clock").textContent === "2.000 s");
  // A bad link: named in the banner; the session the browser had (the saga) opens.
  await other.goto(`${env.server.url}#preset=saga&speed=99`);
  await other.waitForSelector("#banner.error");
  assert.match(await other.textContent("#banner"), /This link could not be opened: `speed`: expected a whole number from 0 to 10/);
  await other.waitForSelector('.preset.current[data-preset="saga"]');
  await other.goto(`${env.server.url}#preset=no-such-preset`);
  await other.waitForSelector("#banner.error");
  assert.match(await other.textContent("#banner"), /there is no preset `no-such-preset`/);
  await other.waitForSelector('.preset.current[data-preset="saga"]');
  await screenshot(other, "bad-link");
  // A loaded file travels whole in its link.
  const scenario = JSON.parse(require("node:fs").readFileSync(path.join(__dirname, "..", "..", "scenarios", "orders-topic.json"), "utf8"));
  scenario.name = "Orders & more: 100% mine";
  await page.setInputFiles(".load-file input[type=file]", { name: "mine.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(scenario)) });
  await page.waitForFunction(() => /100% mine/.test(document.querySelector(".loaded-file")?.textContent || ""));
  await page.click("#share");
  await page.waitForFunction(() => /Link copied/.test(document.querySelector("#banner")?.textContent || ""));
  const fileLink = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(fileLink, /#file=%7B/);
  await other.goto(`${env.server.url}__blank`);
  await other.evaluate(() => localStorage.clear());
  await other.goto(fileLink);
  await other.waitForFunction(() => /Orders & more: 100% mine/.test(document.querySelector(".loaded-file")?.textContent || ""));
  // Where the page may not copy (no clipboard outside secure pages), the link goes into the
  // address bar, and the banner says so.
  await other.evaluate(() => Object.defineProperty(navigator, "clipboard", { value: undefined }));
  await other.click("#share");
  await other.waitForFunction(() => /in the address bar now/.test(document.querySelector("#banner")?.textContent || ""));
  assert.match(new URL(other.url()).hash, /^#file=%7B/);
  const wide = await other.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.equal(wide[0], wide[1], "the banner wraps; nothing runs past the right edge");
  assert.deepEqual(env.browser.errors, []);
  await other.close();
  await page.close();
});

/** The canvas's colour (#rrggbb) under each of the last frame's published dots. */
const dotColours = (page) =>
  page.evaluate(() => {
    const canvas = document.querySelector("#stage-canvas");
    const ctx = canvas.getContext("2d");
    const dpr = canvas.width / canvas.clientWidth;
    const hex = (v) => v.toString(16).padStart(2, "0");
    return window.__switchyardFrames.dots.map(([x, y]) => {
      const [r, g, b] = ctx.getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data;
      return `#${hex(r)}${hex(g)}${hex(b)}`;
    });
  });

// The routing keys' colours (geometry.rs KEY_COLOURS) and the acks' green.
const DOT_COLOURS = ["#e69f00", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#cc79a7", "#8f7cf6", "#2e8b57"];

test("the stress preset flies its 2,000 messages as dots in their keys' colours", async () => {
  const page = await env.browser.context.newPage();
  await page.goto(`${env.server.url}__blank`);
  await page.evaluate(() => localStorage.setItem("switchyard.session.v1", JSON.stringify({ v: 1, preset: "stress", at_us: 5000000, playing: true, speed: 3 })));
  await page.goto(env.server.url);
  await page.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.dotCount > 1500, null, { timeout: 10000 });
  const colours = await dotColours(page);
  assert.equal(colours.length, 8, "the first 8 dots are published");
  // A dot may lie under another's (then of that one's colour), never on bare canvas.
  for (const c of colours) assert.ok(DOT_COLOURS.includes(c), `${c} under a dot, in ${colours}`);
  assert.ok(new Set(colours).size >= 2, `several colours: ${colours}`);
  // Reduced motion: no dot flies (each node messages head to is ringed instead).
  await page.emulateMedia({ reducedMotion: "reduce" });
  await page.waitForFunction(() => window.__switchyardFrames.dotCount === 0, null, { timeout: 5000 });
  await page.emulateMedia({ reducedMotion: "no-preference" });
  await page.waitForFunction(() => window.__switchyardFrames.dotCount > 1500, null, { timeout: 5000 });
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a corrupt saved session is discarded with a notice, not a blank page", async () => {
  const page = await env.browser.context.newPage();
  await page.goto(`${env.server.url}__blank`);
  await page.evaluate(() => localStorage.setItem("switchyard.session.v1", "{not json"));
  await page.goto(env.server.url);
  await page.waitForSelector("#banner");
  assert.match(await page.textContent("#banner"), /could not be restored \(it is not JSON/);
  await page.waitForSelector("#stage-canvas");
  assert.ok(await playing(page), "the first preset opened");
  await screenshot(page, "banner-corrupt-session");
  assert.equal(await page.evaluate(() => localStorage.getItem("switchyard.session.v1").includes("not json")), false);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a dead-lettered message's x-death is listed across the inspector, its words whole", async () => {
  const page = await fresh();
  await page.click(".preset-list .preset:has-text('Retry')");
  // The first failed payment is rejected at 0.4 s and dead-lettered to orders.retry, then to the
  // 1 s delay queue, where it waits: pause there and open it from the queue's list.
  await page.waitForFunction(() => /Retry/.test(document.querySelector(".preset.current").textContent));
  for (let i = 0; i < 40 && !(await page.$(".inspector ul.messages button")); i++) {
    if (await page.$(".narration .continue")) await page.click(".narration .continue");
    if (await playing(page)) await page.click("#play");
    for (let k = 0; k < 5; k++) await page.keyboard.press("ArrowRight");
    await clickNode(page, "orders.delay.1s");
    await page.waitForTimeout(100);
  }
  await page.click(".inspector ul.messages button");
  await page.waitForSelector(".inspector .header-table tr.nested");
  const text = await page.textContent(".inspector .header-table");
  assert.match(text, /x-death/);
  assert.match(text, /reason\s*rejected/);
  assert.match(text, /queue\s*orders\.work/);
  const widths = await page.evaluate(() => {
    const table = document.querySelector(".inspector .header-table");
    const nested = table.querySelector("tr.nested td");
    const queue = [...table.querySelectorAll("code")].find((c) => c.textContent === "orders.work");
    return { table: table.getBoundingClientRect().width, nested: nested.getBoundingClientRect().width, lines: Math.round(queue.getBoundingClientRect().height / parseFloat(getComputedStyle(queue).lineHeight || "16")) };
  });
  assert.ok(widths.nested > 0.9 * widths.table, `x-death spans the table: ${JSON.stringify(widths)}`);
  assert.ok(widths.lines <= 1, `orders.work on one line: ${JSON.stringify(widths)}`);
  await screenshot(page, "inspector-x-death");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("on a phone's width nothing runs past the right edge", async () => {
  const page = await fresh();
  for (const width of [390, 320]) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(300);
    const wide = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.equal(wide[0], wide[1], `at ${width} px the page scrolls sideways: ${wide}`);
    // Held upright, the canvas is as tall as the drawing needs, and the lesson follows it on
    // the first screen (it was a fixed 496 px, mostly blank).
    const box = await page.evaluate(() => ({
      canvas: document.querySelector("#stage-canvas").getBoundingClientRect().height,
      lesson: document.querySelector(".narration-slot").getBoundingClientRect().top,
    }));
    assert.ok(box.canvas >= 238 && box.canvas < 400, `at ${width} px the canvas fits the drawing: ${JSON.stringify(box)}`);
    assert.ok(box.lesson < 800, `at ${width} px the lesson starts on the first screen: ${JSON.stringify(box)}`);
  }
  await screenshot(page, "phone-320");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("every preset loads and plays with no console error", async () => {
  const page = await fresh();
  const names = await page.$$eval(".preset-list .preset .preset-name", (els) => els.map((e) => e.textContent));
  assert.ok(names.length >= 2, `presets listed: ${names}`);
  for (let i = 0; i < names.length; i++) {
    await page.locator(".preset-list .preset").nth(i).click();
    await page.waitForSelector(`.preset-list .preset.current`);
    const before = await steps(page);
    await page.waitForFunction((n) => Number(document.querySelector("#steps").textContent.replace(/\D/g, "")) > n, before, { timeout: 10000 });
    assert.equal(await page.locator("#banner.error").count(), 0, `preset ${names[i]} opened without error`);
  }
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("help, dark theme and reduced motion render", async () => {
  const page = await fresh();
  await page.keyboard.press("?");
  await page.waitForSelector("#help-overlay");
  assert.match(await page.textContent("#help-overlay"), /PageDown/);
  await screenshot(page, "help");
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector("#help-overlay"));
  await page.emulateMedia({ colorScheme: "dark", reducedMotion: "reduce" });
  await page.waitForTimeout(900);
  await screenshot(page, "stage-dark-reduced-motion");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a scenario file with a mistake is named in the banner and the running one stays", async () => {
  const page = await fresh();
  const scenario = JSON.parse(require("node:fs").readFileSync(path.join(__dirname, "..", "..", "scenarios", "orders-topic.json"), "utf8"));
  scenario.actors.consumers[1].prefetch = 70000;
  await page.setInputFiles(".load-file input[type=file]", {
    name: "broken.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(scenario)),
  });
  await page.waitForSelector("#banner.error");
  assert.match(await page.textContent("#banner"), /actors\.consumers\[1\]\.prefetch/);
  assert.equal(await page.locator(".preset.current").count(), 1, "the preset still runs");
  await screenshot(page, "banner-bad-file");
  // A file too big is refused before it is read, with its size, in the same banner.
  await page.setInputFiles(".load-file input[type=file]", {
    name: "huge.json",
    mimeType: "application/json",
    buffer: Buffer.alloc(17 << 20, 32),
  });
  await page.waitForFunction(() => /huge\.json/.test(document.querySelector("#banner")?.textContent || ""));
  assert.match(await page.textContent("#banner"), /the file is 17 MiB, more than the 16 MiB allowed/);
  assert.equal(await page.locator(".preset.current").count(), 1, "the preset still runs");
  scenario.actors.consumers[1].prefetch = 5;
  scenario.name = "My own orders";
  await page.setInputFiles(".load-file input[type=file]", {
    name: "mine.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(scenario)),
  });
  await page.waitForFunction(() => !document.querySelector("#banner"));
  await page.waitForFunction(() => !document.querySelector(".preset.current"));
  // A loaded file survives a reload too (its text is kept in local storage).
  await page.waitForTimeout(600);
  await page.reload();
  await page.waitForSelector("#stage-canvas");
  await page.waitForTimeout(600);
  assert.equal(await page.locator(".preset.current").count(), 0, "still the loaded file");
  assert.equal(await page.locator("#banner").count(), 0);
  assert.ok((await steps(page)) > 0);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a definitions export with a stream queue opens without it and says so", async () => {
  const page = await fresh();
  const queue = (name, args) => ({ name, vhost: "/", durable: true, auto_delete: false, arguments: args });
  const bind = (destination, routing_key) =>
    ({ source: "orders", vhost: "/", destination, destination_type: "queue", routing_key, arguments: {} });
  const exported = {
    rabbit_version: "3.13.1",
    vhosts: [{ name: "/" }],
    exchanges: [{ name: "orders", vhost: "/", type: "topic", durable: true, auto_delete: false, internal: false, arguments: {} }],
    queues: [queue("order-log", { "x-queue-type": "stream" }), queue("emails", {})],
    bindings: [bind("order-log", "#"), bind("emails", "order.*")],
  };
  await page.setInputFiles(".load-file input[type=file]", {
    name: "definitions.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(exported)),
  });
  await page.waitForSelector("#banner");
  const banner = await page.textContent("#banner");
  assert.match(banner, /Left out the stream queue 'order-log' and the binding to it/);
  assert.equal(await page.locator("#banner.error").count(), 0, "a notice, not an error");
  await page.waitForFunction(() => "emails" in (window.__switchyardFrames.nodes || {}));
  const names = await page.evaluate(() => Object.keys(window.__switchyardFrames.nodes));
  assert.ok(!names.includes("order-log"), names.join(", "));
  await screenshot(page, "definitions-stream-left-out");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a definitions export of two vhosts: each name says its vhost, the explorer picks a vhost then an exchange", async () => {
  const page = await fresh();
  const exported = { vhosts: [{ name: "/" }, { name: "staging" }], queues: [], exchanges: [], bindings: [],
    policies: [{ vhost: "staging", name: "to-dlx", pattern: "^orders$", "apply-to": "queues", priority: 0,
      definition: { "dead-letter-exchange": "ex", "message-ttl": 60000 } }] };
  for (const [vhost, key] of [["/", "prod"], ["staging", "stage"]]) {
    exported.exchanges.push({ name: "ex", vhost, type: "direct", durable: true, auto_delete: false, internal: false, arguments: {} });
    exported.queues.push({ name: "orders", vhost, durable: true, auto_delete: false, arguments: {} });
    exported.bindings.push({ source: "ex", vhost, destination: "orders", destination_type: "queue", routing_key: key, arguments: {} });
  }
  await page.setInputFiles(".load-file input[type=file]", {
    name: "two-vhosts.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(exported)),
  });
  await page.waitForFunction(() => "orders (vhost staging)" in (window.__switchyardFrames.nodes || {}));
  const names = await page.evaluate(() => Object.keys(window.__switchyardFrames.nodes).sort());
  assert.deepEqual(names, ["ex", "ex (vhost staging)", "orders", "orders (vhost staging)"]);
  const rows = await page.locator(".queue-row th").allTextContents();
  assert.deepEqual(rows.sort(), ["orders", "orders (vhost staging)"]);
  // The explorer picks a vhost, then one of its exchanges.
  const options = (id) => page.locator(`#${id} option`).allTextContents();
  assert.deepEqual(await options("explorer-vhost"), ["/", "staging"]);
  assert.deepEqual(await options("explorer-exchange"), ["(AMQP default)", "ex"]);
  await page.selectOption("#explorer-vhost", "staging");
  await page.waitForFunction(() => document.querySelector("#explorer-vhost").value === "staging");
  assert.equal(await page.$eval("#explorer-exchange", (s) => s.options[s.selectedIndex].textContent), "ex");
  await page.fill("#routing-key", "stage");
  await page.waitForFunction(() => document.querySelector("#explanation").textContent.includes("routed to 1 queue"));
  assert.match(await page.textContent("#explanation"), /in vhost `staging`/);
  // No producer publishes there: "Publish it" sends a plain message, which the queue gets.
  assert.match(await page.textContent(".explorer-publish"), /No producer of this scenario publishes here: a plain message/);
  await page.click("#explorer-publish");
  await page.waitForSelector("#changes li");
  assert.equal(await page.textContent("#changes li .what"), "send `stage` to `ex` in vhost `staging`");
  await page.waitForFunction(() => {
    const row = [...document.querySelectorAll(".queue-row")].find((r) => r.querySelector("th")?.textContent === "orders (vhost staging)");
    return row?.nextElementSibling?.querySelector("td")?.textContent === "1";
  });
  await screenshot(page, "definitions-two-vhosts");
  // The inspector names the policy that applies, and what it sets.
  await clickNode(page, "orders (vhost staging)");
  await page.waitForSelector(".inspector h2:has-text('orders (vhost staging)')");
  const setting = (name) => page.locator(`.inspector table.settings tr:has(th:text-is("${name}")) td`).textContent();
  assert.equal(await setting("policy"), "to-dlx");
  assert.equal(await setting("dead-letter exchange"), "ex (vhost staging)");
  assert.equal(await setting("message TTL"), "60000 ms");
  await screenshot(page, "inspector-policy");
  // An export has no actors: a consumer of this queue and a producer on its exchange are
  // added in its vhost, and messages flow.
  await page.click("#add-consumer summary");
  await page.fill("#consumer-processing", "5");
  // The panel renders a few times a second while it plays: what is typed stays.
  if (!(await playing(page))) await page.click("#play");
  await page.waitForTimeout(800);
  assert.equal(await page.inputValue("#consumer-processing"), "5", "typing survives the panel's renders");
  await page.click("#add-consumer-form button[type=submit]");
  await page.waitForFunction(() => Object.keys(window.__switchyardFrames.nodes).some((n) => /^C1\b/.test(n)));
  await clickNode(page, "ex (vhost staging)");
  await page.click("#add-producer summary");
  assert.equal(await page.inputValue("#producer-key"), "stage", "a key its binding routes");
  await page.fill("#producer-rate", "20");
  await page.click("#add-producer-form button[type=submit]");
  await page.waitForFunction(() => Object.keys(window.__switchyardFrames.nodes).some((n) => /^P1\b/.test(n)));
  const listed = await page.evaluate(() => [...document.querySelectorAll("#changes li .what")].map((w) => w.textContent));
  assert.deepEqual(listed.slice(1), [
    "add consumer `C1` on queue `orders` in vhost `staging` (prefetch 1, 5 ms each)",
    "add producer `P1` publishing to ex in vhost `staging` (20.000 / s, evenly)",
  ]);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("switchyard.session.v1")).edits);
  assert.deepEqual(stored.slice(1).map((e) => [e.action, e.actor.vhost]), [["add_consumer", "staging"], ["add_producer", "staging"]]);
  if (!(await playing(page))) await page.click("#play");
  await page.waitForFunction(() => Number(document.querySelector("#steps").textContent.replace(/\D/g, "")) > 40);
  if (await playing(page)) await page.click("#play");
  const p1 = await page.evaluate(() => Object.keys(window.__switchyardFrames.nodes).find((n) => /^P1\b/.test(n)));
  await clickNode(page, p1);
  await page.waitForFunction(() => /routing key\s*stage/.test(document.querySelector(".inspector")?.textContent || ""));
  const consumer = await page.evaluate(() => Object.keys(window.__switchyardFrames.nodes).find((n) => /^C1\b/.test(n)));
  await clickNode(page, consumer);
  await page.waitForFunction(() => Number(document.querySelector(".inspector .count:nth-child(2) .n")?.textContent) > 0);
  await screenshot(page, "definitions-actors-added");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("with the keyboard alone every node can be inspected: N and P go through them, a queue's name in the metrics selects it", async () => {
  const page = await fresh();
  const heading = () => page.textContent(".inspector h2");
  assert.match(await page.textContent(".inspector"), /press N/);
  const seen = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("n");
    await page.waitForFunction((before) => document.querySelector(".inspector h2").textContent !== before, seen[seen.length - 1] || "Inspector");
    seen.push(await heading());
  }
  assert.equal(new Set(seen).size, 4, `four nodes in turn: ${seen}`);
  await page.keyboard.press("p");
  await page.waitForFunction((want) => document.querySelector(".inspector h2").textContent === want, seen[2]);
  // Zoomed in far, a node selected with the keyboard is brought into sight.
  for (let i = 0; i < 5; i++) await page.keyboard.press("]");
  const inSight = async () => page.evaluate(() => {
    const name = document.querySelector(".inspector h2").textContent.replace(/^(exchange|queue|consumer|producer)\s*/i, "");
    const at = window.__switchyardFrames.nodes[name.trim()];
    const c = document.querySelector("#stage-canvas").getBoundingClientRect();
    return at && at[0] >= 0 && at[0] <= c.width && at[1] >= 0 && at[1] <= c.height ? true : `${name} at ${at} on ${c.width}x${c.height}`;
  });
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("n");
    await page.waitForTimeout(250);
    assert.equal(await inSight(), true);
  }
  // The metrics table's queue names are buttons too, reached with Tab like any other.
  const queue = page.locator(".queue-table tr.queue-row button.link").first();
  const name = await queue.textContent();
  await queue.focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction((want) => document.querySelector(".inspector h2").textContent.includes(want), name);
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});

test("a selected exchange's links are drawn in the brand colour", async () => {
  const page = await fresh();
  await page.keyboard.press("Space");
  // Brand-orange pixels (#ff6600, not a dot's vermillion) at three places along the producer's
  // link to the exchange (a paused message's dot may hide one), before and after selecting the
  // exchange.
  const orange = () =>
    page.evaluate(() => {
      const nodes = window.__switchyardFrames.nodes;
      const [a, b] = [nodes["orders-service"], nodes["orders"]];
      const canvas = document.querySelector("#stage-canvas");
      const dpr = canvas.width / canvas.clientWidth;
      let n = 0;
      for (const f of [0.35, 0.5, 0.65]) {
        const [x, y] = [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
        const data = canvas.getContext("2d").getImageData((x - 4) * dpr, (y - 4) * dpr, 8 * dpr, 8 * dpr).data;
        for (let i = 0; i < data.length; i += 4) if (data[i] > 240 && data[i + 1] > 85 && data[i + 1] < 120 && data[i + 2] < 40) n++;
      }
      return n;
    });
  assert.equal(await orange(), 0, "no orange on the link before");
  await clickNode(page, "orders");
  await page.waitForSelector(".inspector .kind, .inspector h2");
  let seen = 0;
  for (let i = 0; i < 20 && !seen; i++) {
    await page.waitForTimeout(100);
    seen = await orange();
  }
  assert.ok(seen > 0, "the exchange's link turned orange");
  assert.deepEqual(env.browser.errors, []);
  await page.close();
});
