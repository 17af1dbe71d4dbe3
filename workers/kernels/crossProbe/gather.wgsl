// Assembles the late stack's input for every candidate of the chunk:
//   x[k, r, :] = text_probes[r, :]                                  for r < TEXT_ROWS
//   x[k, r, :] = vision_probes[candidate_rows[k], r - TEXT_ROWS, :] otherwise
// vision_probes may be the whole resident library [N, Pv, d]: the shortlist is gathered here,
// on the GPU, instead of being copied out and uploaded again.
// One workgroup per token row; its threads stride over the width.
// Prepended by the driver: TEXT_ROWS, ROWS (= Pt + Pv), WIDTH.

struct Params {
  candidates: u32,
}

const THREADS: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> text_probes: array<f32>;
@group(0) @binding(2) var<storage, read> vision_probes: array<f32>;
@group(0) @binding(3) var<storage, read> candidate_rows: array<u32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lane: u32) {
  let token = group.x;
  if (token >= params.candidates * ROWS) {
    return;
  }
  let k = token / ROWS;
  let row = token % ROWS;
  var source = row * WIDTH;
  let probes_are_text = row < TEXT_ROWS;
  if (!probes_are_text) {
    source = (candidate_rows[k] * (ROWS - TEXT_ROWS) + row - TEXT_ROWS) * WIDTH;
  }
  for (var c = lane; c < WIDTH; c += THREADS) {
    if (probes_are_text) {
      x[token * WIDTH + c] = text_probes[source + c];
    } else {
      x[token * WIDTH + c] = vision_probes[source + c];
    }
  }
}
