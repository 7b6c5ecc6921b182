// Runs Vigil's default models in their original runtime (Node + TensorFlow.js, CPU
// backend) and writes reference inputs and outputs for the Java fidelity tests.
//
//   node reference.mjs --nsfwjs DIR --human DIR --photos DIR|FILE[,...] --out DIR
//                      [--models key,...] [--max-photos N] [--seed N]
//
// --nsfwjs   unpacked nsfwjs@4.4.0 package (holds dist/models/); default: the installed one
// --human    unpacked @vladmandic/human@3.3.6 package, or its models/ folder
// --photos   folders or files (.jpg, .jpeg, .png), comma separated; each model takes up to
//            --max-photos of them (default 4), one from each entry in turn, in name order
// --out      output folder; gets one folder per model key with cases.json and *.f32 files
// --models   subset of: nsfw-mobilenet-v2-mid, nsfw-mobilenet-v2, nsfw-inception-v3,
//            blazeface, faceres (default: all)
// --seed     seed of the first synthetic case (default 1234); case i uses seed + i
//
// Preprocessing follows the original libraries op for op; README.md cites the sources.
// Everything this script prints goes to stderr.

import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { endianness } from 'node:os';
import { parseArgs } from 'node:util';

// One CommonJS instance of TensorFlow.js, shared with nsfwjs (an ES import could load a
// second copy with its own engine and backend registry).
const require = createRequire(import.meta.url);
// Library chatter (nsfwjs's "You're using the model", tfjs's tfjs-node hint) goes to stderr.
console.log = console.info = (...args) => console.error(...args);
const tf = require('@tensorflow/tfjs');
const nsfwjsCore = require('nsfwjs/core');
const { DEFAULT_MODELS } = require(join(dirname(require.resolve('nsfwjs')), 'default_models.js'));

const SYNTHETIC_CASES = 3;

/** nsfwjs model name and folder under dist/models for each Vigil model key. */
const NSFW_MODELS = {
  'nsfw-mobilenet-v2-mid': { name: 'MobileNetV2Mid', folder: 'mobilenet_v2_mid' },
  'nsfw-mobilenet-v2': { name: 'MobileNetV2', folder: 'mobilenet_v2' },
  'nsfw-inception-v3': { name: 'InceptionV3', folder: 'inception_v3' },
};
const ALL_KEYS = [...Object.keys(NSFW_MODELS), 'blazeface', 'faceres'];

// @vladmandic/human 3.3.6 default configuration (src/config.ts) for the face path.
const HUMAN = {
  version: '3.3.6',
  detectorMaxDetected: 1, // face.detector.maxDetected
  detectorIouThreshold: 0.1, // face.detector.iouThreshold
  detectorMinConfidence: 0.2, // face.detector.minConfidence
  detectorScale: 1.4, // face.detector.scale: box enlargement
  detectorMinSize: 0, // face.detector.minSize
  // face.mesh.enabled is true, so the face crop is made at the FaceMesh input size
  // (src/face/facemesh.ts: correctFaceRotation(..., inputSize)); facemesh.json: [-1,192,192,3].
  meshInputSize: 192,
};

function usage(message) {
  console.error(`${message}\nusage: node reference.mjs --nsfwjs DIR --human DIR --photos DIR|FILE[,...] --out DIR`
    + ` [--models ${ALL_KEYS.join(',')}] [--max-photos N] [--seed N]`);
  process.exit(2);
}

