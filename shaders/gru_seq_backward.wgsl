// BPTT through the whole window of one GRU layer in ONE dispatch
// ("persistent" recurrent kernel, plan.ts): one workgroup owns ROWS = 4
// streams and walks t = T−1 down to 0, keeping dGatesH_{t+1} (the gradient
// w.r.t. ah = h·Wh) of its streams in workgroup memory. Per timestep, as
// gru_step_backward.wgsl and src/engine/cpu/gruLayer.ts:
//   dh_t = dH[t] + dh_{t+1}·z_{t+1} (direct path, carried) + dGatesH_{t+1} · Whᵀ
//          (both absent at t = T−1: the carried-out state is detached)
//   dGates_t  = (dr, dz, dn)      into `gates` (in place): for dWx, db, dX
//   dGatesH_t = (dr, dz, dn·r)    into `gatesH`: for dWh, dbhn and step t − 1
// An invocation owns FOUR units of the four streams (j, j + WG, j + 2·WG,
// j + 3·WG, register-tiled as gru_seq_forward.wgsl); rows j of Wh (3H floats,
// unit j's weights into every gate) meet dGatesH_{t+1} as one vec4 over the
// four streams per column, so each workgroup-memory load feeds four units.
// Each invocation publishes the dGatesH it wrote itself (re-read from
// `gatesH`; the publishing loop walks the same units j + n·WG) after a barrier.
//
// Dimension legend: B batch, T window, H hidden; WG invocations per workgroup
// (32..256, covering ⌈H/4⌉ units, plan.ts PERSISTENT_UNITS), HMAX = H.
// Workgroup memory: 3·H vec4 = 48·H bytes.
// Buffers:
//   params  arena as f32; Wh (H, 3H) at whOffset
//   gates   (T, B, 3H) activated (r, z, n) in, dGates out (in place)
//   hAll    (T + 1, B, H) slot t = h_{t−1}
//   hnAll   (T + 1, B, H) slot t + 1 = hn_t
//   dH      (T, B, H) loss gradient w.r.t. this layer's outputs in; the whole dh_t
//           (recurrent path included) out, in place, for gradientFlow
//   carry   (B, H) dh·z of step t + 1 (scratch owned per invocation)
//   gatesH  (T, B, 3H) dGatesH out

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

override WG: u32 = 64u;
override HMAX: u32 = 64u;
const ROWS = 4u;

@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> gates: array<f32>;
@group(0) @binding(3) var<storage, read> hAll: array<f32>;
@group(0) @binding(4) var<storage, read> hnAll: array<f32>;
@group(0) @binding(5) var<storage, read_write> dH: array<f32>;
@group(0) @binding(6) var<storage, read_write> carry: array<f32>;
@group(0) @binding(7) var<storage, read_write> gatesH: array<f32>;

// dgs[m] = dGatesH_{t+1}[b0 .. b0 + 3, m], m < 3H (zero for streams past B).
var<workgroup> dgs: array<vec4<f32>, 3u * HMAX>;

fn finish(t: u32, last: bool, b: u32, j: u32, recurrent: f32) {
  if (b >= p.B) {
    return;
  }
  let BH = p.B * p.H;
  let bj = b * p.H + j;
  let at = timeOf(t) * BH + bj;
  let dAt = hAt(timeOf(t), b, j);
  let g = 3u * at;
  var dh = dH[dAt];
  if (!last) {
    dh += carry[bj] + recurrent;
  }
  let act = vec3<f32>(gates[g], gates[g + 1u], gates[g + 2u]);
  let out = gruBackward(act, hnAll[outSlot(t) * BH + bj], hAll[hAt(inSlot(t), b, j)], dh);
  gates[g] = out.dx.x;
  gates[g + 1u] = out.dx.y;
  gates[g + 2u] = out.dx.z;
  gatesH[g] = out.dh.x;
  gatesH[g + 1u] = out.dh.y;
  gatesH[g + 2u] = out.dh.z;
  carry[bj] = out.direct;
  dH[dAt] = dh;
}

fn own(t: u32, b: u32, m: u32) -> f32 {
  if (b < p.B) {
    return gatesH[(timeOf(t) * p.B + b) * 3u * p.H + m];
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
  let G = 3u * H;
  for (var step = 0u; step < p.T; step++) {
    let t = p.T - 1u - step;
    let last = step == 0u;
    for (var j = lid.x; j < H; j += 4u * WG) {
      // Units j + WG·u may be ≥ H: computed on clamped rows, never stored.
      let j1 = j + WG;
      let j2 = j + 2u * WG;
      let j3 = j + 3u * WG;
      // a{u} = (dGatesH_{t+1} · Whᵀ)[b0 + r, j + WG·u] over the four streams r.
      var a0 = vec4<f32>(0.0);
      var a1 = vec4<f32>(0.0);
      var a2 = vec4<f32>(0.0);
      var a3 = vec4<f32>(0.0);
      if (!last) {
        let r0 = p.whOffset + j * G;
        let r1 = p.whOffset + min(j1, H - 1u) * G;
        let r2 = p.whOffset + min(j2, H - 1u) * G;
        let r3 = p.whOffset + min(j3, H - 1u) * G;
        for (var m = 0u; m < G; m++) {
          let d = dgs[m];
          a0 += d * params[r0 + m];
          a1 += d * params[r1 + m];
          a2 += d * params[r2 + m];
          a3 += d * params[r3 + m];
        }
      }
      finishUnit(t, last, b0, j, a0);
      finishUnit(t, last, b0, j1, a1);
      finishUnit(t, last, b0, j2, a2);
      finishUnit(t, last, b0, j3, a3);
    }
    // Everyone has read dGatesH_{t+1}; publish dGatesH_t (each invocation its own units).
    workgroupBarrier();
    for (var j = lid.x; j < H; j += WG) {
      for (var k = 3u * j; k < 3u * j + 3u; k++) {
        dgs[k] = vec4<f32>(own(t, b0, k), own(t, b0 + 1u, k), own(t, b0 + 2u, k), own(t, b0 + 3u, k));
      }
    }
    workgroupBarrier();
  }
}
