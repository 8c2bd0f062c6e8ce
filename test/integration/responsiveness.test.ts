import * as assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MessageType } from '../../src/protocol';
import { closePanel, generate, intervalLateness, openPanel, recordMeasurement, recordTimings, SMALL } from './pndmHelpers';

describe('PNDM: responsiveness and throughput (measurements)', function () {
  this.timeout(600_000);
  after(closePanel);

  it('time to first frame, cold (new worker) and warm (cached session)', async () => {
    await closePanel();
    const panel = await openPanel(); // a fresh worker; loading the model warms only the 'auto' session
    const cold = await generate(panel, { ...SMALL, samples: 81, steps: 10, provider: 'cpu' });
    const warm = await generate(panel, { ...SMALL, samples: 81, steps: 10, provider: 'cpu' });
    const first = (r: typeof cold) => r.frameTimes[0] - r.started;
    const firstDenoised = (r: typeof cold) => r.frameTimes[r.frames.findIndex((f) => f.progress.nfe >= 1)] - r.started;
    await recordTimings(
      'firstFrame',
      {
        coldMs: first(cold),
        warmMs: first(warm),
        coldFirstDenoisedMs: firstDenoised(cold),
        warmFirstDenoisedMs: firstDenoised(warm),
        samples: 81,
        sampler: 'f-pndm',
      },
      { warmMs: { goal: 1000, sanity: 10_000 }, warmFirstDenoisedMs: { goal: 1000, sanity: 10_000 } },
    );
  });

  it('fast steps are throttled to ≤ 20 frames a second at the host, the final frame always delivered', async () => {
    const panel = await openPanel();
    const run = await generate(panel, { ...SMALL, sampler: 'ddim', samples: 1, steps: 300 });
    assert.equal(run.end.type, MessageType.RunFinished);
    const gaps = run.frameTimes.slice(1).map((t, i) => t - run.frameTimes[i]);
    const seconds = (run.frameTimes[run.frameTimes.length - 1] - run.frameTimes[0]) / 1000;
    let busiest = 0; // most frames in any one-second window
    for (let i = 0; i < run.frameTimes.length; i++) {
      let j = i;
      while (j < run.frameTimes.length && run.frameTimes[j] - run.frameTimes[i] < 1000) j++;
      busiest = Math.max(busiest, j - i);
    }
    await recordMeasurement('throttle', {
      steps: 300,
      frames: run.frames.length,
      seconds,
      framesPerSecond: (run.frames.length - 1) / Math.max(seconds, 1e-3),
      busiestSecondFrames: busiest,
      minFrameGapMs: Math.min(...gaps),
    });
    assert.equal(run.frames[run.frames.length - 1].final, true);
    // the throttle's guarantee on its own clock; the gaps seen by the test's listener add up to ~1 ms of jitter
    assert.ok(run.throttleMinGapMs! >= 50, `two frames ${run.throttleMinGapMs} ms apart at the throttle`);
    assert.ok(busiest <= 20, `${busiest} frames within one second`);
  });

  it('the extension host stays responsive during a run; frames ≤ 20/s; wall/model time', async () => {
    const panel = await openPanel();
    await panel.model.ready;
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    let run: Awaited<ReturnType<typeof generate>> | undefined;
    histogram.enable();
    const lateness = await intervalLateness(async () => {
      run = await generate(panel, { ...SMALL, sampler: 'ddim', samples: 81, steps: 20, provider: 'auto' });
    });
    histogram.disable();
    assert.ok(run && run.end.type === MessageType.RunFinished);
    const p99 = histogram.percentile(99) / 1e6;
    const seconds = (run.frameTimes[run.frameTimes.length - 1] - run.frameTimes[0]) / 1000;
    let minGap = Infinity;
    for (let i = 1; i < run.frameTimes.length; i++) minGap = Math.min(minGap, run.frameTimes[i] - run.frameTimes[i - 1]);
    const summary = run.summary!;
    await recordTimings(
      'responsiveness',
      {
        eventLoopDelayP99Ms: p99,
        eventLoopLatenessP99Ms: p99 - 10, // the histogram records whole 10 ms intervals
        eventLoopDelayMaxMs: histogram.max / 1e6,
        intervalLatenessP99Ms: lateness.p99,
        intervalLatenessMaxMs: lateness.max,
        intervalTicks: lateness.ticks,
        frames: run.frames.length,
        framesPerSecond: (run.frames.length - 1) / Math.max(seconds, 1e-3),
        minFrameGapMs: minGap,
        workerWallOverModel: summary.wallMs / summary.modelMs,
        hostWallOverModel: (run.ended - run.started) / summary.modelMs,
        modelCalls: summary.nfe,
        provider: summary.provider,
      },
      {
        eventLoopLatenessP99Ms: { goal: 20, sanity: 200 },
        intervalLatenessP99Ms: { goal: 20, sanity: 200 },
        workerWallOverModel: { goal: 1.05, sanity: 1.5 },
      },
    );
    // the throttle's own guarantee (timers never fire early), not a speed: asserted exactly, on its own
    // clock (the listener's times above carry up to ~1 ms of jitter: 48.7 ms was seen in CI)
    assert.ok(run.throttleMinGapMs! >= 50, `two frames ${run.throttleMinGapMs} ms apart at the throttle`);
  });
});
