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
// An invocation owns FOUR units of the four streams (j, j + WG, j + 2·WG,
// j + 3·WG, register-tiled as rnn_seq_forward.wgsl): each da_{t+1} load from
// workgroup memory feeds four rows of Wh. It publishes the da_t it wrote
// itself (the publishing loop walks the same units j + n·WG).
//
// Dimension legend: B batch, T window, H hidden; WG invocations per workgroup
// (32..256, covering ⌈H/4⌉ units, plan.ts PERSISTENT_UNITS), HMAX = H.
// Workgroup memory: H vec4 = 16·H bytes.
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
  let at = timeOf(t) * p.B * p.H + b * p.H + j;
  let dAt = hAt(timeOf(t), b, j);
  var dh = dH[dAt];
  if (!last) {
    dh += recurrent;
  }
  let h = gates[at];
  gates[at] = dh * (1.0 - h * h);
  dH[dAt] = dh;
}

fn own(t: u32, b: u32, j: u32) -> f32 {
  if (b < p.B) {
    return gates[timeOf(t) * p.B * p.H + b * p.H + j];
  }
  return 0.0;
}

// The four streams of unit j (skipped past H).
fn finishUnit(t: u32, last: bool, b0: u32, j: u32, a: vec4<f32>) {
  if (j >= p.H) {
    return;
  }
  finish(t, last, b0, j, a.x);
  finish(t, last, b0 + 1u, j, a.y);
  finish(t, last, b0 + 2u, j, a.z);
  finish(t, last, b0 + 3u, j, a.w);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b0 = wg.x * ROWS;
  let H = p.H;
  for (var step = 0u; step < p.T; step++) {
    let t = p.T - 1u - step;
    let last = step == 0u;
    for (var j = lid.x; j < H; j += 4u * WG) {
      // Units j + WG·u may be ≥ H: computed on clamped rows, never stored.
      let j1 = j + WG;
      let j2 = j + 2u * WG;
      let j3 = j + 3u * WG;
      var a0 = vec4<f32>(0.0);
      var a1 = vec4<f32>(0.0);
      var a2 = vec4<f32>(0.0);
      var a3 = vec4<f32>(0.0);
      if (!last) {
        let r0 = p.whOffset + j * H;
        let r1 = p.whOffset + min(j1, H - 1u) * H;
        let r2 = p.whOffset + min(j2, H - 1u) * H;
        let r3 = p.whOffset + min(j3, H - 1u) * H;
        for (var q = 0u; q < H; q++) {
          let d = das[q];
          a0 += d * params[r0 + q];
          a1 += d * params[r1 + q];
          a2 += d * params[r2 + q];
          a3 += d * params[r3 + q];
        }
      }
      finishUnit(t, last, b0, j, a0);
      finishUnit(t, last, b0, j1, a1);
      finishUnit(t, last, b0, j2, a2);
      finishUnit(t, last, b0, j3, a3);
    }
    // Everyone has read da_{t+1}; publish da_t (each invocation its own units).
    workgroupBarrier();
    for (var j = lid.x; j < H; j += WG) {
      das[j] = vec4<f32>(own(t, b0, j), own(t, b0 + 1u, j), own(t, b0 + 2u, j), own(t, b0 + 3u, j));
    }
    workgroupBarrier();
  }
}
