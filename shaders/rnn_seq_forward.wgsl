// The whole window of one plain (Elman) RNN layer forward in ONE dispatch
// ("persistent" recurrent kernel, plan.ts): one workgroup owns ROWS = 4
// streams and walks all T timesteps, keeping h_{t−1} of its streams in
// workgroup memory (double-buffered). Per timestep, as rnn_step_forward.wgsl
// and src/engine/cpu/rnnLayer.ts:
//   h_t = tanh(ax_t + h_{t−1} · Wh)        (ax = gates[t] = X·Wx + b)
// An invocation owns one unit of the four streams at a time and reads h_{t−1}
// as one vec4 per k, so each Wh load feeds four streams.
//
// Dimension legend: B batch, T window, H hidden; WG invocations per workgroup
// (32..256, covering H units), HMAX = H. Workgroup memory: 2·H vec4 = 32·H bytes.
// Buffers:
//   params  arena as f32; Wh (H, H) at whOffset
//   gates   (T, B, H) ax in, h_t out (in place: the RNN's one "gate" is its output)
//   hAll    (T + 1, B, H) slot 0 = carried-in h, slot t + 1 = h_t

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

override WG: u32 = 64u;
override HMAX: u32 = 64u;
const ROWS = 4u;

@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> gates: array<f32>;
@group(0) @binding(3) var<storage, read_write> hAll: array<f32>;

var<workgroup> hs: array<vec4<f32>, 2u * HMAX>;

fn loadH0(b: u32, k: u32) -> f32 {
  if (b < p.B) {
    return hAll[b * p.H + k];
  }
  return 0.0;
}

fn finish(t: u32, b: u32, r: u32, j: u32, ah: f32, to: u32) {
  if (b >= p.B) {
    return;
  }
  let BH = p.B * p.H;
  let bj = b * p.H + j;
  let at = t * BH + bj;
  let h = tanhSafe(gates[at] + ah);
  gates[at] = h;
  hAll[(t + 1u) * BH + bj] = h;
  hs[to + j][r] = h;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b0 = wg.x * ROWS;
  let H = p.H;
  for (var k = lid.x; k < H; k += WG) {
    hs[k] = vec4<f32>(loadH0(b0, k), loadH0(b0 + 1u, k), loadH0(b0 + 2u, k), loadH0(b0 + 3u, k));
  }
  workgroupBarrier();
  for (var t = 0u; t < p.T; t++) {
    let src = (t % 2u) * HMAX;
    let to = HMAX - src;
    for (var j = lid.x; j < H; j += WG) {
      var a = vec4<f32>(0.0);
      var w = p.whOffset + j;
      for (var k = 0u; k < H; k++) {
        a += hs[src + k] * params[w];
        w += H;
      }
      finish(t, b0, 0u, j, a.x, to);
      finish(t, b0 + 1u, 1u, j, a.y, to);
      finish(t, b0 + 2u, 2u, j, a.z, to);
      finish(t, b0 + 3u, 3u, j, a.w, to);
    }
    workgroupBarrier();
  }
}
