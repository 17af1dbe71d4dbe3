// Multi-head self-attention over each candidate's Pt + Pv probe tokens (no mask):
//   out[k, i, head] = Σ_j softmax_j(q_i · k_j / √dh) v_j
// qkv [K·ROWS, 3·WIDTH] laid out (q | k | v) per token, each split into heads of HEAD_DIM.
// One workgroup per (candidate, head): a pair has at most a few dozen tokens, so its keys,
// values and the ROWS × ROWS probabilities all fit in workgroup memory and the whole softmax
// happens without another dispatch or a trip through global memory.
// Prepended by the driver: ROWS, WIDTH, HEAD_DIM, SCALE (1/√HEAD_DIM).

struct Params {
  candidates: u32,
}

const THREADS: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> keys: array<f32, ROWS * HEAD_DIM>;
var<workgroup> values: array<f32, ROWS * HEAD_DIM>;
var<workgroup> probs: array<f32, ROWS * ROWS>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lane: u32) {
  let candidate = group.x;
  let head = group.y;
  if (candidate >= params.candidates) {
    return;
  }
  let first_token = candidate * ROWS;
  let head_column = head * HEAD_DIM;
  for (var e = lane; e < ROWS * HEAD_DIM; e += THREADS) {
    let at = (first_token + e / HEAD_DIM) * 3u * WIDTH + head_column + e % HEAD_DIM;
    keys[e] = qkv[at + WIDTH];
    values[e] = qkv[at + 2u * WIDTH];
  }
  workgroupBarrier();
  for (var e = lane; e < ROWS * ROWS; e += THREADS) {
    let i = e / ROWS;
    let j = e % ROWS;
    let query = (first_token + i) * 3u * WIDTH + head_column;
    var dot = 0.0;
    for (var c = 0u; c < HEAD_DIM; c++) {
      dot += qkv[query + c] * keys[j * HEAD_DIM + c];
    }
    probs[e] = dot * SCALE;
  }
  workgroupBarrier();
  // Softmax per query row, max-subtracted so large scores cannot overflow exp().
  for (var i = lane; i < ROWS; i += THREADS) {
    var top = probs[i * ROWS];
    for (var j = 1u; j < ROWS; j++) {
      top = max(top, probs[i * ROWS + j]);
    }
    var total = 0.0;
    for (var j = 0u; j < ROWS; j++) {
      let weight = exp(probs[i * ROWS + j] - top);
      probs[i * ROWS + j] = weight;
      total += weight;
    }
    for (var j = 0u; j < ROWS; j++) {
      probs[i * ROWS + j] /= total;
    }
  }
  workgroupBarrier();
  for (var e = lane; e < ROWS * HEAD_DIM; e += THREADS) {
    let i = e / HEAD_DIM;
    let c = e % HEAD_DIM;
    var sum = 0.0;
    for (var j = 0u; j < ROWS; j++) {
      sum += probs[i * ROWS + j] * values[j * HEAD_DIM + c];
    }
    out[(first_token + i) * WIDTH + head_column + c] = sum;
  }
}
