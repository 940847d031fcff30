// The whole window of one plain (Elman) RNN layer forward in ONE dispatch
// ("persistent" recurrent kernel, plan.ts): one workgroup owns ROWS = 4
// streams and walks all T timesteps, keeping h_{t−1} of its streams in
// workgroup memory (double-buffered). Per timestep, as rnn_step_forward.wgsl
// and src/engine/cpu/rnnLayer.ts:
//   h_t = tanh(ax_t + h_{t−1} · Wh)        (ax = gates[t] = X·Wx + b)
// Register-tiled like lstm_seq_forward.wgsl: an invocation owns FOUR units
// (j, j + WG, j + 2·WG, j + 3·WG) of the four streams and reads h_{t−1} as one
// vec4 per k (the four streams), so each workgroup-memory load feeds four
// units and each Wh load four streams: 5 loads for 16 FMAs, where one unit
// per invocation took 2 for 4. Neighbouring invocations read neighbouring Wh
// columns (coalesced).
//
// Dimension legend: B batch, T window, H hidden; WG invocations per workgroup
// (32..256, covering ⌈H/4⌉ units, plan.ts PERSISTENT_UNITS), HMAX = H.
// Workgroup memory: 2·H vec4 = 32·H bytes.
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
    return hAll[hAt(inSlot(0u), b, k)];
  }
  return 0.0;
}

fn finish(t: u32, b: u32, r: u32, j: u32, ah: f32, to: u32) {
  if (b >= p.B) {
    return;
  }
  let BH = p.B * p.H;
  let bj = b * p.H + j;
  let at = timeOf(t) * BH + bj;
  let h = tanhSafe(gates[at] + ah);
  gates[at] = h;
  hAll[hAt(outSlot(t), b, j)] = h;
  hs[to + j][r] = h;
}

// The four streams of unit j (skipped past H).
fn finishUnit(t: u32, b0: u32, j: u32, a: vec4<f32>, to: u32) {
  if (j >= p.H) {
    return;
  }
  finish(t, b0, 0u, j, a.x, to);
  finish(t, b0 + 1u, 1u, j, a.y, to);
  finish(t, b0 + 2u, 2u, j, a.z, to);
  finish(t, b0 + 3u, 3u, j, a.w, to);
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
    for (var j = lid.x; j < H; j += 4u * WG) {
      // Units j + WG·u may be ≥ H: computed on clamped columns, never stored.
      let j1 = j + WG;
      let j2 = j + 2u * WG;
      let j3 = j + 3u * WG;
      var a0 = vec4<f32>(0.0);
      var a1 = vec4<f32>(0.0);
      var a2 = vec4<f32>(0.0);
      var a3 = vec4<f32>(0.0);
      var w0 = p.whOffset + j;
      let d1 = min(j1, H - 1u) - j;
      let d2 = min(j2, H - 1u) - j;
      let d3 = min(j3, H - 1u) - j;
      for (var k = 0u; k < H; k++) {
        let h = hs[src + k];
        a0 += h * params[w0];
        a1 += h * params[w0 + d1];
        a2 += h * params[w0 + d2];
        a3 += h * params[w0 + d3];
        w0 += H;
      }
      finishUnit(t, b0, j, a0, to);
      finishUnit(t, b0, j1, a1, to);
      finishUnit(t, b0, j2, a2, to);
      finishUnit(t, b0, j3, a3, to);
    }
    workgroupBarrier();
  }
}
