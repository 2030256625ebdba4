// Child process of `npm run bench:camera`: a camera armed with no trigger, as the agent holds it between frames.
// Mode "agent": the agent's GstreamerCamera. Mode "before": the pipeline and pull loop of the camera adapter before
// frames stayed in the source's format (b9bdb3f): every frame decoded, converted to RGB, scaled and copied into Node.
// Prints "ready" once the first frame has arrived, then "frames N" (frames decoded so far) every 200 ms; runs until
// SIGTERM. The "before" pipeline has a pass-through videorate added after the decoder, only to count its frames.
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { GstreamerCamera } from '../../agent/adapters/gstreamerCamera.ts';

const [mode, url, size] = process.argv.slice(2);
if ((mode !== 'agent' && mode !== 'before') || !url) {
  process.stderr.write('usage: cameraArmed.ts agent|before RTSP_URL [WxH]\n');
  process.exit(2);
}
const [width, height] = (size ?? '1920x1080').split('x').map(Number) as [number, number];
const fps = 5;

if (mode === 'agent') {
  const camera = new GstreamerCamera({ source: 'rtsp', url, fps, width, height, watchdogMs: 20_000 }, pino({ level: 'warn' }));
  await camera.start(new AbortController().signal);
  await camera.grab(20_000);
  process.stdout.write('ready\n');
  setInterval(() => process.stdout.write(`frames ${camera.counts().delivered}\n`), 200);
  process.once('SIGTERM', () => void camera.stop().then(() => process.exit(0)));
} else {
  const gst = createRequire(import.meta.url)('gstreamer-superficial') as typeof import('gstreamer-superficial');
  const pipeline = new gst.Pipeline(
    `rtspsrc location="${url}" latency=200 ! decodebin ! videorate name=rate ! videoconvert ! videoscale` +
      ` ! video/x-raw,format=RGB,width=${width},height=${height},pixel-aspect-ratio=1/1 ! appsink name=sink max-buffers=1 drop=true sync=false`,
  );
  const sink = pipeline.findChild('sink') as unknown as import('gstreamer-superficial').AppSink;
  const rate = pipeline.findChild('rate') as unknown as { in: unknown };
  setInterval(() => process.stdout.write(`frames ${Number(rate.in)}\n`), 200);
  pipeline.play();
  let ready = false;
  const pull = (): void =>
    sink.pull((buf) => {
      if (!buf) return;
      if (!ready) process.stdout.write('ready\n');
      ready = true;
      pull();
    });
  pull();
  process.once('SIGTERM', () => process.exit(0));
}
// Keep the process alive while the camera runs (its threads do not hold the event loop).
setInterval(() => {}, 60_000);
