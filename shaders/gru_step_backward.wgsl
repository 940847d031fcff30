// One GRU timestep backward (BPTT) for every stream and unit of one layer,
// dispatched for t = T−1 down to 0, as gru_seq_backward.wgsl (whose comment
// has the equations) with dGatesH_{t+1} read from `gatesH`, written by the
// previous dispatch. One invocation owns unit j of four streams.
//
// Dimension legend: B batch, T window, H hidden.
// Buffers:
//   params  arena as f32; Wh (H, 3H) at whOffset
//   gates   (T, B, 3H) activated (r, z, n) at t in, dGates at t out (in place)
//   hAll    (T + 1, B, H) slot t = h_{t−1}
//   hnAll   (T + 1, B, H) slot t + 1 = hn_t
//   dH      (T, B, H) loss gradient w.r.t. this layer's outputs in; the whole dh_t
//           (recurrent path included) out, in place, for gradientFlow
//   carry   (B, H) dh·z, carried from step t + 1 to step t
//   gatesH  (T, B, 3H) dGatesH: t + 1 in, t out

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

const ROWS = 4u;

@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> gates: array<f32>;
@group(0) @binding(3) var<storage, read> hAll: array<f32>;
@group(0) @binding(4) var<storage, read> hnAll: array<f32>;
@group(0) @binding(5) var<storage, read_write> dH: array<f32>;
@group(0) @binding(6) var<storage, read_write> carry: array<f32>;
@group(0) @binding(7) var<storage, read_write> gatesH: array<f32>;

fn next(b: u32, m: u32) -> f32 {
  if (b < p.B) {
    return gatesH[(p.nextRow * p.B + b) * 3u * p.H + m];
  }
  return 0.0;
}

fn finish(b: u32, j: u32, recurrent: f32) {
  if (b >= p.B) {
    return;
  }
  let BH = p.B * p.H;
  let bj = b * p.H + j;
  let at = p.row * BH + bj;
  let dAt = hAt(p.row, b, j);
  let g = 3u * at;
  var dh = dH[dAt];
  if (p.last == 0u) {
    dh += carry[bj] + recurrent;
  }
  let act = vec3<f32>(gates[g], gates[g + 1u], gates[g + 2u]);
  let out = gruBackward(act, hnAll[p.slot * BH + bj], hAll[hAt(p.prevSlot, b, j)], dh);
  gates[g] = out.dx.x;
  gates[g + 1u] = out.dx.y;
  gates[g + 2u] = out.dx.z;
  gatesH[g] = out.dh.x;
  gatesH[g + 1u] = out.dh.y;
  gatesH[g + 2u] = out.dh.z;
  carry[bj] = out.direct;
  dH[dAt] = dh;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let b0 = gid.y * ROWS;
  if (j >= p.H) {
    return;
  }
  let G = 3u * p.H;
  var a = vec4<f32>(0.0);
  if (p.last == 0u) {
    let row = p.whOffset + j * G;
    for (var m = 0u; m < G; m++) {
      a += vec4<f32>(next(b0, m), next(b0 + 1u, m), next(b0 + 2u, m), next(b0 + 3u, m)) * params[row + m];
    }
  }
  finish(b0, j, a.x);
  finish(b0 + 1u, j, a.y);
  finish(b0 + 2u, j, a.z);
  finish(b0 + 3u, j, a.w);
}