function parseCli() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        nsfwjs: { type: 'string' },
        human: { type: 'string' },
        photos: { type: 'string' },
        out: { type: 'string' },
        models: { type: 'string' },
        'max-photos': { type: 'string', default: '4' },
        seed: { type: 'string', default: '1234' },
      },
    }));
  } catch (e) {
    usage(e.message);
  }
  const keys = values.models ? values.models.split(',').map((k) => k.trim()).filter(Boolean) : ALL_KEYS;
  for (const key of keys) if (!ALL_KEYS.includes(key)) usage(`--models: ${key} (expected one of: ${ALL_KEYS.join(', ')})`);
  const needsHuman = keys.includes('blazeface') || keys.includes('faceres');
  if (needsHuman && !values.human) usage('--human is required for blazeface and faceres');
  if (!values.out) usage('--out is required');
  const maxPhotos = Number(values['max-photos']);
  if (!Number.isInteger(maxPhotos) || maxPhotos < 0) usage(`--max-photos: ${values['max-photos']} (expected: integer >= 0)`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff - SYNTHETIC_CASES) usage(`--seed: ${values.seed} (expected: integer in [0, 2^32 - ${SYNTHETIC_CASES + 1}])`);
  const installedNsfwjs = dirname(dirname(dirname(require.resolve('nsfwjs'))));
  const nsfwjsDir = values.nsfwjs ? resolve(values.nsfwjs) : installedNsfwjs;
  if (keys.some((k) => NSFW_MODELS[k])) {
    // The loader code is the installed nsfwjs; the model files must come from the same release.
    const installed = readPackageVersion(installedNsfwjs, 'nsfwjs');
    const given = readPackageVersion(nsfwjsDir, 'nsfwjs');
    if (given !== installed) usage(`--nsfwjs: ${nsfwjsDir} holds nsfwjs ${given} (expected: ${installed})`);
  }
  if (needsHuman) {
    // The preprocessing below is ported from this release; a models/ folder alone is taken on trust.
    const root = humanModelsDir(resolve(values.human));
    const pkg = join(root, '..', 'package.json');
    if (existsSync(pkg)) {
      const version = readPackageVersion(dirname(pkg), '@vladmandic/human');
      if (version !== HUMAN.version) usage(`--human: ${dirname(pkg)} holds @vladmandic/human ${version} (expected: ${HUMAN.version})`);
    }
  }
  return {
    keys,
    nsfwjsDir,
    humanModelsDir: values.human ? humanModelsDir(resolve(values.human)) : null,
    photos: values.photos ? listPhotos(values.photos.split(',').filter(Boolean), maxPhotos) : [],
    out: resolve(values.out),
    seed,
  };
}

/** The version in dir/package.json, or a description of what is there instead. */
function readPackageVersion(dir, name) {
  const path = join(dir, 'package.json');
  if (!existsSync(path)) return 'no package.json';
  const pkg = JSON.parse(readFileSync(path, 'utf8'));
  return pkg.name === name ? pkg.version : `a package named ${pkg.name}`;
}

function humanModelsDir(dir) {
  for (const candidate of [join(dir, 'models'), dir]) {
    if (existsSync(join(candidate, 'blazeface.json'))) return candidate;
  }
  return usage(`--human: ${dir} (expected: a folder holding models/blazeface.json or blazeface.json)`);
}

/** Up to max photos, taking one from each entry in turn so that every entry is represented. */
function listPhotos(entries, max) {
  const lists = entries.map((entry) => {
    const path = resolve(entry);
    if (!existsSync(path)) usage(`--photos: ${entry} does not exist`);
    if (statSync(path).isFile()) return [path];
    return readdirSync(path).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => join(path, f));
  });
  const picked = [];
  for (let i = 0; picked.length < max && lists.some((l) => i < l.length); i++) {
    for (const list of lists) if (i < list.length && picked.length < max) picked.push(list[i]);
  }
  return picked;
}

// ---------------------------------------------------------------- inputs

/** mulberry32: a small deterministic PRNG, uniform in [0, 1). */
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

