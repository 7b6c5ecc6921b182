const tf = require('@tensorflow/tfjs');
const nsfw = require('nsfwjs');
(async () => {
  await tf.setBackend('cpu'); await tf.ready();
  const m = await nsfw.load('MobileNetV2Mid');
  const mod = m.model;
  console.log(mod.constructor.name, 'inputs', mod.inputs.map(i => [i.name, i.shape]), 'outputs', mod.outputs.map(o => [o.name, o.shape]), mod.inputNodes, mod.outputNodes, JSON.stringify(mod.modelSignature||null).slice(0,600), JSON.stringify(mod.metadata||null).slice(0,300), JSON.stringify(mod.structuredOutputKeys||null));
  const j = require('nsfwjs/dist/models/mobilenet_v2_mid/model.min.js');
  console.log(Object.keys(j), j.format, JSON.stringify(j.signature||null).slice(0,500), JSON.stringify(j.userDefinedMetadata||null).slice(0,500));
  console.log(j.modelTopology.node.filter(n=>n.op==='Placeholder').map(n=>JSON.stringify(n)));
  const wm = j.weightsManifest; console.log(wm.map(g=>g.paths), [...new Set(wm.flatMap(g=>g.weights.map(w=>w.dtype+':'+JSON.stringify(w.quantization&&{d:w.quantization.dtype}))))]);
  for (const f of ['mobilenet_v2','inception_v3']) { const k = require('nsfwjs/dist/models/'+f+'/model.min.js'); console.log(f, Object.keys(k), k.format, k.modelTopology.model_config? 'mc':'', JSON.stringify(k.modelTopology).slice(0,200), [...new Set(k.weightsManifest.flatMap(g=>g.weights.map(w=>w.dtype+':'+JSON.stringify(w.quantization&&w.quantization.dtype))))]); }
})();
