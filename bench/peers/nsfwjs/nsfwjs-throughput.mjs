// Throughput of the nsfwjs classifier (MobileNetV2Mid, Vigil's default model) in its original
// runtime, Node + TensorFlow.js, on every backend that loads here. Prints one JSON document on
// stdout; progress goes to stderr.
//
//   node nsfwjs-throughput.mjs [--backends tensorflow,wasm-threads,wasm,cpu] [--batches 1,8,32]
//                              [--cpu-batches 1] [--seconds 5] [--warmup-seconds 2] [--photos FILE,...]
//
// --backends  tried in this order, each in its own Node process (a backend that fails to
//             initialise can leave TF.js unusable in its process): tensorflow is
//             @tensorflow/tfjs-node (native libtensorflow), wasm-threads is the WASM backend with
//             SIMD and its thread pool forced on, wasm is the WASM backend as TF.js configures it
//             in Node (SIMD when supported, one thread), cpu is the plain JavaScript kernels
// --batches   batch sizes of the model-only run: pre-made [n, 224, 224, 3] tensors of seeded
//             uniform [0, 1) values, model.predict and a read of the result, as many times as
//             fit in --seconds after --warmup-seconds
// --cpu-batches  the batch sizes for the cpu backend (default 1: it runs about 1 image/s on
//             two cores, so a batch of 32 would outlast any sensible --seconds)
// --photos    image files (JPEG, PNG) for the whole-classifier run: decode (jpeg-js or pngjs,
//             as nsfwjs's Node examples do; tf.node.decodeImage on the tensorflow backend),
//             then nsfwjs's own classify(), one image at a time, round robin; none skips it
//
// Output: { runtime: {...}, backends: { NAME: { available, error?, simd?, threads?,
//           tensors: [{ batch, images, calls, seconds, images_per_s }],
//           images?: { photos, images, seconds, images_per_s }, leaked_tensors } } }

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
// Library chatter (nsfwjs's model notice, TF.js's tfjs-node hint) must not reach stdout: stdout is the JSON.
console.log = console.info = console.warn = (...args) => console.error(...args);

const ALL_BACKENDS = ['tensorflow', 'wasm-threads', 'wasm', 'cpu'];
const MODEL = 'MobileNetV2Mid';
const SIZE = 224;