function syntheticInput(shape, lo, hi, seed) {
  const next = mulberry32(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = lo + (hi - lo) * next();
  return tf.tensor(values, shape, 'float32');
}

/**
 * Decodes a JPEG or PNG into an int32 [height, width, 3] RGB tensor, as tf.browser.fromPixels
 * gives nsfwjs: alpha is dropped (not composited), grey is replicated, EXIF orientation ignored.
 */
function decodeRgb(path) {
  const bytes = readFileSync(path);
  let width;
  let height;
  let rgba;
  if (/\.png$/i.test(path)) {
    const { PNG } = require('pngjs');
    ({ width, height, data: rgba } = PNG.sync.read(bytes));
  } else {
    const jpeg = require('jpeg-js');
    ({ width, height, data: rgba } = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true }));
  }
  const rgb = new Int32Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    rgb[3 * p] = rgba[4 * p];
    rgb[3 * p + 1] = rgba[4 * p + 1];
    rgb[3 * p + 2] = rgba[4 * p + 2];
  }
  return tf.tensor3d(rgb, [height, width, 3], 'int32');
}

function photoStem(path) {
  return basename(path, extname(path));
}

// ---------------------------------------------------------------- output

/** Writes cases.json and the raw little-endian float32 files of one model. */
class CaseWriter {
  constructor(outDir, key, preprocessing) {
    this.dir = join(outDir, key);
    mkdirSync(this.dir, { recursive: true });
    this.doc = {
      model: key,
      runtime: { tfjs: tf.version.tfjs, backend: tf.getBackend(), node: process.version },
      preprocessing,
      cases: [],
    };
  }

  add({ name, kind, seed = null, source = null, inputName, input, outputs }) {
    const inputFile = `${name}.input.f32`;
    writeF32(join(this.dir, inputFile), input);
    const outs = {};
    Object.entries(outputs).forEach(([outputName, tensor], i) => {
      const file = `${name}.out${i}.f32`;
      writeF32(join(this.dir, file), tensor);
      outs[outputName] = { shape: tensor.shape, file };
    });
    this.doc.cases.push({
      name, kind, seed, source,
      input: { name: inputName, shape: input.shape, file: inputFile },
      outputs: outs,
    });
  }

  finish() {
    writeJson(join(this.dir, 'cases.json'), this.doc);
  }
}

/** Pretty JSON with arrays of numbers (shapes, points) kept on one line. */
function writeJson(path, doc) {
  const text = JSON.stringify(doc, null, 2)
    .replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, inner) => `[${inner.split(/,\s*/).join(', ')}]`);
  writeFileSync(path, `${text}\n`);
}

function writeF32(path, tensor) {
  if (tensor.dtype !== 'float32') throw new Error(`${path}: dtype ${tensor.dtype} (expected: float32)`);
  const data = tensor.dataSync();
  const buffer = Buffer.alloc(data.length * 4);
  if (endianness() === 'LE') Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(buffer);
  else data.forEach((v, i) => buffer.writeFloatLE(v, i * 4));
  writeFileSync(path, buffer);
}

function log(message) {
  console.error(`[reference] ${message}`);
}

function summary(tensor) {
  const data = tensor.dataSync();
  const head = Array.from(data.slice(0, 5), (v) => v.toPrecision(4)).join(', ');
  return `[${tensor.shape}] ${head}${data.length > 5 ? ', ...' : ''}`;
}

// ---------------------------------------------------------------- nsfwjs

/**
 * Loads an nsfwjs model through nsfwjs's own loader (core.load: JSONHandler, then
 * tf.loadLayersModel or tf.loadGraphModel), with the model and weight bundles read from
 * the given package folder instead of the installed copy.
 */
async function loadNsfw(nsfwjsDir, key) {
  const { name, folder } = NSFW_MODELS[key];
  const def = DEFAULT_MODELS.find((m) => m.name === name);
  const dir = join(nsfwjsDir, 'dist', 'models', folder);
  const load = (file) => async () => ({ default: require(join(dir, file)) });
  const modelDefinitions = [{
    ...def,
    modelJson: load('model.min.js'),
    weightBundles: Array.from({ length: def.numOfWeightBundles },
      (_, i) => load(`group1-shard${i + 1}of${def.numOfWeightBundles}.min.js`)),
  }];
  return nsfwjsCore.load(name, { modelDefinitions });
}

