/**
 * Node-only: runs the original TF.js CenterNet graph on the pure-JS CPU backend (no tfjs-node
 * here), loading model JSON + weight shards from disk through a small IOHandler.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';

export const TFJS_OUTPUTS = { heatmap: 'tower_0/keypoints', wh: 'tower_0/wh' } as const;

interface GraphModelJson {
  format: string;
  generatedBy: string;
  convertedBy: string;
  modelTopology: object;
  signature?: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function fileHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as GraphModelJson;
      const shards = json.weightsManifest.flatMap((group) =>
        group.paths.map((p) => readFileSync(join(dirname(modelJsonPath), p))),
      );
      const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
      return {
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        modelTopology: json.modelTopology,
        signature: json.signature,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData,
      };
    },
  };
}

export async function loadTfjsModel(modelJsonPath: string): Promise<GraphModel> {
  await tf.setBackend('cpu');
  return loadGraphModel(fileHandler(modelJsonPath));
}

/** Heatmap and wh, NHWC, for one [1,512,512,3] float32 input. */
export function runTfjs(
  model: GraphModel,
  input: Float32Array,
  size: number,
): { heatmap: Float32Array; wh: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(input, [1, size, size, 3], 'float32');
    const [heatmap, wh] = model.execute(x, [TFJS_OUTPUTS.heatmap, TFJS_OUTPUTS.wh]) as tf.Tensor[];
    if (!heatmap || !wh) throw new Error('TF.js graph did not return both outputs');
    return { heatmap: heatmap.dataSync() as Float32Array, wh: wh.dataSync() as Float32Array };
  });
}
