// The whole window of one GRU layer forward in ONE dispatch ("persistent"
// recurrent kernel, run wherever its workgroup memory fits, plan.ts): one
// workgroup owns ROWS = 4 streams and walks all T timesteps, keeping h_{t−1}
// of its streams in workgroup memory (double-buffered; streams are
// independent, so no barrier spans workgroups). Per timestep, as the step
// kernel (gru_step_forward.wgsl) and gru_cell.wgsl:
//   ah = h_{t−1} · Wh     then r, z, hn, n and h_t from ax = gates[t] (X·Wx + b)
// Gates are interleaved per unit (column 3j + k, k = r, z, n); 3H is not a
// multiple of 4, so Wh is read as scalars. Register-tiled like
// lstm_seq_forward.wgsl: an invocation owns FOUR units (j, j + WG, j + 2·WG,
// j + 3·WG) of the four streams and reads h_{t−1} as one vec4 per k (the four
// streams), so each workgroup-memory load feeds four units and each Wh load
// four streams: 13 loads for 48 FMAs, where one unit took 4 for 12.
//
// Dimension legend: B batch, T window, H hidden; WG invocations per workgroup
// (32..256, covering ⌈H/4⌉ units, plan.ts PERSISTENT_UNITS), HMAX = H (sizes
// the workgroup array).
// Workgroup memory: 2·H vec4 = 32·H bytes.
// Buffers:
//   params  arena as f32; Wh (H, 3H) at whOffset, bhn (H) at bhnOffset
//   gates   (T, B, 3H) ax in, activated (r, z, n) out (in place)
//   hAll    (T + 1, B, H) slot 0 = carried-in h, slot t + 1 = h_t
//   hnAll   (T + 1, B, H) slot t + 1 = hn_t = h_{t−1}·Whn + bhn (slot 0 unused)

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

override WG: u32 = 64u;
override HMAX: u32 = 64u;
const ROWS = 4u;

@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> gates: array<f32>;
@group(0) @binding(3) var<storage, read_write> hAll: array<f32>;
@group(0) @binding(4) var<storage, read_write> hnAll: array<f32>;

// hs[buffer·HMAX + k] = h[b0 .. b0 + 3, k]: step t reads buffer t mod 2 and
// writes the other. Streams past B stay zero.
var<workgroup> hs: array<vec4<f32>, 2u * HMAX>;

fn loadH0(b: u32, k: u32) -> f32 {
  if (b < p.B) {
    return hAll[hAt(inSlot(0u), b, k)];
  }
  return 0.0;
}

fn finish(t: u32, b: u32, r: u32, j: u32, ah: vec3<f32>, hPrev: f32, to: u32) {
  if (b >= p.B) {
    return;
  }
  let BH = p.B * p.H;
  let bj = b * p.H + j;
  let at = timeOf(t) * BH + bj;
  let g = 3u * at;
  let out = gruForward(vec3<f32>(gates[g], gates[g + 1u], gates[g + 2u]), ah, params[p.bhnOffset + j], hPrev);
  gates[g] = out.act.x;
  gates[g + 1u] = out.act.y;
  gates[g + 2u] = out.act.z;
  hnAll[outSlot(t) * BH + bj] = out.hn;
  hAll[hAt(outSlot(t), b, j)] = out.h;
  hs[to + j][r] = out.h;
}

// The four streams of unit j (skipped past H); ar, az, an: its gates' h·Wh.
fn finishUnit(t: u32, b0: u32, j: u32, ar: vec4<f32>, az: vec4<f32>, an: vec4<f32>, src: u32, to: u32) {
  if (j >= p.H) {
    return;
  }
  let hPrev = hs[src + j];
  finish(t, b0, 0u, j, vec3<f32>(ar.x, az.x, an.x), hPrev.x, to);
  finish(t, b0 + 1u, 1u, j, vec3<f32>(ar.y, az.y, an.y), hPrev.y, to);
  finish(t, b0 + 2u, 2u, j, vec3<f32>(ar.z, az.z, an.z), hPrev.z, to);
  finish(t, b0 + 3u, 3u, j, vec3<f32>(ar.w, az.w, an.w), hPrev.w, to);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b0 = wg.x * ROWS;
  let H = p.H;
  let G = 3u * H;
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
      // a{u}{k}: gate k of unit j + WG·u over the four streams.
      var a0r = vec4<f32>(0.0);
      var a0z = vec4<f32>(0.0);
      var a0n = vec4<f32>(0.0);
      var a1r = vec4<f32>(0.0);
      var a1z = vec4<f32>(0.0);
      var a1n = vec4<f32>(0.0);
      var a2r = vec4<f32>(0.0);
      var a2z = vec4<f32>(0.0);
      var a2n = vec4<f32>(0.0);
      var a3r = vec4<f32>(0.0);
      var a3z = vec4<f32>(0.0);
      var a3n = vec4<f32>(0.0);
      var w0 = p.whOffset + 3u * j;
      let d1 = 3u * (min(j1, H - 1u) - j);
      let d2 = 3u * (min(j2, H - 1u) - j);
      let d3 = 3u * (min(j3, H - 1u) - j);
      for (var k = 0u; k < H; k++) {
        let h = hs[src + k];
        a0r += h * params[w0];
        a0z += h * params[w0 + 1u];
        a0n += h * params[w0 + 2u];
        let w1 = w0 + d1;
        a1r += h * params[w1];
        a1z += h * params[w1 + 1u];
        a1n += h * params[w1 + 2u];
        let w2 = w0 + d2;
        a2r += h * params[w2];
        a2z += h * params[w2 + 1u];
        a2n += h * params[w2 + 2u];
        let w3 = w0 + d3;
        a3r += h * params[w3];
        a3z += h * params[w3 + 1u];
        a3n += h * params[w3 + 2u];
        w0 += G;
      }
      finishUnit(t, b0, j, a0r, a0z, a0n, src, to);
      finishUnit(t, b0, j1, a1r, a1z, a1n, src, to);
      finishUnit(t, b0, j2, a2r, a2z, a2n, src, to);
      finishUnit(t, b0, j3, a3r, a3z, a3n, src, to);
    }
    workgroupBarrier();
  }
}
