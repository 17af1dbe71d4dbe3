// The matmul yardstick: c = a · b, a [n, n], b [n, n], c [n, n], row-major float32.
// A textbook register-tiled kernel: a workgroup of 16 × 16 threads computes a 64 × 64 block of
// c, staging 16-wide slices of a and b in workgroup memory; each thread accumulates 4 × 4
// outputs in registers. n is a multiple of 64 (gpuMatmul.ts picks it), so no bounds checks.

const TILE: u32 = 64u;
const TILE_K: u32 = 16u;
const PER: u32 = 4u;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

var<workgroup> a_tile: array<array<f32, TILE>, TILE_K>;
var<workgroup> b_tile: array<array<f32, TILE>, TILE_K>;

@compute @workgroup_size(16, 16)
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(local_invocation_id) lane: vec3u,
  @builtin(local_invocation_index) flat: u32,
) {
  let n = params.n;
  let row0 = group.y * TILE;
  let col0 = group.x * TILE;
  var acc: array<array<f32, PER>, PER>;
  for (var k0 = 0u; k0 < n; k0 += TILE_K) {
    // 256 threads load 64 × 16 values of each operand: 4 each.
    for (var e = flat; e < TILE * TILE_K; e += 256u) {
      let r = e / TILE_K;
      let k = e % TILE_K;
      a_tile[k][r] = a[(row0 + r) * n + k0 + k];
      let kb = e / TILE;
      let col = e % TILE;
      b_tile[kb][col] = b[(k0 + kb) * n + col0 + col];
    }
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      var b_values: array<f32, PER>;
      for (var j = 0u; j < PER; j++) {
        b_values[j] = b_tile[k][lane.x + j * 16u];
      }
      for (var i = 0u; i < PER; i++) {
        let a_value = a_tile[k][lane.y + i * 16u];
        for (var j = 0u; j < PER; j++) {
          acc[i][j] += a_value * b_values[j];
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < PER; i++) {
    for (var j = 0u; j < PER; j++) {
      c[(row0 + lane.y + i * 16u) * n + col0 + lane.x + j * 16u] = acc[i][j];
    }
  }
}