async function runNsfw(config, key, writer) {
  const started = Date.now();
  const nsfw = await loadNsfw(config.nsfwjsDir, key);
  const size = nsfw.options.size;
  const model = nsfw.model;
  const isGraph = model.executor != null;
  const inputName = isGraph ? model.inputs[0].name : model.inputNames[0];
  const outputNames = isGraph ? Object.keys(model.modelSignature.outputs) : model.outputNames;
  log(`${key}: nsfwjs ${NSFW_MODELS[key].name} (${isGraph ? 'graph' : 'layers'} model), size ${size}, `
    + `input ${inputName}, outputs ${outputNames}, loaded in ${Date.now() - started} ms`);
  const predict = (batched) => {
    const result = model.predict(batched);
    const list = Array.isArray(result) ? result : [result];
    if (list.length !== outputNames.length) throw new Error(`${key}: ${list.length} outputs (expected: ${outputNames.length})`);
    return Object.fromEntries(outputNames.map((n, i) => [n, list[i]]));
  };

  for (let i = 0; i < SYNTHETIC_CASES; i++) {
    const seed = config.seed + i;
    const t0 = Date.now();
    tf.tidy(() => {
      const input = syntheticInput([1, size, size, 3], 0, 1, seed);
      const outputs = predict(input);
      writer.add({ name: `synthetic-${i}`, kind: 'synthetic', seed, inputName, input, outputs });
      log(`${key}: synthetic-${i} seed ${seed}: ${summary(Object.values(outputs)[0])} (${Date.now() - t0} ms)`);
    });
  }

  for (const photo of config.photos) {
    const t0 = Date.now();
    const image = decodeRgb(photo);
    tf.tidy(() => {
      // NSFWJS.infer (dist/cjs/core.js), op for op.
      const normalized = image.toFloat().div(tf.scalar(255));
      const resized = (image.shape[0] !== size || image.shape[1] !== size)
        ? tf.image.resizeBilinear(normalized, [size, size], true)
        : normalized;
      const batched = resized.reshape([1, size, size, 3]);
      const outputs = predict(batched);
      // The copy above must be what nsfwjs itself feeds the model.
      const viaLibrary = nsfw.infer(image);
      const diff = tf.max(tf.abs(tf.sub(viaLibrary, Object.values(outputs)[0]))).dataSync()[0];
      if (diff !== 0) throw new Error(`${key}: ${photo}: NSFWJS.infer differs from the copied preprocessing by ${diff}`);
      const name = `photo-${photoStem(photo)}`;
      writer.add({ name, kind: 'photo', source: basename(photo), inputName, input: batched, outputs });
      log(`${key}: ${name} ${image.shape[1]}x${image.shape[0]}: ${summary(Object.values(outputs)[0])} (${Date.now() - t0} ms)`);
    });
    image.dispose();
  }
  nsfw.dispose();
}

// ---------------------------------------------------------------- human

async function loadHumanGraph(modelsDir, name) {
  const path = join(modelsDir, `${name}.json`);
  const json = JSON.parse(readFileSync(path, 'utf8'));
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = [];
    const buffers = [];
    for (const group of manifest) {
      for (const p of group.paths) buffers.push(readFileSync(join(modelsDir, p)));
      specs.push(...group.weights);
    }
    const all = Buffer.concat(buffers);
    return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)];
  });
  const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  const signature = json.signature ?? json.userDefinedMetadata?.signature;
  const outputNames = Object.keys(signature.outputs)
    .sort();
  const placeholders = json.modelTopology.node.filter((n) => n.op === 'Placeholder');
  if (placeholders.length !== 1) throw new Error(`${path}: ${placeholders.length} placeholders (expected: 1)`);
  return { model, inputName: placeholders[0].name, outputNames };
}

function executeAll(graph, input) {
  const result = graph.model.execute(input, graph.outputNames);
  return Object.fromEntries(graph.outputNames.map((n, i) => [n, result[i]]));
}

