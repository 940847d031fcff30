// dst += src over `count` floats: the reverse direction's share of a
// bidirectional layer's input gradient (dx = dz_fwd·Wx_fwdᵀ + dz_rev·Wx_revᵀ)
// added to the forward's, since every GEMM overwrites its output.
//
// Dimension legend: N = T·B positions, X layer input (E or D·H); count = N·X.
// Buffers:
//   src  (N, X) from srcOffset
//   dst  (N, X) from dstOffset, accumulated in place

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let i = (wg.y * nwg.x + wg.x) * 64u + lid.x;
  if (i >= p.count) {
    return;
  }
  dst[p.dstOffset + i] += src[p.srcOffset + i];
}
