// Fused softmax + cross-entropy + its gradient, one invocation per position:
//   rowLoss[n]   = log Σ_v exp(logits[n, v]) − logits[n, target[n]]
//   logits[n, v] ← scale · (softmax(logits[n])_v − [v = target[n]])   (in place)
// scale = 1/N turns the summed loss into the mean the optimizer follows. The
// row max is subtracted before exponentiating, as in the CPU reference.
// A character vocabulary is small (V ≈ 100), so a row per invocation beats a
// workgroup reduction per row: no barriers, and N = T·B rows fill the GPU.
//
// Dimension legend: T window, B batch, V vocabulary; N = T·B; ld ≥ V the
// row stride of logits (the GPU pads rows to a multiple of 4, params.ts).
// Buffers:
//   logits   (N, ld) logits in, dlogits out, in columns 0..V-1 (the rest untouched)
//   targets  (N) target token ids at targetOffset
//   rowLoss  (N) per-position loss (summed later by adam.wgsl or loss_sum.wgsl)

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

@group(0) @binding(1) var<storage, read_write> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;
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
  let label = u32(targets[p.targetOffset + n]);
  let targetLogit = logits[row + label];
  var rowMax = -3.0e38;
  for (var v = 0u; v < p.V; v++) {
    rowMax = max(rowMax, logits[row + v]);
  }
  var total = 0.0;
  for (var v = 0u; v < p.V; v++) {
    total += exp(logits[row + v] - rowMax);
  }
  let inv = p.scale / total;
  for (var v = 0u; v < p.V; v++) {
    logits[row + v] = exp(logits[row + v] - rowMax) * inv;
  }
  logits[row + label] -= p.scale;
  rowLoss[n] = log(total) + rowMax - targetLogit;
}