/** BlazeFace anchors: src/face/facemeshutil.ts generateAnchors, for input size 256. */
function generateAnchors(inputSize) {
  const spec = { strides: [inputSize / 16, inputSize / 8], anchors: [2, 6] };
  const anchors = [];
  for (let i = 0; i < spec.strides.length; i++) {
    const stride = spec.strides[i];
    const gridRows = Math.floor((inputSize + stride - 1) / stride);
    const gridCols = Math.floor((inputSize + stride - 1) / stride);
    for (let gridY = 0; gridY < gridRows; gridY++) {
      const anchorY = stride * (gridY + 0.5);
      for (let gridX = 0; gridX < gridCols; gridX++) {
        const anchorX = stride * (gridX + 0.5);
        for (let n = 0; n < spec.anchors[i]; n++) anchors.push([anchorX, anchorY]);
      }
    }
  }
  return anchors;
}

/** src/face/blazeface.ts getBoxes: the normalised detector input (square: false, no padding). */
function blazefaceInput(image4d, inputSize) {
  return tf.tidy(() => {
    const resized = tf.image.resizeBilinear(image4d, [inputSize, inputSize]);
    return tf.sub(tf.div(resized, tf.scalar(127.5)), tf.scalar(1));
  });
}

/**
 * src/face/blazeface.ts getBoxes after model.execute, with human's default detector
 * configuration: decodes the four outputs, runs NMS, then scales, enlarges (x1.4) and
 * squares the box in image pixels (facemeshutil.ts scaleBoxCoordinates, enlargeBox,
 * squarifyBox).
 */
async function blazefaceBoxes(outputs, image4d, inputSize) {
  const t = tf.tidy(() => {
    const res = Object.values(outputs).slice().sort((a, b) => a.size - b.size);
    const concat384 = tf.concat([res[0], res[2]], 2);
    const concat512 = tf.concat([res[1], res[3]], 2);
    const batch = tf.squeeze(tf.concat([concat512, concat384], 1), [0]);
    const anchors = tf.tensor2d(generateAnchors(inputSize));
    const inputSizeT = tf.scalar(inputSize, 'int32');
    // decodeBoxes
    const centers = tf.add(tf.slice(batch, [0, 1], [-1, 2]), anchors);
    const boxSizesNormalized = tf.div(tf.slice(batch, [0, 3], [-1, 2]), inputSizeT);
    const centersNormalized = tf.div(centers, inputSizeT);
    const halfBoxSize = tf.div(boxSizesNormalized, tf.scalar(2));
    const starts = tf.sub(centersNormalized, halfBoxSize);
    const ends = tf.add(centersNormalized, halfBoxSize);
    const boxes = tf.concat2d([tf.mul(starts, inputSizeT), tf.mul(ends, inputSizeT)], 1);
    const scores = tf.squeeze(tf.sigmoid(tf.slice(batch, [0, 0], [-1, 1])));
    return { batch, anchors, boxes, scores };
  });
  t.nms = await tf.image.nonMaxSuppressionAsync(t.boxes, t.scores, HUMAN.detectorMaxDetected,
    HUMAN.detectorIouThreshold, HUMAN.detectorMinConfidence);
  const nms = await t.nms.array();
  const scores = await t.scores.data();
  const boxes = [];
  const keypointsCount = 6;
  for (const index of nms) {
    const confidence = scores[index];
    if (!(confidence > HUMAN.detectorMinConfidence)) continue;
    const picked = tf.tidy(() => ({
      bbox: tf.slice(t.boxes, [index, 0], [1, -1]),
      landmarks: tf.reshape(tf.squeeze(tf.slice(t.batch, [index, keypointsCount - 1], [1, -1])), [keypointsCount, -1]),
      anchor: tf.slice(t.anchors, [index, 0], [1, 2]),
    }));
    const points = await picked.bbox.data();
    const landmarks = await picked.landmarks.array();
    const anchor = await picked.anchor.data();
    tf.dispose(Object.values(picked));
    const raw = { startPoint: [points[0], points[1]], endPoint: [points[2], points[3]], landmarks, confidence };
    const factor = [image4d.shape[2] / inputSize, image4d.shape[1] / inputSize];
    const scaled = {
      startPoint: [raw.startPoint[0] * factor[0], raw.startPoint[1] * factor[1]],
      endPoint: [raw.endPoint[0] * factor[0], raw.endPoint[1] * factor[1]],
      landmarks: raw.landmarks.map((pt) => [(pt[0] + anchor[0]) * factor[0], (pt[1] + anchor[1]) * factor[1]]),
      confidence,
    };
    const squared = squarifyBox(enlargeBox(scaled, HUMAN.detectorScale));
    if (squared.size[0] > HUMAN.detectorMinSize && squared.size[1] > HUMAN.detectorMinSize) {
      boxes.push({ anchorIndex: index, anchor: Array.from(anchor), raw: { startPoint: raw.startPoint, endPoint: raw.endPoint }, ...squared });
    }
  }
  tf.dispose(Object.values(t));
  return boxes;
}

