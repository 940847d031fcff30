// The whole window of one LSTM layer forward in ONE dispatch ("persistent"
// recurrent kernel, run wherever its workgroup memory fits, plan.ts): one
// workgroup owns a slice of ROWS = 4 streams and walks all T timesteps
// itself, keeping h_{t-1} of its streams in workgroup memory. Streams are independent, so no barrier has to span
// workgroups — the reason the step kernel (lstm_step_forward.wgsl) needs one
// dispatch per timestep. Per timestep, exactly as the step kernel:
//   z      = Gx[t] + h_{t-1} · Wh            (Gx already holds X·Wx + b)
//   i,f,o  = σ(z_i, z_f, z_o)   g = tanh(z_g)
//   c_t    = f ⊙ c_{t-1} + i ⊙ g            h_t = o ⊙ tanh(c_t)
// Gates are interleaved per unit (column 4j + k, k = i,f,g,o), so a unit's
// four gates are one vec4 column block of Wh. The product is register-tiled
// like gemm_vec4_8x8.wgsl: an invocation owns FOUR units (j, j + WG, j + 2·WG,
// j + 3·WG) of the four streams, walks k four at a time, and per step of four
// reads h as one vec4 per stream and Wh as four vec4 rows per unit — 20 loads
// for 256 FMAs. It reads back the c_{t-1} it wrote itself at step t − 1 (no
// sharing needed).
//
// Dimension legend: B batch, T window, H hidden; H4 = ⌈H/4⌉; WG invocations
// per workgroup (32..256, covering ⌈H/4⌉ units), HMAX = H (sizes the
// workgroup array). Workgroup memory: 2 · 4 · H4 vec4 ≈ 32·H bytes.
// Buffers:
//   params  arena as vec4; Wh (H, 4H) starts at vec4 index whOffset4
//   gates   (T, B, H) vec4 = (T, B, 4H): Gx in, activated gates out (in place)
//   hAll    (T + 1, B, H) hidden states, slot 0 = carried-in h, slot t + 1 = h_t
//   cAll    (T + 1, B, H) likewise for c

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

override WG: u32 = 64u;
override HMAX: u32 = 64u;
const ROWS = 4u; // streams per workgroup: each Wh load feeds four of them
override H4MAX = (HMAX + 3u) / 4u;

@group(0) @binding(1) var<storage, read> params: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> gates: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> hAll: array<f32>;
@group(0) @binding(4) var<storage, read_write> cAll: array<f32>;

// hs[(buffer·ROWS + r)·H4 + k/4][k % 4] = h[b0 + r, k]. Step t reads buffer
// t mod 2 and writes the other, so one barrier per step separates the reads
// from the next writes. Workgroup memory starts zeroed, so the padding past H
// and the streams past B stay zero.
var<workgroup> hs: array<vec4<f32>, 2u * ROWS * H4MAX>;

fn loadH0(b: u32, k: u32) -> f32 {
  if (b < p.B && k < p.H) {
    return hAll[hAt(inSlot(0u), b, k)];
  }
  return 0.0;
}

// Activates stream b0 + r, unit j at step t and publishes h_t into buffer `to`.
fn finish(t: u32, r: u32, j: u32, z: vec4<f32>, to: u32, H4: u32) {
  let b = wgBase + r;
  if (b >= p.B || j >= p.H) {
    return;
  }
  let BH = p.B * p.H;
  let bj = b * p.H + j;
  let at = timeOf(t) * BH + bj;
  let zt = z + gates[at];
  let act = activateGates(zt);
  let i = act.x;
  let f = act.y;
  let g = act.z;
  let o = act.w;
  let c = f * cAll[inSlot(t) * BH + bj] + i * g;
  let h = o * tanhSafe(c);
  gates[at] = act;
  cAll[outSlot(t) * BH + bj] = c;
  hAll[hAt(outSlot(t), b, j)] = h;
  hs[(to * ROWS + r) * H4 + j / 4u][j % 4u] = h;
}

// The four streams of unit j (skipped past H).
fn finishUnit(t: u32, j: u32, z0: vec4<f32>, z1: vec4<f32>, z2: vec4<f32>, z3: vec4<f32>, to: u32, H4: u32) {
  if (j >= p.H) {
    return;
  }
  finish(t, 0u, j, z0, to, H4);
  finish(t, 1u, j, z1, to, H4);
  finish(t, 2u, j, z2, to, H4);
  finish(t, 3u, j, z3, to, H4);
}

var<private> wgBase: u32;

