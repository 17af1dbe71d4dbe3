// LayerNorm over each token row (biased variance, as torch.nn.LayerNorm), two passes (mean,
// then variance about the mean) like the reference, for accuracy on rows with a large mean.
// One workgroup per row: d is small (≤ 1024) and rows are many (K × (Pt + Pv)), so a tree
// reduction in workgroup memory beats one thread looping over a whole row.
// Prepended by the driver: WIDTH, EPS.

struct Params {
  rows: u32,
}

const THREADS: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<f32, THREADS>;

fn workgroup_sum(lane: u32, value: f32) -> f32 {
  partial[lane] = value;
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  // Everyone has read the total before `partial` is reused.
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lane: u32) {
  let row = group.x;
  if (row >= params.rows) {
    return;
  }
  let base = row * WIDTH;
  var sum = 0.0;
  for (var c = lane; c < WIDTH; c += THREADS) {
    sum += x[base + c];
  }
  let mean = workgroup_sum(lane, sum) / f32(WIDTH);
  var squares = 0.0;
  for (var c = lane; c < WIDTH; c += THREADS) {
    let centred = x[base + c] - mean;
    squares += centred * centred;
  }
  let scale = 1.0 / sqrt(workgroup_sum(lane, squares) / f32(WIDTH) + EPS);
  for (var c = lane; c < WIDTH; c += THREADS) {
    y[base + c] = (x[base + c] - mean) * scale * gamma[c] + beta[c];
  }
}
