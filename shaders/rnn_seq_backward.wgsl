// BPTT through the whole window of one plain RNN layer in ONE dispatch
// ("persistent" recurrent kernel, plan.ts): one workgroup owns ROWS = 4
// streams and walks t = T−1 down to 0, keeping da_{t+1} of its streams in
// workgroup memory. Per timestep, as rnn_step_backward.wgsl and
// src/engine/cpu/rnnLayer.ts:
//   dh_t = dH[t] + da_{t+1} · Whᵀ     (absent at t = T−1: the carried-out state is detached)
//   da_t = dh_t ⊙ (1 − h_t²)          into `gates` (in place)
// This product, times tanh′ ≤ 1 per step, is the only path back in time:
// the gradient the gradient-flow view shows vanishing.
//
// Dimension legend: B batch, T window, H hidden; WG invocations per workgroup
// (32..256, covering H units), HMAX = H. Workgroup memory: H vec4 = 16·H bytes.
// Buffers:
//   params  arena as f32; Wh (H, H) at whOffset
//   gates   (T, B, H) h_t in, da_t out (in place)
//   dH      (T, B, H) loss gradient w.r.t. this layer's outputs in; the whole dh_t
//           (recurrent path included) out, in place, for gradientFlow

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

override WG: u32 = 64u;
override HMAX: u32 = 64u;
const ROWS = 4u;

@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> gates: array<f32>;
@group(0) @binding(3) var<storage, read_write> dH: array<f32>;

// das[q] = da_{t+1}[b0 .. b0 + 3, q] (zero for streams past B).
var<workgroup> das: array<vec4<f32>, HMAX>;

fn finish(t: u32, last: bool, b: u32, j: u32, recurrent: f32) {
  if (b >= p.B) {
    return;
  }
  let at = t * p.B * p.H + b * p.H + j;
  var dh = dH[at];
  if (!last) {
    dh += recurrent;
  }
  let h = gates[at];
  gates[at] = dh * (1.0 - h * h);
  dH[at] = dh;
}

fn own(t: u32, b: u32, j: u32) -> f32 {
  if (b < p.B) {
    return gates[t * p.B * p.H + b * p.H + j];
  }
  return 0.0;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b0 = wg.x * ROWS;
  let H = p.H;
  for (var step = 0u; step < p.T; step++) {
    let t = p.T - 1u - step;
    let last = step == 0u;
    for (var j = lid.x; j < H; j += WG) {
      var a = vec4<f32>(0.0);
      if (!last) {
        let row = p.whOffset + j * H;
        for (var q = 0u; q < H; q++) {
          a += das[q] * params[row + q];
        }
      }
      finish(t, last, b0, j, a.x);
      finish(t, last, b0 + 1u, j, a.y);
      finish(t, last, b0 + 2u, j, a.z);
      finish(t, last, b0 + 3u, j, a.w);
    }
    // Everyone has read da_{t+1}; publish da_t (each invocation its own units).
    workgroupBarrier();
    for (var j = lid.x; j < H; j += WG) {
      das[j] = vec4<f32>(own(t, b0, j), own(t, b0 + 1u, j), own(t, b0 + 2u, j), own(t, b0 + 3u, j));
    }
    workgroupBarrier();
  }
}
