// The animation benchmark (not a timed test): the stress preset (2,000 messages in flight)
// playing at 1x in headless Chromium for 10 s on the release bundle in dist/. Prints frames per
// second (counted by the page's own requestAnimationFrame), our script time per frame (the
// app's frame loop: simulation, in-flight scan and canvas calls, from
// window.__switchyardFrames), the dots drawn, and first paint on loopback. Then "as fast as
// possible" for 5 s, and for 30 s (BENCH_LONG_SECONDS) followed by moves in time: the memory the
// browser holds, step back, a seek on the timeline and step back from there.
// Run: scripts/bench-app.sh (builds nothing; run scripts/build-release.sh first).
const path = require("node:path");
const { execSync } = require("node:child_process");
const { serve } = require("../tests/e2e/server.cjs");
const { launch } = require("../tests/e2e/browser.cjs");

const SECONDS = Number(process.env.BENCH_SECONDS || 10);

async function firstPaint(browser, url) {
  const page = await browser.context.newPage();
  await page.goto(`${url}__blank`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(url);
  await page.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.firstFrameMs);
  const figures = await page.evaluate(() => ({
    fcp: (performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime,
    canvas: window.__switchyardFrames.firstFrameMs,
    load: performance.getEntriesByType("navigation")[0].loadEventEnd,
  }));
  await page.close();
  return figures;
}

async function stress(browser, url, speed, seconds) {
  const page = await browser.context.newPage();
  await page.goto(`${url}__blank`);
  // Open the stress preset 5 s in (a full pipeline), playing at `speed` (index into SPEEDS).
  await page.evaluate(
    (speed) => localStorage.setItem("switchyard.session.v1", JSON.stringify({ v: 1, preset: "stress", at_us: 5000000, playing: true, speed })),
    speed,
  );
  await page.goto(url);
  await page.waitForFunction(() => window.__switchyardFrames && window.__switchyardFrames.frames > 30);
  await page.waitForTimeout(2000);
  const result = await page.evaluate(async (seconds) => {
    const stats = window.__switchyardFrames;
    const PHASES = ["advanceMs", "flightsMs", "depthsMs", "sceneMs", "dotsMs", "labelsMs"];
    const start = { frames: stats.frames, busy: stats.busyMs, t: performance.now() };
    const phases0 = PHASES.map((p) => stats[p] || 0);
    let rafs = 0;
    let dots = 0;
    let samples = 0;
    let longest = 0;
    let last = performance.now();
    await new Promise((done) => {
      const tick = (now) => {
        rafs += 1;
        longest = Math.max(longest, now - last);
        last = now;
        dots += stats.dotCount || 0;
        samples += 1;
        if (now - start.t < seconds * 1000) requestAnimationFrame(tick);
        else done();
      };
      requestAnimationFrame(tick);
    });
    const elapsed = (performance.now() - start.t) / 1000;
    const frames = stats.frames - start.frames;
    return {
      elapsed,
      fps: rafs / elapsed,
      appFrames: frames,
      scriptMsPerFrame: (stats.busyMs - start.busy) / frames,
      meanDots: dots / samples,
      longestFrameMs: longest,
      phases: (() => {
        const each = PHASES.map((p, i) => ((stats[p] || 0) - phases0[i]) / frames);
        // The rest of the frame: sizing the canvas, the theme and Yew's refresh, the stats.
        const other = (stats.busyMs - start.busy) / frames - each.reduce((a, b) => a + b, 0);
        return PHASES.map((p, i) => `${p.replace("Ms", "")} ${each[i].toFixed(2)}`).concat(`other ${other.toFixed(2)}`).join(", ");
      })(),
      clock: document.querySelector("#clock").textContent,
      events: Number(document.querySelector("#steps").textContent.replace(/\D/g, "")),
    };
  }, seconds);
  await page.close();
  return result;
}

/// The resident memory of the largest Chromium process (the page's renderer), in MB (Linux).
function chromiumMb() {
  try {
    const out = execSync("ps -eo rss=,comm= | grep -i chrom | sort -n | tail -1").toString();
    return (Number(out.trim().split(/\s+/)[0]) / 1024).toFixed(0);
  } catch {
    return "?";
  }
}

/// Waits until the text of `selector` changes after `act`; gives the milliseconds it took.
async function timed(page, selector, act) {
  const before = await page.textContent(selector);
  const t0 = Date.now();
  await act();
  await page.waitForFunction(([s, b]) => document.querySelector(s).textContent !== b, [selector, before], { timeout: 60000 });
  return Date.now() - t0;
}

/// The stress preset as fast as possible for `seconds`, then paused: step back 6 times (the ←
/// key), a click at 37% of the timeline, step back 4 times.
async function timeTravel(browser, url, seconds) {
  const page = await browser.context.newPage();
  await page.goto(`${url}__blank`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(`${url}#preset=stress&at_us=0&playing=0`);
  await page.waitForSelector('.preset.current[data-preset="stress"]');
  const speeds = await page.$$eval("#speed option", (o) => o.length);
  await page.selectOption("#speed", String(speeds - 1));
  await page.click("#play");
  await page.waitForTimeout(seconds * 1000);
  await page.click("#play");
  await page.waitForTimeout(500);
  const clock = await page.textContent("#clock");
  const mb = chromiumMb();
  const back = [];
  for (let i = 0; i < 6; i++) back.push(await timed(page, "#steps", () => page.keyboard.press("ArrowLeft")));
  const box = await page.locator("#timeline").boundingBox();
  const seek = await timed(page, "#clock", () => page.mouse.click(box.x + box.width * 0.37, box.y + box.height / 2));
  const landed = await page.textContent("#clock");
  const after = [];
  for (let i = 0; i < 4; i++) after.push(await timed(page, "#steps", () => page.keyboard.press("ArrowLeft")));
  await page.close();
  return { clock, mb, back, seek, landed, after };
}

(async () => {
  const server = await serve(path.join(__dirname, "..", "dist"));
  const browser = await launch();
  try {
    const paint = await firstPaint(browser, server.url);
    console.log(`first contentful paint: ${paint.fcp.toFixed(0)} ms; first canvas frame: ${paint.canvas.toFixed(0)} ms; load event: ${paint.load.toFixed(0)} ms (loopback)`);
    const r = await stress(browser, server.url, 3, SECONDS);
    console.log(`stress preset, ${r.elapsed.toFixed(1)} s at 1x: ${r.fps.toFixed(1)} fps (target >= 55), script ${r.scriptMsPerFrame.toFixed(2)} ms per frame (target <= 3), ${r.meanDots.toFixed(0)} dots per frame on average, longest frame ${r.longestFrameMs.toFixed(0)} ms, view at ${r.clock}`);
    console.log(`  per frame (ms): ${r.phases}`);
    // "As fast as possible": a few milliseconds of simulation per frame.
    const f = await stress(browser, server.url, 10, 5);
    console.log(`as fast as possible, ${f.elapsed.toFixed(1)} s: ${f.fps.toFixed(1)} fps, script ${f.scriptMsPerFrame.toFixed(2)} ms per frame, view reached ${f.clock} (${f.events} events)`);
    const long = Number(process.env.BENCH_LONG_SECONDS || 30);
    const t = await timeTravel(browser, server.url, long);
    console.log(`as fast as possible, ${long} s: view reached ${t.clock}, largest Chromium process ${t.mb} MB`);
    console.log(`  then step back: ${t.back.join(", ")} ms; seek to 37% of the timeline: ${t.seek} ms (to ${t.landed}); step back from there: ${t.after.join(", ")} ms`);
    if (browser.errors.length) console.log(`console errors: ${browser.errors.join("; ")}`);
  } finally {
    await browser.close();
    await server.close();
  }
})();
