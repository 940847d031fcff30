// The forecast head's loss and its gradient, one invocation per position
// (beside softmax_cross_entropy.wgsl, which the token tasks use):
//   rowLoss[n]   = Σ_c (y[n, c] − target[n, c])² / Co
//   y[n, c]      ← scale · 2 (y[n, c] − target[n, c]) / Co   (in place)
// With scale = 1/N the summed rowLoss over N is the mean over T·B·Co values
// (nn.MSELoss) and the gradient is that mean's: 2(ŷ − y)/(T·B·Co).
//
// Dimension legend: T window, B batch, Co values predicted per position;
// N = T·B; ld ≥ Co the row stride of the head's output (padded to a
// multiple of 4, params.ts).
// Buffers:
//   y        (N, ld) predictions in, their gradient out, in columns 0..Co-1 (the rest untouched)
//   targets  (N, Co) target values
//   rowLoss  (N) per-position loss (summed later by adam.wgsl or loss_sum.wgsl)

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let n = (wg.y * nwg.x + wg.x) * 64u + lid.x;
  if (n >= p.N) {
    return;
  }
  let row = n * p.ld;
  let inv = 1.0 / f32(p.Co);
  var total = 0.0;
  for (var c = 0u; c < p.Co; c++) {
    let d = y[row + c] - targets[n * p.Co + c];
    total += d * d;
    y[row + c] = p.scale * 2.0 * d * inv;
  }
  rowLoss[n] = total * inv;
}
