// The web demo in a real browser: serves web/dist on localhost and opens it in Debian's
// headless Chromium (software WebGL2 through SwiftShader), once per demo:
//   - steering (the default page): waits until the page reports 5 s of simulation, checks that
//     the followed humanoid is still standing, prints the time to the first frame and the frame
//     rate, then clicks on the ground and checks that the humanoid walks there, then pushes it
//     over (the P key) and checks that it stands up again;
//   - skills (`?demo=skills`): the same standing check on ASE's skills.
// It saves a screenshot of each.
//
//   node web/test.mjs [screenshot.png]   (after web/build.sh; default docs/web_demo.png; the
//                                         skills demo's goes beside it, *_skills.png)
//
// The page reports through its title: "… | sim 5.03 s | pelvis 0.891 m | lowest 0.802 m |
// target 2.41 m | resets 0 | falls 0 | risen 0 | frames 123" (see src/bin/web_demo.rs).
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const screenshot = process.argv[2] ?? "docs/web_demo.png";
const SIM_SECONDS = 5;
// A standing humanoid's pelvis is ~0.9 m up; lying on the ground it is below 0.3 m.
const STANDING = 0.6;
// Click-to-walk: the clicked point must be this far at the click and this close afterwards,
// within this much simulated time.
const CLICK_FAR = 1.5;
const REACHED = 0.75;
const WALK_SECONDS = 15;
// Pushed over (the P key: 12 m/s sideways, up to this many tries 2 simulated s apart), the
// followed humanoid must stand up again within this much simulated time (the tracker tries
// three times, about 6 s each, before play mode puts it back at its start).
const PUSH_TRIES = 6;
const RISE_SECONDS = 20;

const server = await serve(0);
const base = `http://127.0.0.1:${server.address().port}/`;
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

async function openDemo(query) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.on("console", (m) => {
    if (process.env.WEB_TEST_VERBOSE || m.type() === "error" || m.type() === "warning") {
      console.log(`page ${m.type()}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
  const t0 = Date.now();
  await page.goto(base + query);
  const report = async () => {
    const title = await page.title();
    const num = (key) => {
      const m = new RegExp(`${key} (-?[0-9.]+|NaN)`).exec(title);
      return m ? Number(m[1]) : NaN;
    };
    return {
      title, sim: num("sim"), pelvis: num("pelvis"), lowest: num("lowest"), target: num("target"),
      frames: num("frames"), resets: num("resets"), falls: num("falls"), risen: num("risen"),
    };
  };
  const waitSim = (s) =>
    page.waitForFunction(
      (s) => {
        const m = / sim ([0-9.]+) s/.exec(document.title);
        return (m && Number(m[1]) >= s) || document.title.includes("error");
      },
      s,
      { timeout: 300_000, polling: 250 },
    );
  await waitSim(SIM_SECONDS);
  const at5 = await report();
  const loadS = (Date.now() - t0) / 1000;
  const firstFrameMs = await page.evaluate(() => window.bevyMimic?.firstFrameMs);
  console.log(`web${query}: ${at5.title}`);
  console.log(`web${query}: ${SIM_SECONDS} s simulated after ${loadS.toFixed(1)} s; first frame ${(firstFrameMs / 1000).toFixed(2)} s after the page started`);
  if (!(at5.pelvis > STANDING && at5.lowest > STANDING && at5.resets === 0)) {
    throw new Error(`${query || "steering"}: the humanoid did not stay up for ${SIM_SECONDS} s: pelvis ${at5.pelvis} m, lowest ${at5.lowest} m, resets ${at5.resets}`);
  }
  return { page, report, waitSim };
}

async function frameRate(report, page) {
  const before = await report();
  const w0 = Date.now();
  await page.waitForTimeout(10_000);
  const after = await report();
  const fps = (after.frames - before.frames) / ((Date.now() - w0) / 1000);
  const simRate = (after.sim - before.sim) / ((Date.now() - w0) / 1000);
  console.log(`web: ${fps.toFixed(1)} frames/s, ${simRate.toFixed(2)} simulated s per wall s`);
  if (!(after.frames > before.frames)) throw new Error("the page stopped drawing frames");
}

let failed = null;
try {
  // Steering: stand, then walk to a clicked point on the ground right of and beyond the
  // centre (the panel is on the left).
  const steering = await openDemo("");
  await frameRate(steering.report, steering.page);
  await steering.page.mouse.click(0.85 * 1280, 0.62 * 720);
  await steering.page.waitForFunction(() => !/ target NaN /.test(document.title), null, { timeout: 60_000, polling: 250 });
  const clicked = await steering.report();
  console.log(`web: clicked; ${clicked.title}`);
  if (!(clicked.target > CLICK_FAR)) {
    throw new Error(`the clicked point is only ${clicked.target} m away (the click missed the ground?)`);
  }
  await steering.page.waitForFunction(
    ([end, near]) => {
      const sim = / sim ([0-9.]+) s/.exec(document.title);
      const target = / target ([0-9.]+) m/.exec(document.title);
      return (target && Number(target[1]) < near) || (sim && Number(sim[1]) >= end);
    },
    [clicked.sim + WALK_SECONDS, REACHED],
    { timeout: 600_000, polling: 250 },
  );
  const walked = await steering.report();
  console.log(`web: ${(walked.sim - clicked.sim).toFixed(2)} s after the click; ${walked.title}`);
  await steering.page.screenshot({ path: screenshot });
  console.log(`web: screenshot ${screenshot}`);
  if (!(walked.target < REACHED && walked.resets === 0)) {
    throw new Error(`click-to-walk: still ${walked.target} m from the point ${WALK_SECONDS} s after the click (from ${clicked.target} m), resets ${walked.resets}`);
  }

  // Push it over; the get-up tracker stands it up again.
  let pushed = walked;
  for (let i = 0; i < PUSH_TRIES && !(pushed.falls > walked.falls); i++) {
    await steering.page.keyboard.press("p");
    await steering.waitSim(pushed.sim + 2);
    pushed = await steering.report();
  }
  console.log(`web: pushed; ${pushed.title}`);
  if (!(pushed.falls > walked.falls)) {
    throw new Error(`${PUSH_TRIES} pushes (the P key) did not knock the humanoid over`);
  }
  await steering.page.waitForFunction(
    ([end, before]) => {
      const sim = / sim ([0-9.]+) s/.exec(document.title);
      const risen = / risen ([0-9]+) /.exec(document.title);
      return (risen && Number(risen[1]) > before) || (sim && Number(sim[1]) >= end);
    },
    [pushed.sim + RISE_SECONDS, walked.risen],
    { timeout: 600_000, polling: 250 },
  );
  const rose = await steering.report();
  console.log(`web: ${(rose.sim - pushed.sim).toFixed(2)} s after the fall; ${rose.title}`);
  if (!(rose.risen > walked.risen && rose.resets === 0)) {
    throw new Error(`pushed over, the humanoid did not stand up within ${RISE_SECONDS} s: ${rose.title}`);
  }
  await steering.page.close();

  // ASE's skills.
  const skills = await openDemo("?demo=skills");
  const shot = screenshot.replace(/\.png$/, "_skills.png");
  await skills.page.screenshot({ path: shot });
  console.log(`web: screenshot ${shot}`);
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