const boxSize = (box) => [Math.abs(box.endPoint[0] - box.startPoint[0]), Math.abs(box.endPoint[1] - box.startPoint[1])];
const boxCenter = (box) => [box.startPoint[0] + (box.endPoint[0] - box.startPoint[0]) / 2, box.startPoint[1] + (box.endPoint[1] - box.startPoint[1]) / 2];

function enlargeBox(box, factor) {
  const center = boxCenter(box);
  const size = boxSize(box);
  const half = [factor * size[0] / 2, factor * size[1] / 2];
  return { startPoint: [center[0] - half[0], center[1] - half[1]], endPoint: [center[0] + half[0], center[1] + half[1]], landmarks: box.landmarks, confidence: box.confidence, size };
}

function squarifyBox(box) {
  const center = boxCenter(box);
  const size = boxSize(box);
  const half = Math.max(...size) / 2;
  return {
    startPoint: [Math.round(center[0] - half), Math.round(center[1] - half)],
    endPoint: [Math.round(center[0] + half), Math.round(center[1] + half)],
    landmarks: box.landmarks,
    confidence: box.confidence,
    size: [Math.round(size[0]), Math.round(size[1])],
  };
}

/**
 * The FaceRes input for one face box: facemeshutil.ts cutAndResize (crop_and_resize to the
 * FaceMesh size, / 255), then faceres.ts enhance (resizeBilinear to 224, alignCorners
 * false, * 255).
 */
function faceresInput(image4d, box, size) {
  return tf.tidy(() => {
    const h = image4d.shape[1];
    const w = image4d.shape[2];
    const cutBox = [box.startPoint[1] / h, box.startPoint[0] / w, box.endPoint[1] / h, box.endPoint[0] / w];
    const crop = tf.image.cropAndResize(image4d, [cutBox], [0], [HUMAN.meshInputSize, HUMAN.meshInputSize]);
    const face = tf.div(crop, tf.scalar(255));
    const resized = tf.image.resizeBilinear(face, [size, size], false);
    return tf.mul(resized, tf.scalar(255));
  });
}

/** Human's own input tensor for a decoded image: float32 [1, height, width, 3] in 0..255. */
function humanImage(path) {
  const rgb = decodeRgb(path);
  const image = tf.tidy(() => tf.expandDims(tf.cast(rgb, 'float32'), 0));
  rgb.dispose();
  return image;
}

