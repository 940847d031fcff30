// Fused global-norm clipping + Adam/AdamW over the flat parameter arena,
// following src/engine/cpu/adam.ts:
//   norm  = sqrt(Σ partials)                      (every workgroup sums the same partials
//                                                  in the same order, so all agree)
//   scale = clipNorm > 0 ? min(1, clipNorm / (norm + 1e-6)) : 1
//   g = grad·scale;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//   p −= decay·p where decayMask = 1 (decoupled weight decay, decay = lr·wd)
//   p −= stepSize · m / (sqrt(v / bc2) + ε)       (stepSize = lr / bc1)
// Workgroup 0 also sums the per-position losses into the loss log, so the
// host reads loss and norm back in batches, never inside the training loop.
//
// Divergence: when the norm is not finite the update is skipped (weights and
// moments stay as they were), and every invocation checks the weights (and
// the moments it wrote) it leaves behind. WGSL has no isnan/isinf (and may assume finite floats), so
// the check looks at the exponent bits: all ones is ±∞ or NaN. Any
// invocation that finds one does atomicMax(step) on the slot's flag word; the
// host reads "flag == step" as "weights not finite after this step". A max of
// step numbers needs no clearing between steps (older steps wrote smaller
// numbers); the host clears the log when the step count goes back (rollback,
// setParams).
//
// Works on vec4s (the arena is a multiple of 64 floats) with 64 invocations per
// workgroup, keeping barrier-heavy reductions small for software adapters.
//
// Dimension legend: P = floats in the arena, P4 = P / 4; N = T·B positions;
// R = loss log slots.
// Buffers:
//   params, m, v  (P4) vec4 arena, updated in place
//   grads         (P4) vec4 arena
//   decayMask     (P4) vec4, 1 where weight decay applies
//   partials      (W) from grad_norm.wgsl
//   rowLoss       (N) per-position cross-entropy
//   lossLog       (R, 4) u32 words per step, slot lossSlot:
//                 [bits of mean loss, bits of gradient norm, non-finite flag, unused]

// p: Params (binding 0) and hyper: Step (binding 1), the uniform blocks
// declared in src/engine/gpu/kernels.ts and adamStep.ts, are generated in
// front at load.

const THREADS = 64u;

@group(0) @binding(2) var<storage, read_write> params: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> m: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> v: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> decayMask: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> partials: array<f32>;
@group(0) @binding(8) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(9) var<storage, read_write> lossLog: array<atomic<u32>>;

var<workgroup> partial: array<f32, 64>;

fn reduceSum(lane: u32) -> f32 {
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

fn nonFinite(x: vec4<f32>) -> bool {
  let exponent = vec4<u32>(0x7f800000u);
  return any((bitcast<vec4<u32>>(x) & exponent) == exponent);
}

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  var s = 0.0;
  for (var i = lid.x; i < p.partialCount; i += THREADS) {
    s += partials[i];
  }
  partial[lid.x] = s;
  let norm = sqrt(reduceSum(lid.x));
  var scale = 1.0;
  if (hyper.clipNorm > 0.0) {
    scale = min(1.0, hyper.clipNorm / (norm + 1e-6));
  }

  // The same value in every invocation, so the branch below is uniform.
  let update = !nonFinite(vec4<f32>(norm));
  var bad = false;
  for (var i = wg.x * THREADS + lid.x; i < p.count4; i += nwg.x * THREADS) {
    if (update) {
      let g = grads[i] * scale;
      let mi = hyper.beta1 * m[i] + hyper.oneMinusBeta1 * g;
      let vi = hyper.beta2 * v[i] + hyper.oneMinusBeta2 * g * g;
      m[i] = mi;
      v[i] = vi;
      // The mask is 0 or 1, so this is p − decay·p exactly where decay applies.
      let w = params[i] * (1.0 - hyper.decay * decayMask[i]);
      let next = w - hyper.stepSize * mi / (sqrt(vi / hyper.bc2) + hyper.epsilon);
      params[i] = next;
      // Moments count too: a checkpoint of an infinite v could never be saved.
      bad = bad || nonFinite(next) || nonFinite(mi) || nonFinite(vi);
    } else {
      bad = bad || nonFinite(params[i]);
    }
  }
  if (bad) {
    atomicMax(&lossLog[4u * hyper.lossSlot + 2u], hyper.step);
  }

  if (wg.x == 0u) {
    var loss = 0.0;
    for (var n = lid.x; n < p.lossRows; n += THREADS) {
      loss += rowLoss[n];
    }
    partial[lid.x] = loss;
    let total = reduceSum(lid.x);
    if (lid.x == 0u) {
      atomicStore(&lossLog[4u * hyper.lossSlot], bitcast<u32>(total / f32(p.lossRows)));
      atomicStore(&lossLog[4u * hyper.lossSlot + 1u], bitcast<u32>(norm));
    }
  }
}
