// The gradient-flow probe's per-timestep reduction (Backend.gradientFlow):
// for a gradient g (T, B, H) of one layer — the whole ∂ℓ_b/∂h_t the backward
// kernels leave in dH, or the LSTM's ∂ℓ_b/∂c_t they leave in cAll —
//   out[outOffset + T − 1 − t] = mean over b of ‖g[t, b, :]‖
// (entry k counts back from the window's last step). One invocation per
// timestep sums in order: deterministic, no atomics; T·B·H is small (the
// probe window).
//
// Dimension legend: T window, B batch, H hidden.
// Buffers:
//   src  (T, B, H) at srcOffset
//   out  flow norms (2·L·T floats: per layer h, then per layer c) at outOffset

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= p.T) {
    return;
  }
  var sum = 0.0;
  for (var b = 0u; b < p.B; b++) {
    let row = p.srcOffset + (t * p.B + b) * p.H;
    var sq = 0.0;
    for (var j = 0u; j < p.H; j++) {
      let v = src[row + j];
      sq += v * v;
    }
    sum += sqrt(sq);
  }
  out[p.outOffset + p.T - 1u - t] = sum / f32(p.B);
}