async function runBlazeface(config, writer) {
  const graph = await loadHumanGraph(config.humanModelsDir, 'blazeface');
  const size = graph.model.inputs[0].shape[2];
  log(`blazeface: input ${graph.inputName} [1,${size},${size},3], outputs ${graph.outputNames}`);
  for (let i = 0; i < SYNTHETIC_CASES; i++) {
    const seed = config.seed + i;
    const t0 = Date.now();
    tf.tidy(() => {
      const input = syntheticInput([1, size, size, 3], -1, 1, seed);
      const outputs = executeAll(graph, input);
      writer.add({ name: `synthetic-${i}`, kind: 'synthetic', seed, inputName: graph.inputName, input, outputs });
      log(`blazeface: synthetic-${i} seed ${seed} (${Date.now() - t0} ms)`);
    });
  }
  const detections = [];
  for (const photo of config.photos) {
    const t0 = Date.now();
    const image = humanImage(photo);
    const input = blazefaceInput(image, size);
    const outputs = executeAll(graph, input);
    const name = `photo-${photoStem(photo)}`;
    writer.add({ name, kind: 'photo', source: basename(photo), inputName: graph.inputName, input, outputs });
    const boxes = await blazefaceBoxes(outputs, image, size);
    detections.push({ case: name, source: basename(photo), width: image.shape[2], height: image.shape[1], boxes });
    log(`blazeface: ${name} ${image.shape[2]}x${image.shape[1]}: ${boxes.length ? boxes.map(describeBox).join('; ') : 'no face'} (${Date.now() - t0} ms)`);
    tf.dispose([image, input, ...Object.values(outputs)]);
  }
  writeDetections(writer.dir, detections);
  graph.model.dispose();
}

function describeBox(box) {
  return `score ${box.confidence.toFixed(3)} box [${box.startPoint}]-[${box.endPoint}]`;
}

function writeDetections(dir, detections) {
  const doc = {
    description: 'Faces found by human 3.3.6 BlazeFace decoding (src/face/blazeface.ts getBoxes) with its default '
      + 'detector configuration (maxDetected 1, iouThreshold 0.1, minConfidence 0.2, scale 1.4). raw: box in '
      + 'detector-input pixels before scaling; startPoint/endPoint: the enlarged, squared box in image pixels '
      + '(x, y); landmarks: 6 points in image pixels.',
    detections,
  };
  writeJson(join(dir, 'detections.json'), doc);
}

async function runFaceres(config, writer) {
  const detector = await loadHumanGraph(config.humanModelsDir, 'blazeface');
  const graph = await loadHumanGraph(config.humanModelsDir, 'faceres');
  const detectorSize = detector.model.inputs[0].shape[2];
  const size = graph.model.inputs[0].shape[2];
  log(`faceres: input ${graph.inputName} [1,${size},${size},3], outputs ${graph.outputNames}`);
  for (let i = 0; i < SYNTHETIC_CASES; i++) {
    const seed = config.seed + i;
    const t0 = Date.now();
    tf.tidy(() => {
      const input = syntheticInput([1, size, size, 3], 0, 255, seed);
      const outputs = executeAll(graph, input);
      writer.add({ name: `synthetic-${i}`, kind: 'synthetic', seed, inputName: graph.inputName, input, outputs });
      log(`faceres: synthetic-${i} seed ${seed}: ${summary(outputs[graph.outputNames[0]])} (${Date.now() - t0} ms)`);
    });
  }
  const crops = [];
  for (const photo of config.photos) {
    const t0 = Date.now();
    const image = humanImage(photo);
    const detectorInput = blazefaceInput(image, detectorSize);
    const detected = executeAll(detector, detectorInput);
    const boxes = await blazefaceBoxes(detected, image, detectorSize);
    tf.dispose([detectorInput, ...Object.values(detected)]);
    let box;
    let name;
    if (boxes.length > 0) {
      box = boxes[0];
      name = `photo-${photoStem(photo)}-face0`;
    } else {
      // No face: a centred square of the shorter side, cut the same way.
      const w = image.shape[2];
      const h = image.shape[1];
      const side = Math.min(w, h);
      box = { startPoint: [(w - side) / 2, (h - side) / 2], endPoint: [(w + side) / 2, (h + side) / 2] };
      name = `photo-${photoStem(photo)}-centre`;
    }
    const input = faceresInput(image, box, size);
    const outputs = executeAll(graph, input);
    writer.add({ name, kind: 'photo', source: basename(photo), inputName: graph.inputName, input, outputs });
    crops.push({ case: name, source: basename(photo), width: image.shape[2], height: image.shape[1], face: boxes.length > 0, startPoint: box.startPoint, endPoint: box.endPoint, confidence: box.confidence ?? null });
    log(`faceres: ${name} box [${box.startPoint}]-[${box.endPoint}]: ${describeFace(outputs)} (${Date.now() - t0} ms)`);
    tf.dispose([image, input, ...Object.values(outputs)]);
  }
  writeJson(join(writer.dir, 'crops.json'), {
    description: 'Face box cut for each photo case (x, y in image pixels): the first face of human 3.3.6 BlazeFace '
      + 'decoding, or, with no face found, the centred square of the shorter side.',
    crops,
  });
  detector.model.dispose();
  graph.model.dispose();
}

