// Embedding gradient: dEmbedding[v, e] = Σ_{n : token[n] = v} dx0[n, e] · m(n, e),
// m site 0's dropout mask when the step drops (dropout_embedding_on.wgsl: the
// same mask the forward gather applied), else 1 (dropout_embedding_off.wgsl).
// Race-free and deterministic without float atomics: one workgroup per
// vocabulary row v scans the tokens 64 at a time, compacts the matching
// positions in ascending order (prefix sum over match flags), then every
// invocation adds those rows of dx0 for its columns — the CPU's order.
//
// Dimension legend: T window, B batch, E embedding (≤ 2048), V vocabulary; N = T·B.
// Buffers:
//   tokens  (N) token ids at tokenOffset
//   dx0     (N, E) loss gradient w.r.t. the embedded inputs
//   grads   arena; dEmbedding (V, E) at gradOffset (overwritten)

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

const THREADS = 64u;
const MAX_COLUMNS_PER_THREAD = 32u; // E ≤ 2048 = 64 · 32

@group(0) @binding(1) var<storage, read> tokens: array<i32>;
@group(0) @binding(2) var<storage, read> dx0: array<f32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;

var<workgroup> scan: array<u32, 64>;
var<workgroup> matches: array<u32, 64>;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let v = wg.y * nwg.x + wg.x;
  if (v >= p.V) {
    return;
  }
  var acc: array<f32, 32>;
  for (var n0 = 0u; n0 < p.N; n0 += THREADS) {
    let n = n0 + lid.x;
    var hit = 0u;
    if (n < p.N && tokens[p.tokenOffset + n] == i32(v)) {
      hit = 1u;
    }
    scan[lid.x] = hit;
    workgroupBarrier();
    for (var offset = 1u; offset < THREADS; offset *= 2u) {
      var add = 0u;
      if (lid.x >= offset) {
        add = scan[lid.x - offset];
      }
      workgroupBarrier();
      scan[lid.x] += add;
      workgroupBarrier();
    }
    if (hit == 1u) {
      matches[scan[lid.x] - 1u] = n;
    }
    let count = scan[THREADS - 1u];
    workgroupBarrier();
    for (var q = 0u; q < count; q++) {
      let pos = matches[q];
      let row = pos * p.E;
      for (var s = 0u; s < MAX_COLUMNS_PER_THREAD; s++) {
        let e = lid.x + s * THREADS;
        if (e >= p.E) {
          break;
        }
        acc[s] += dx0[row + e] * embeddingMask(pos, e);
      }
    }
    workgroupBarrier();
  }
  for (var s = 0u; s < MAX_COLUMNS_PER_THREAD; s++) {
    let e = lid.x + s * THREADS;
    if (e >= p.E) {
      break;
    }
    grads[p.gradOffset + v * p.E + e] = acc[s];
  }
}
