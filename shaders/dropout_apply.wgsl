// One dropout site over a window: dst[i] = src[i] · mask(site, i), i < N·X.
// Forward, the dropped copy of a layer's h that the layer above (or the head)
// reads, while the undropped h stays for the recurrence and the carry;
// backward, the gradient that reaches the site, masked on its way into dH.
// The mask math is dropout.wgsl's (prepended).
//
// Dimension legend: T window, B batch, X units of the site (H here); N = T·B.
// Buffers:
//   src  (N, X) at srcOffset
//   dst  (N, X) at dstOffset (must not be src: read and read_write bindings)

// p: Params (binding 0) and dropout: DropoutStep, the uniform blocks declared
// in src/engine/gpu/kernels.ts and dropoutStep.ts, are generated in front at load.

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
  let n = i / p.X;
  let u = i - n * p.X;
  dst[p.dstOffset + i] = src[p.srcOffset + i] * dropMask(p.site, n, u, p.X);
}