/** Age and gender as src/face/faceres.ts predict reads them, for the log. */
function describeFace(outputs) {
  const gender = outputs['gender_pred/Sigmoid:0']?.dataSync();
  const all = outputs['age_pred/Softmax:0']?.dataSync();
  if (!gender || !all) return '';
  let ageIdx = 0;
  for (let i = 1; i < all.length; i++) if (all[i] > all[ageIdx]) ageIdx = i;
  const age = Math.round(all[ageIdx - 1] > all[ageIdx + 1] ? 10 * ageIdx - 100 * all[ageIdx - 1] : 10 * ageIdx + 100 * all[ageIdx + 1]) / 10;
  return `age ${age}, gender ${gender[0] <= 0.5 ? 'female' : 'male'} (${gender[0].toFixed(3)})`;
}

// ---------------------------------------------------------------- main

const PREPROCESSING = {
  'nsfw-mobilenet-v2-mid': 'nsfwjs 4.4.0 NSFWJS.infer: RGB uint8 -> float32 / 255 -> resizeBilinear to 224x224 with alignCorners=true (skipped if already 224x224) -> [1,224,224,3]; synthetic: uniform [0,1)',
  'nsfw-mobilenet-v2': 'nsfwjs 4.4.0 NSFWJS.infer: RGB uint8 -> float32 / 255 -> resizeBilinear to 224x224 with alignCorners=true (skipped if already 224x224) -> [1,224,224,3]; synthetic: uniform [0,1)',
  'nsfw-inception-v3': 'nsfwjs 4.4.0 NSFWJS.infer: RGB uint8 -> float32 / 255 -> resizeBilinear to 299x299 with alignCorners=true (skipped if already 299x299) -> [1,299,299,3]; synthetic: uniform [0,1)',
  blazeface: 'human 3.3.6 blazeface.ts getBoxes: RGB float32 0..255 [1,H,W,3], no padding -> resizeBilinear to 256x256 (alignCorners=false, halfPixelCenters=false) -> / 127.5 - 1; synthetic: uniform [-1,1)',
  faceres: 'human 3.3.6: BlazeFace box (blazeface.ts getBoxes, scale 1.4, squared) or, with no face, the centred square of the shorter side -> facemeshutil.ts cutAndResize: cropAndResize (bilinear) of the RGB float32 0..255 image to 192x192, / 255 -> faceres.ts enhance: resizeBilinear to 224x224 (alignCorners=false) * 255; synthetic: uniform [0,255)',
};

async function main() {
  const config = parseCli();
  const started = Date.now();
  await tf.setBackend('cpu');
  await tf.ready();
  log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, node ${process.version}, seed ${config.seed}`);
  log(`photos: ${config.photos.map((p) => basename(p)).join(', ') || 'none'}`);
  for (const key of config.keys) {
    const t0 = Date.now();
    const writer = new CaseWriter(config.out, key, PREPROCESSING[key]);
    if (NSFW_MODELS[key]) await runNsfw(config, key, writer);
    else if (key === 'blazeface') await runBlazeface(config, writer);
    else await runFaceres(config, writer);
    writer.finish();
    log(`${key}: ${writer.doc.cases.length} cases written to ${writer.dir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s, ${tf.memory().numTensors} tensors left`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
