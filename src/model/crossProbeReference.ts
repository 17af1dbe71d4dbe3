/**
 * Plain-TypeScript reference of the cross-probe step, the only per-pair work of Cross-Probe
 * BERT (training/probesearch/model.py, ProbeEncoders.cross). It pins the math that the WGSL
 * kernels and the batched cross_probe.onnx must reproduce; speed is not its purpose.
 *
 * Per candidate k: X = [text probes (Pt×d); vision probes of k (Pv×d)], no mask;
 * for each late layer (pre-LayerNorm):
 *   X += Attention(LN1(X));  X += W2·gelu_tanh(W1·LN2(X) + b1) + b2
 * then X = LN(X) (the late stack's final norm);
 * score = cosine(Σ X[text rows] + text global, Σ X[vision rows] + vision global of k).
 * Activations are stored in Float32Array (rounded to float32 like the GPU); sums run in JS
 * numbers (float64).
 */
import type { PackManifest, TensorEntry } from './manifest.ts';
import { PackFormatError } from './manifest.ts';

export interface CrossProbeConfig {
  readonly textProbes: number;
  readonly visionProbes: number;
  readonly width: number;
  readonly heads: number;
  readonly ffnWidth: number;
  readonly layerNormEps: number;
}

/** y = x·Wᵀ + b with W stored [out, in] row-major. */
export interface LinearWeights {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

export interface LayerNormWeights {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export interface LateLayerWeights {
  readonly ln1: LayerNormWeights;
  readonly qkv: LinearWeights;
  readonly out: LinearWeights;
  readonly ln2: LayerNormWeights;
  readonly ffn1: LinearWeights;
  readonly ffn2: LinearWeights;
}

export interface CrossProbeWeights {
  readonly layers: readonly LateLayerWeights[];
  readonly norm: LayerNormWeights;
}

/** The torch.nn.functional.cosine_similarity eps the model uses. */
export const COSINE_EPS = 1e-6;

export function crossProbeConfig(manifest: PackManifest): CrossProbeConfig {
  return {
    textProbes: manifest.probes.text,
    visionProbes: manifest.probes.vision,
    width: manifest.probes.width,
    heads: manifest.crossProbe.heads,
    ffnWidth: manifest.crossProbe.ffnWidth,
    layerNormEps: manifest.crossProbe.layerNormEps,
  };
}

/** Reads the late-layer tensors (float32 little-endian) named by the manifest's tensor table. */
export function readCrossProbeWeights(
  manifest: PackManifest,
  buffer: ArrayBuffer,
): CrossProbeWeights {
  const { crossProbe, probes } = manifest;
  const expectedBytes = manifest.files[crossProbe.weightsFile]?.bytes;
  if (buffer.byteLength !== expectedBytes) {
    throw new PackFormatError(
      `${crossProbe.weightsFile}: ${buffer.byteLength} bytes, the manifest says ${String(expectedBytes)}`,
    );
  }
  const view = new DataView(buffer);
  const byName = new Map<string, TensorEntry>(crossProbe.tensors.map((t) => [t.name, t]));
  // parseManifest has checked names, shapes and bounds; this lookup only narrows the type.
  const tensor = (name: string): Float32Array => {
    const entry = byName.get(name);
    if (entry === undefined) throw new PackFormatError(`crossProbe.tensors lacks ${name}`);
    const values = new Float32Array(entry.bytes / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(entry.offset + 4 * i, true);
    return values;
  };
  return assembleCrossProbeWeights(tensor, {
    layers: crossProbe.layers,
    width: probes.width,
    ffnWidth: crossProbe.ffnWidth,
  });
}

/** The late stack's weights from a tensor getter, by the tensor table's names. */
export function assembleCrossProbeWeights(
  tensor: (name: string) => Float32Array,
  shape: { layers: number; width: number; ffnWidth: number },
): CrossProbeWeights {
  const { width: d, ffnWidth: f } = shape;
  const norm = (prefix: string): LayerNormWeights => ({
    weight: tensor(`${prefix}.weight`),
    bias: tensor(`${prefix}.bias`),
  });
  const linear = (prefix: string, inFeatures: number, outFeatures: number): LinearWeights => ({
    weight: tensor(`${prefix}.weight`),
    bias: tensor(`${prefix}.bias`),
    inFeatures,
    outFeatures,
  });
  const layers = Array.from({ length: shape.layers }, (_, i): LateLayerWeights => ({
    ln1: norm(`layers.${i}.ln1`),
    qkv: linear(`layers.${i}.attn.qkv`, d, 3 * d),
    out: linear(`layers.${i}.attn.out`, d, d),
    ln2: norm(`layers.${i}.ln2`),
    ffn1: linear(`layers.${i}.ffn1`, d, f),
    ffn2: linear(`layers.${i}.ffn2`, f, d),
  }));
  return { layers, norm: norm('norm') };
}

// ------------------------------------------------------------------ building blocks
// Matrices are row-major Float32Arrays of `rows` tokens.

/** LayerNorm over each row (biased variance, as torch.nn.LayerNorm). */
export function layerNorm(
  x: Float32Array,
  rows: number,
  w: LayerNormWeights,
  eps: number,
): Float32Array {
  const d = w.weight.length;
  const y = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[r * d + i] ?? 0;
    mean /= d;
    let variance = 0;
    for (let i = 0; i < d; i++) variance += ((x[r * d + i] ?? 0) - mean) ** 2;
    variance /= d;
    const scale = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < d; i++) {
      y[r * d + i] = ((x[r * d + i] ?? 0) - mean) * scale * (w.weight[i] ?? 0) + (w.bias[i] ?? 0);
    }
  }
  return y;
}

/** y = x·Wᵀ + b, W [out, in]. */
export function linear(x: Float32Array, rows: number, w: LinearWeights): Float32Array {
  const { inFeatures: n, outFeatures: m } = w;
  const y = new Float32Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < m; o++) {
      let sum = w.bias[o] ?? 0;
      for (let i = 0; i < n; i++) sum += (x[r * n + i] ?? 0) * (w.weight[o * n + i] ?? 0);
      y[r * m + o] = sum;
    }
  }
  return y;
}

