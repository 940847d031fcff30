// Adds the summed per-position loss of one window to an accumulator, for
// evaluation and gradients(): one workgroup, a fixed reduction order.
//
// Dimension legend: N = T·B positions.
// Buffers:
//   rowLoss  (N) per-position cross-entropy
//   acc      (1) acc[0] += Σ rowLoss

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

const THREADS = 256u;

@group(0) @binding(1) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(2) var<storage, read_write> acc: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  for (var n = lid.x; n < p.rows; n += THREADS) {
    s += rowLoss[n];
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
    acc[0] += partial[0];
  }
}