function options() {
  const { values } = parseArgs({
    options: {
      backends: { type: 'string', default: ALL_BACKENDS.join(',') },
      batches: { type: 'string', default: '1,8,32' },
      'cpu-batches': { type: 'string', default: '1' },
      seconds: { type: 'string', default: '5' },
      'warmup-seconds': { type: 'string', default: '2' },
      photos: { type: 'string', default: '' },
      child: { type: 'string' },
    },
  });
  const number = (name, value, min) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: ${value} (expected: a number >= ${min})`);
    return n;
  };
  const backends = values.backends.split(',').filter(Boolean);
  for (const b of backends) if (!ALL_BACKENDS.includes(b)) throw new Error(`--backends: ${b} (expected: some of ${ALL_BACKENDS.join(', ')})`);
  return {
    backends,
    batches: values.batches.split(',').filter(Boolean).map((b) => number('batches', b, 1)),
    cpuBatches: values['cpu-batches'].split(',').filter(Boolean).map((b) => number('cpu-batches', b, 1)),
    seconds: number('seconds', values.seconds, 0.1),
    warmupSeconds: number('warmup-seconds', values['warmup-seconds'], 0),
    photos: values.photos.split(',').filter(Boolean),
    child: values.child,
    raw: values,
  };
}

/** Mulberry32: the seeded generator reference.mjs uses for its synthetic inputs. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs one backend in this process; returns its result object. */
async function measureBackend(name, opts) {
  const tf = require('@tensorflow/tfjs');
  const result = { available: false };
  if (name === 'tensorflow') {
    require('@tensorflow/tfjs-node'); // throws when the package or its native library is missing
  } else if (name.startsWith('wasm')) {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    result.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    result.threads_supported = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    if (name === 'wasm-threads') {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      wasm.setThreadsCount(Number(process.env.VIGIL_BENCH_CORES) || 2);
    }
  }
  const backend = name.startsWith('wasm') ? 'wasm' : name;
  // TF.js logs why a backend failed to initialise and returns false; keep the first error line.
  const logged = [];
  const log = console.error;
  console.error = (...args) => { logged.push(args.join(' ')); log(...args); };
  const ok = await tf.setBackend(backend);
  console.error = log;
  if (!ok) {
    const cause = logged.find((l) => /Error/.test(l));
    throw new Error(`tf.setBackend('${backend}') failed${cause ? `: ${cause.split('\n')[0]}` : ''}`);
  }
  await tf.ready();
  if (name.startsWith('wasm')) result.threads = require('@tensorflow/tfjs-backend-wasm').getThreadsCount();
  const nsfwjs = require('nsfwjs');
  const t0 = Date.now();
  const nsfw = await nsfwjs.load(MODEL);
  result.load_ms = Date.now() - t0;
  const heldByModel = tf.memory().numTensors;
  result.available = true;
  result.tensors = [];
  for (const batch of name === 'cpu' ? opts.cpuBatches : opts.batches) {
    const next = mulberry32(1234 + batch);
    const values = new Float32Array(batch * SIZE * SIZE * 3);
    for (let i = 0; i < values.length; i++) values[i] = next();
    const input = tf.tensor4d(values, [batch, SIZE, SIZE, 3]);
    const call = async () => {
      const out = nsfw.model.predict(input);
      await out.data(); // the result must be read, or an async backend has only queued the work
      out.dispose();
    };
    const run = await timed(call, batch, opts);
    input.dispose();
    result.tensors.push({ batch, ...run });
    console.error(`nsfwjs ${name}: batch ${batch}: ${run.images_per_s.toFixed(1)} images/s (${run.calls} calls in ${run.seconds.toFixed(1)} s)`);
  }
  if (opts.photos.length > 0) {
    const encoded = opts.photos.map((p) => ({ path: p, bytes: readFileSync(p) }));
    let i = 0;
    const call = async () => {
      const photo = encoded[i++ % encoded.length];
      const image = name === 'tensorflow' ? require('@tensorflow/tfjs-node').node.decodeImage(photo.bytes, 3) : decodeRgb(tf, photo);
      await nsfw.classify(image);
      image.dispose();
    };
    const run = await timed(call, 1, opts);
    result.images = { photos: encoded.length, ...run };
    console.error(`nsfwjs ${name}: photos: ${run.images_per_s.toFixed(1)} images/s (decode + classify, one at a time)`);
  }
  result.leaked_tensors = tf.memory().numTensors - heldByModel;
  return result;
}

/** Calls {@code call} for warm-up seconds, then counts the images it finishes in the measured seconds. */
async function timed(call, imagesPerCall, opts) {
  await call(); // first call builds the kernels; never measured
  const warmEnd = performance.now() + opts.warmupSeconds * 1000;
  while (performance.now() < warmEnd) await call();
  let calls = 0;
  const start = performance.now();
  const end = start + opts.seconds * 1000;
  let now = start;
  while (now < end) {
    await call();
    calls++;
    now = performance.now();
  }
  const seconds = (now - start) / 1000;
  return { images: calls * imagesPerCall, calls, seconds, images_per_s: (calls * imagesPerCall) / seconds };
}

/** RGB int32 [h, w, 3] as tf.browser.fromPixels would give nsfwjs: alpha dropped, grey replicated. */
function decodeRgb(tf, photo) {
  let decoded;
  if (/\.png$/i.test(photo.path)) {
    const { PNG } = require('pngjs');
    decoded = PNG.sync.read(photo.bytes);
  } else {
    decoded = require('jpeg-js').decode(photo.bytes, { useTArray: true, formatAsRGBA: true });
  }
  const { width, height, data } = decoded;
  const rgb = new Int32Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    rgb[3 * p] = data[4 * p];
    rgb[3 * p + 1] = data[4 * p + 1];
    rgb[3 * p + 2] = data[4 * p + 2];
  }
  return tf.tensor3d(rgb, [height, width, 3], 'int32');
}

/** The version of an installed package, from the package.json above its entry point (exports may hide it). */
function installedVersion(name) {
  try {
    let dir = dirname(require.resolve(name));
    while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
      if (dirname(dir) === dir) return null;
      dir = dirname(dir);
    }
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

async function main() {
  const opts = options();
  if (opts.child) {
    let result;
    try {
      result = await measureBackend(opts.child, opts);
    } catch (e) {
      result = { available: false, error: String(e && e.message ? e.message : e).split('\n')[0] };
    }
    process.stdout.write(JSON.stringify(result));
    process.exit(0);
  }
  const self = fileURLToPath(import.meta.url);
  const backends = {};
  for (const name of opts.backends) {
    console.error(`nsfwjs: backend ${name} ...`);
    const args = [self, '--child', name, '--batches', opts.raw.batches, '--cpu-batches', opts.raw['cpu-batches'], '--seconds', opts.raw.seconds,
      '--warmup-seconds', opts.raw['warmup-seconds'], '--photos', opts.raw.photos];
    const child = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    try {
      backends[name] = JSON.parse(child.stdout);
    } catch {
      backends[name] = { available: false, error: `child exited with status ${child.status}, signal ${child.signal}` };
    }
    if (!backends[name].available) console.error(`nsfwjs: backend ${name} unavailable: ${backends[name].error}`);
  }
  const doc = {
    runtime: {
      model: `nsfwjs ${MODEL}`,
      nsfwjs: installedVersion('nsfwjs'),
      tfjs: installedVersion('@tensorflow/tfjs'),
      tfjs_backend_wasm: installedVersion('@tensorflow/tfjs-backend-wasm'),
      tfjs_node: installedVersion('@tensorflow/tfjs-node'),
      node: process.version,
    },
    settings: { batches: opts.batches, cpu_batches: opts.cpuBatches, seconds: opts.seconds, warmup_seconds: opts.warmupSeconds, photos: opts.photos.length },
    backends,
  };
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

main().catch((e) => {
  console.error(`nsfwjs-throughput: ${e.message}`);
  process.exit(2);
});
