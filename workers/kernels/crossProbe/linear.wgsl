// y = act(x · Wᵀ + b) (+ y when RESIDUAL): x [M, K], W [N, K] (PyTorch's [out, in]), y [M, N].
// M = candidates × (Pt + Pv): every candidate's tokens go through one dispatch, so the weights
// are read once per tile instead of once per pair.
// Tiled: a workgroup computes a TILE_M × TILE_N block of y, staging TILE_K-wide slices of x and
// W in workgroup memory; each thread keeps a PER_M × PER_N block of accumulators in registers
// (rows lane.y + i·THREADS_M, columns lane.x + j·THREADS_N).
// Prepended by the driver: TILE_M, TILE_N, TILE_K, THREADS_M, THREADS_N, PER_M, PER_N,
// GELU (tanh-approximate GELU on the result) and RESIDUAL (add into y: the residual stream).

struct Params {
  m: u32,
  n: u32,
  k: u32,
}

const THREADS: u32 = THREADS_M * THREADS_N;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// Stored [k][row] so the inner loop reads a row of each tile with the same k.
var<workgroup> x_tile: array<array<f32, TILE_M>, TILE_K>;
var<workgroup> w_tile: array<array<f32, TILE_N>, TILE_K>;

fn gelu_tanh(v: f32) -> f32 {
  // tanh saturates to ±1 in f32 well before |t| = 10; clamping keeps implementations that
  // compute tanh through exp() from overflowing to NaN.
  let t = clamp(0.7978845608028654 * (v + 0.044715 * v * v * v), -10.0, 10.0);
  return 0.5 * v * (1.0 + tanh(t));
}

@compute @workgroup_size(THREADS_N, THREADS_M)
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(local_invocation_id) lane: vec3u,
  @builtin(local_invocation_index) flat_lane: u32,
) {
  let m0 = group.y * TILE_M;
  let n0 = group.x * TILE_N;
  var acc: array<array<f32, PER_N>, PER_M>;
  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    // Consecutive threads load consecutive k of one row: coalesced reads.
    for (var e = flat_lane; e < TILE_M * TILE_K; e += THREADS) {
      let r = e / TILE_K;
      let c = e % TILE_K;
      var value = 0.0;
      if (m0 + r < params.m && k0 + c < params.k) {
        value = x[(m0 + r) * params.k + k0 + c];
      }
      x_tile[c][r] = value;
    }
    for (var e = flat_lane; e < TILE_N * TILE_K; e += THREADS) {
      let r = e / TILE_K;
      let c = e % TILE_K;
      var value = 0.0;
      if (n0 + r < params.n && k0 + c < params.k) {
        value = w[(n0 + r) * params.k + k0 + c];
      }
      w_tile[c][r] = value;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      var w_values: array<f32, PER_N>;
      for (var j = 0u; j < PER_N; j++) {
        w_values[j] = w_tile[kk][lane.x + j * THREADS_N];
      }
      for (var i = 0u; i < PER_M; i++) {
        let x_value = x_tile[kk][lane.y + i * THREADS_M];
        for (var j = 0u; j < PER_N; j++) {
          acc[i][j] += x_value * w_values[j];
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < PER_M; i++) {
    let row = m0 + lane.y + i * THREADS_M;
    for (var j = 0u; j < PER_N; j++) {
      let col = n0 + lane.x + j * THREADS_N;
      if (row < params.m && col < params.n) {
        var value = acc[i][j] + b[col];
        if (GELU) {
          value = gelu_tanh(value);
        }
        if (RESIDUAL) {
          value += y[row * params.n + col];
        }
        y[row * params.n + col] = value;
      }
    }
  }
}