// Accumulators written out (no private arrays indexed in loops: software
// adapters spill those to memory).
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  wgBase = wg.x * ROWS;
  let H4 = (p.H + 3u) / 4u;
  for (var e = lid.x; e < ROWS * H4; e += WG) {
    let r = e / H4;
    let k = (e % H4) * 4u;
    let b = wgBase + r;
    hs[e] = vec4<f32>(loadH0(b, k), loadH0(b, k + 1u), loadH0(b, k + 2u), loadH0(b, k + 3u));
  }
  workgroupBarrier();
  for (var t = 0u; t < p.T; t++) {
    let src = t % 2u;
    let to = 1u - src;
    let hBase = src * ROWS * H4;
    for (var j = lid.x; j < p.H; j += 4u * WG) {
      // Units j + WG·u may be ≥ H: computed on clamped loads, never stored.
      let j1 = j + WG;
      let j2 = j + 2u * WG;
      let j3 = j + 3u * WG;
      // a{u}{r}: unit j + WG·u, stream r.
      var a00 = vec4<f32>(0.0);
      var a01 = vec4<f32>(0.0);
      var a02 = vec4<f32>(0.0);
      var a03 = vec4<f32>(0.0);
      var a10 = vec4<f32>(0.0);
      var a11 = vec4<f32>(0.0);
      var a12 = vec4<f32>(0.0);
      var a13 = vec4<f32>(0.0);
      var a20 = vec4<f32>(0.0);
      var a21 = vec4<f32>(0.0);
      var a22 = vec4<f32>(0.0);
      var a23 = vec4<f32>(0.0);
      var a30 = vec4<f32>(0.0);
      var a31 = vec4<f32>(0.0);
      var a32 = vec4<f32>(0.0);
      var a33 = vec4<f32>(0.0);
      // Column bases of the units in Wh, and row offsets: rows past H (the last
      // partial step of four) meet zeros in hs, so clamping is enough.
      let w0 = p.whOffset4 + min(j, p.H - 1u);
      let w1 = p.whOffset4 + min(j1, p.H - 1u);
      let w2 = p.whOffset4 + min(j2, p.H - 1u);
      let w3 = p.whOffset4 + min(j3, p.H - 1u);
      let lastRow = (p.H - 1u) * p.H;
      for (var k4 = 0u; k4 < H4; k4++) {
        let x0 = hs[hBase + k4];
        let x1 = hs[hBase + H4 + k4];
        let x2 = hs[hBase + 2u * H4 + k4];
        let x3 = hs[hBase + 3u * H4 + k4];
        let r0 = 4u * k4 * p.H;
        let r1 = min(r0 + p.H, lastRow);
        let r2 = min(r1 + p.H, lastRow);
        let r3 = min(r2 + p.H, lastRow);
        var u0 = params[w0 + r0];
        var u1 = params[w0 + r1];
        var u2 = params[w0 + r2];
        var u3 = params[w0 + r3];
        a00 += x0.x * u0 + x0.y * u1 + x0.z * u2 + x0.w * u3;
        a01 += x1.x * u0 + x1.y * u1 + x1.z * u2 + x1.w * u3;
        a02 += x2.x * u0 + x2.y * u1 + x2.z * u2 + x2.w * u3;
        a03 += x3.x * u0 + x3.y * u1 + x3.z * u2 + x3.w * u3;
        u0 = params[w1 + r0];
        u1 = params[w1 + r1];
        u2 = params[w1 + r2];
        u3 = params[w1 + r3];
        a10 += x0.x * u0 + x0.y * u1 + x0.z * u2 + x0.w * u3;
        a11 += x1.x * u0 + x1.y * u1 + x1.z * u2 + x1.w * u3;
        a12 += x2.x * u0 + x2.y * u1 + x2.z * u2 + x2.w * u3;
        a13 += x3.x * u0 + x3.y * u1 + x3.z * u2 + x3.w * u3;
        u0 = params[w2 + r0];
        u1 = params[w2 + r1];
        u2 = params[w2 + r2];
        u3 = params[w2 + r3];
        a20 += x0.x * u0 + x0.y * u1 + x0.z * u2 + x0.w * u3;
        a21 += x1.x * u0 + x1.y * u1 + x1.z * u2 + x1.w * u3;
        a22 += x2.x * u0 + x2.y * u1 + x2.z * u2 + x2.w * u3;
        a23 += x3.x * u0 + x3.y * u1 + x3.z * u2 + x3.w * u3;
        u0 = params[w3 + r0];
        u1 = params[w3 + r1];
        u2 = params[w3 + r2];
        u3 = params[w3 + r3];
        a30 += x0.x * u0 + x0.y * u1 + x0.z * u2 + x0.w * u3;
        a31 += x1.x * u0 + x1.y * u1 + x1.z * u2 + x1.w * u3;
        a32 += x2.x * u0 + x2.y * u1 + x2.z * u2 + x2.w * u3;
        a33 += x3.x * u0 + x3.y * u1 + x3.z * u2 + x3.w * u3;
      }
      finishUnit(t, j, a00, a01, a02, a03, to, H4);
      finishUnit(t, j1, a10, a11, a12, a13, to, H4);
      finishUnit(t, j2, a20, a21, a22, a23, to, H4);
      finishUnit(t, j3, a30, a31, a32, a33, to, H4);
    }
    workgroupBarrier();
  }
}
