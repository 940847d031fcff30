// The GRU's dbhn: Σ over all positions of dGatesH's n column (dn·r), the one
// gradient no GEMM column sum gives (its columns are strided, 3j + 2). One
// invocation per unit sums the positions in order: deterministic, no atomics.
//
// Dimension legend: N = T·B positions, H hidden.
// Buffers:
//   gatesH  (N, 3H) dGatesH of the layer (gru_*_backward.wgsl)
//   grads   gradient arena as f32; dbhn (H) at gradOffset (overwritten)

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

@group(0) @binding(1) var<storage, read> gatesH: array<f32>;
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= p.H) {
    return;
  }
  let G = 3u * p.H;
  var sum = 0.0;
  for (var n = 0u; n < p.N; n++) {
    sum += gatesH[n * G + 3u * j + 2u];
  }
  grads[p.gradOffset + j] = sum;
}
