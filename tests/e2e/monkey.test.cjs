// End-to-end: "the app never panics", tried the way a curious user would: a few hundred random
// clicks, keys, drags, wheel turns, preset changes, odd routing keys and headers, reloads. Seeded
// (SWITCHYARD_MONKEY_SEED, default 1), so a failure names its seed and its last actions.
const test = require("node:test");
const assert = require("node:assert/strict");
const { onBundle } = require("./browser.cjs");

const env = onBundle(test);

const SEED = Number(process.env.SWITCHYARD_MONKEY_SEED || 1);
const ACTIONS = Number(process.env.SWITCHYARD_MONKEY_ACTIONS || 250);

/** xorshift32: the same actions for the same seed. */
function random(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  return { next, pick: (items) => items[Math.floor(next() * items.length)] };
}

const KEYS = ["Space", "ArrowRight", "ArrowLeft", "+", "-", "r", "f", "?", "Escape", "PageDown", "PageUp", ".", "0", "[", "]", "n", "p", "Tab", "Enter"];
const TEXTS = ["", "#", "*.*", "a.b.c", "order.eu.created", "{", "{\"x-match\":\"any\"}", "[1,2]", "null", "x".repeat(400), "\u0000\u202e", "1e309", "-1", "{\"CC\":[\"a\",\"b\"]}", "🙂.#"];

/** One random action; returns what it did, for the failure message. */
async function act(page, rnd) {
  const canvas = await page.locator("#stage-canvas").boundingBox();
  const onCanvas = () => canvas && [canvas.x + rnd.next() * canvas.width, canvas.y + rnd.next() * canvas.height];
  const nth = async (selector) => {
    const all = page.locator(selector);
    const n = await all.count();
    return n ? all.nth(Math.floor(rnd.next() * n)) : null;
  };
  const kind = rnd.pick(["button", "button", "summary", "key", "key", "click", "click", "select", "text", "range", "preset", "drag", "wheel", "reload"]);
  switch (kind) {
    case "button": {
      const button = await nth("button:visible");
      if (!button) return kind;
      const label = ((await button.getAttribute("aria-label")) || (await button.textContent()) || "").trim().slice(0, 30);
      await button.click({ timeout: 1000 });
      return `button ${label}`;
    }
    case "summary": {
      // A folded form (add a consumer, a producer, an exchange) opened or closed.
      const summary = await nth("summary:visible");
      if (summary) await summary.click({ timeout: 1000 });
      return "summary";
    }
    case "key": {
      const key = rnd.pick(KEYS);
      await page.keyboard.press(key);
      return `key ${key}`;
    }
    case "click": {
      const at = onCanvas();
      if (at) await page.mouse.click(at[0], at[1]);
      return `click ${at && at.map(Math.round)}`;
    }
    case "select": {
      const select = await nth("select:visible");
      const labels = select ? await select.locator("option").allTextContents() : [];
      if (!labels.length) return kind;
      const label = rnd.pick(labels);
      await select.selectOption({ label }, { timeout: 1000 });
      return `select ${label}`;
    }
    case "text": {
      const input = await nth("input[type=text]:visible, input:not([type]):visible, textarea:visible");
      const text = rnd.pick(TEXTS);
      if (input) await input.fill(text, { timeout: 1000 });
      return `type ${JSON.stringify(text).slice(0, 30)}`;
    }
    case "range": {
      const range = await nth("input[type=range]:visible");
      const box = range && (await range.boundingBox());
      if (box) await page.mouse.click(box.x + rnd.next() * box.width, box.y + box.height / 2);
      return "timeline";
    }
    case "preset": {
      const preset = await nth(".preset-list button:visible");
      if (preset) await preset.click({ timeout: 1000 });
      return "preset";
    }
    case "drag": {
      const [from, to] = [onCanvas(), onCanvas()];
      if (!from) return kind;
      await page.mouse.move(from[0], from[1]);
      await page.mouse.down();
      await page.mouse.move(to[0], to[1], { steps: 5 });
      await page.mouse.up();
      return "drag";
    }
    case "wheel": {
      const at = onCanvas();
      if (at) await page.mouse.move(at[0], at[1]);
      await page.mouse.wheel(0, (rnd.next() - 0.5) * 2000);
      return "wheel";
    }
    default: {
      if (rnd.next() < 0.3) {
        await page.reload();
        await page.waitForSelector("#stage-canvas");
        return "reload";
      }
      return "no reload";
    }
  }
}

test(`${ACTIONS} random actions (seed ${SEED}) neither panic nor log an error`, async () => {
  const page = await env.browser.context.newPage();
  await page.goto(`${env.server.url}__blank`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(env.server.url);
  await page.waitForSelector("#stage-canvas");
  const rnd = random(SEED);
  const done = [];
  for (let i = 0; i < ACTIONS; i++) {
    try {
      done.push(await act(page, rnd));
    } catch (e) {
      // An element that went away between finding and clicking it: the app moved on, not a fault.
      done.push(`(skipped: ${String(e.message).split("\n")[0].slice(0, 60)})`);
    }
    await page.waitForTimeout(rnd.next() * 150);
    const overlay = await page.$("#panic-overlay");
    const trail = `seed ${SEED}, after: ${done.slice(-10).join(" / ")}`;
    assert.equal(overlay && (await overlay.textContent()), null, `the panic overlay showed; ${trail}`);
    assert.deepEqual(env.browser.errors, [], trail);
  }
  await page.close();
});
