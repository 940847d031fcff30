// Embedding gather: x0[n, e] = embedding[token[n], e] · m(n, e) for the N = T·B
// inputs, m the dropout mask of site 0 in a training step that drops
// (dropout_embedding_on.wgsl) and 1 otherwise (dropout_embedding_off.wgsl).
// Workgroups tile (column block, position): x covers E in blocks of 64, y (and
// z when N > 65535) the positions, so no invocation divides by E.
//
// Dimension legend: T window, B batch, E embedding, V vocabulary; N = T·B.
// Buffers:
//   params  arena; embedding (V, E) at embOffset
//   tokens  (N) token ids (time-major) at tokenOffset
//   x0      (N, E) embedded inputs at outOffset

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> tokens: array<i32>;
@group(0) @binding(3) var<storage, read_write> x0: array<f32>;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let n = wg.z * nwg.y + wg.y;
  let e = wg.x * 64u + lid.x;
  if (n >= p.N || e >= p.E) {
    return;
  }
  let token = u32(tokens[p.tokenOffset + n]);
  x0[p.outOffset + n * p.E + e] = params[p.embOffset + token * p.E + e] * embeddingMask(n, e);
}
