// Stage one of the global gradient norm: each workgroup sums the squares of
// a strided share of the gradient arena into one partial. adam.wgsl finishes
// the sum (every workgroup of it, identically), so clipping needs no readback.
// Reads vec4s (the arena is a multiple of 64 floats) and reduces across 64
// invocations: barriers are what software adapters pay for most.
//
// Dimension legend: P = floats in the parameter arena (padding is zero), P4 = P / 4.
// Buffers:
//   grads     (P4) vec4 gradient arena
//   partials  (W) one sum of squares per workgroup, W = number of workgroups (≤ 256)

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

const THREADS = 64u;

@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;

var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  var s = 0.0;
  for (var i = wg.x * THREADS + lid.x; i < p.count4; i += nwg.x * THREADS) {
    let g = grads[i];
    s += dot(g, g);
  }
  partial[lid.x] = s;
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) {
      partial[lid.x] += partial[lid.x + stride];
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    partials[wg.x] = partial[0];
  }
}
