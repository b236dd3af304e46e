// The web demo in a real browser: serves web/dist on localhost, opens it in Debian's headless
// Chromium (software WebGL2 through SwiftShader), waits until the page reports 5 s of
// simulation, checks that the followed humanoid is still standing, saves a screenshot and
// prints the time to the first frame and the frame rate.
//
//   node web/test.mjs [screenshot.png]        (after web/build.sh; default docs/web_demo.png)
//
// The page reports through its title: "… | sim 5.03 s | pelvis 0.891 m | lowest 0.802 m |
// resets 0 | frames 123" (see src/bin/web_demo.rs).
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const screenshot = process.argv[2] ?? "docs/web_demo.png";
const SIM_SECONDS = 5;
// A standing humanoid's pelvis is ~0.9 m up; lying on the ground it is below 0.3 m.
const STANDING = 0.6;

const server = await serve(0);
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
  ],
});
let failed = null;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.on("console", (m) => {
    if (process.env.WEB_TEST_VERBOSE || m.type() === "error" || m.type() === "warning") {
      console.log(`page ${m.type()}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
  const t0 = Date.now();
  await page.goto(url);
  const report = async () => {
    const title = await page.title();
    const num = (key) => {
      const m = new RegExp(`${key} (-?[0-9.]+|NaN)`).exec(title);
      return m ? Number(m[1]) : NaN;
    };
    return { title, sim: num("sim"), pelvis: num("pelvis"), lowest: num("lowest"), frames: num("frames"), resets: num("resets") };
  };
  await page.waitForFunction(
    (s) => {
      const m = / sim ([0-9.]+) s/.exec(document.title);
      return (m && Number(m[1]) >= s) || document.title.includes("error");
    },
    SIM_SECONDS,
    { timeout: 300_000, polling: 250 },
  );
  const at5 = await report();
  const loadS = (Date.now() - t0) / 1000;
  const firstFrameMs = await page.evaluate(() => window.bevyMimic?.firstFrameMs);
  console.log(`web: ${at5.title}`);
  console.log(`web: ${SIM_SECONDS} s simulated after ${loadS.toFixed(1)} s; first frame ${(firstFrameMs / 1000).toFixed(2)} s after the page started`);
  // Frame rate over the next 10 s of wall time.
  const before = await report();
  const w0 = Date.now();
  await page.waitForTimeout(10_000);
  const after = await report();
  const fps = (after.frames - before.frames) / ((Date.now() - w0) / 1000);
  const simRate = (after.sim - before.sim) / ((Date.now() - w0) / 1000);
  console.log(`web: ${fps.toFixed(1)} frames/s, ${simRate.toFixed(2)} simulated s per wall s`);
  await page.screenshot({ path: screenshot });
  console.log(`web: screenshot ${screenshot}`);
  if (!(at5.pelvis > STANDING && at5.lowest > STANDING && at5.resets === 0)) {
    failed = `the humanoid did not stay up for ${SIM_SECONDS} s: pelvis ${at5.pelvis} m, lowest ${at5.lowest} m, resets ${at5.resets}`;
  }
  if (!(after.frames > before.frames)) failed = "the page stopped drawing frames";
} catch (e) {
  failed = String(e);
} finally {
  await browser.close();
  server.close();
}
if (failed) {
  console.error(`web test FAILED: ${failed}`);
  process.exit(1);
}
console.log("web test passed");
