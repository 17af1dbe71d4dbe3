// score[k] = cosine(Σ_{r<Pt} y[k, r] + text_global, Σ_{r≥Pt} y[k, r] + vision_globals[row_k]),
// each norm clamped to at least EPS (torch's cosine_similarity, as the model writes it).
// y is the late stack's output after its final LayerNorm. vision_globals may be the whole
// resident library [N, d]; candidate_rows picks each candidate's row.
// One workgroup per candidate: threads stride over the width, then reduce three partial sums.
// Prepended by the driver: TEXT_ROWS, ROWS, WIDTH, EPS.

struct Params {
  candidates: u32,
}

const THREADS: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> text_global: array<f32>;
@group(0) @binding(3) var<storage, read> vision_globals: array<f32>;
@group(0) @binding(4) var<storage, read> candidate_rows: array<u32>;
@group(0) @binding(5) var<storage, read_write> scores: array<f32>;

// (t·v, t·t, v·v) partial sums
var<workgroup> partial: array<vec3f, THREADS>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lane: u32) {
  let k = group.x;
  if (k >= params.candidates) {
    return;
  }
  let first_token = k * ROWS;
  let vision_global = candidate_rows[k] * WIDTH;
  var sums = vec3f(0.0);
  for (var c = lane; c < WIDTH; c += THREADS) {
    var t = text_global[c];
    for (var r = 0u; r < TEXT_ROWS; r++) {
      t += y[(first_token + r) * WIDTH + c];
    }
    var v = vision_globals[vision_global + c];
    for (var r = TEXT_ROWS; r < ROWS; r++) {
      v += y[(first_token + r) * WIDTH + c];
    }
    sums += vec3f(t * v, t * t, v * v);
  }
  partial[lane] = sums;
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    let total = partial[0];
    scores[k] = total.x / (max(sqrt(total.y), EPS) * max(sqrt(total.z), EPS));
  }
}