/** GELU, tanh approximation (torch F.gelu(approximate="tanh")). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

/**
 * Multi-head self-attention over `rows` tokens, no mask: qkv [rows, 3d] laid out as
 * (q | k | v), each split into heads of d/heads columns. Returns the heads concatenated
 * [rows, d], before the output projection.
 */
export function attention(
  qkv: Float32Array,
  rows: number,
  width: number,
  heads: number,
): Float32Array {
  const dh = width / heads;
  const scale = 1 / Math.sqrt(dh);
  const out = new Float32Array(rows * width);
  const weights = new Float64Array(rows);
  const at = (row: number, part: number, head: number, j: number): number =>
    qkv[row * 3 * width + part * width + head * dh + j] ?? 0;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < rows; i++) {
      let max = -Infinity;
      for (let j = 0; j < rows; j++) {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += at(i, 0, h, c) * at(j, 1, h, c);
        weights[j] = dot * scale;
        max = Math.max(max, dot * scale);
      }
      let total = 0;
      for (let j = 0; j < rows; j++) {
        weights[j] = Math.exp((weights[j] ?? 0) - max);
        total += weights[j] ?? 0;
      }
      for (let c = 0; c < dh; c++) {
        let sum = 0;
        for (let j = 0; j < rows; j++) sum += (weights[j] ?? 0) * at(j, 2, h, c);
        out[i * width + h * dh + c] = sum / total;
      }
    }
  }
  return out;
}

function addInPlace(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) x[i] = (x[i] ?? 0) + (y[i] ?? 0);
}

/** One pre-LayerNorm transformer layer, updating x [rows, d] in place. */
export function lateLayer(
  x: Float32Array,
  rows: number,
  w: LateLayerWeights,
  cfg: CrossProbeConfig,
): void {
  const heads = attention(
    linear(layerNorm(x, rows, w.ln1, cfg.layerNormEps), rows, w.qkv),
    rows,
    cfg.width,
    cfg.heads,
  );
  addInPlace(x, linear(heads, rows, w.out));
  const hidden = linear(layerNorm(x, rows, w.ln2, cfg.layerNormEps), rows, w.ffn1);
  for (let i = 0; i < hidden.length; i++) hidden[i] = gelu(hidden[i] ?? 0);
  addInPlace(x, linear(hidden, rows, w.ffn2));
}

/**
 * torch 1.13 F.cosine_similarity(a, b, eps): Σ (a/max(‖a‖, eps))·(b/max(‖b‖, eps)).
 * Each norm is clamped separately (not ‖a‖·‖b‖ as a whole); they differ only when a norm
 * is below eps.
 */
export function cosineSimilarity(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  eps = COSINE_EPS,
): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  return dot / (Math.max(Math.sqrt(aa), eps) * Math.max(Math.sqrt(bb), eps));
}

/** Σ of rows [from, to) of x [*, d], plus `extra` [d]. */
function sumRows(
  x: Float32Array,
  from: number,
  to: number,
  extra: ArrayLike<number>,
  d: number,
): Float64Array {
  const sum = Float64Array.from({ length: d }, (_, c) => extra[c] ?? 0);
  for (let r = from; r < to; r++)
    for (let c = 0; c < d; c++) sum[c] = (sum[c] ?? 0) + (x[r * d + c] ?? 0);
  return sum;
}

/**
 * One query against K candidates: textProbes [Pt·d], textGlobal [d], visionProbes [K·Pv·d],
 * visionGlobal [K·d] -> scores [K].
 */
export function crossProbeScores(
  weights: CrossProbeWeights,
  cfg: CrossProbeConfig,
  textProbes: Float32Array,
  textGlobal: Float32Array,
  visionProbes: Float32Array,
  visionGlobal: Float32Array,
): Float32Array {
  const { textProbes: pt, visionProbes: pv, width: d } = cfg;
  const k = visionGlobal.length / d;
  if (
    textProbes.length !== pt * d ||
    textGlobal.length !== d ||
    !Number.isInteger(k) ||
    visionProbes.length !== k * pv * d
  ) {
    throw new Error(`crossProbeScores: shapes do not fit Pt=${pt}, Pv=${pv}, d=${d}`);
  }
  const rows = pt + pv;
  const scores = new Float32Array(k);
  for (let candidate = 0; candidate < k; candidate++) {
    const x = new Float32Array(rows * d);
    x.set(textProbes, 0);
    x.set(visionProbes.subarray(candidate * pv * d, (candidate + 1) * pv * d), pt * d);
    for (const layer of weights.layers) lateLayer(x, rows, layer, cfg);
    const out = layerNorm(x, rows, weights.norm, cfg.layerNormEps);
    const text = sumRows(out, 0, pt, textGlobal, d);
    const vision = sumRows(
      out,
      pt,
      rows,
      visionGlobal.subarray(candidate * d, (candidate + 1) * d),
      d,
    );
    scores[candidate] = cosineSimilarity(text, vision);
  }
  return scores;
}
