// One LSTM timestep backward (BPTT) for every stream and unit of one layer,
// dispatched for t = T−1 down to 0:
//   dh     = dH[t] + dG_{t+1} · Whᵀ          (the recurrent term is absent at t = T−1:
//                                            the carried-out state is detached)
//   dc     = dc_{t+1}·f_{t+1} (carried) + dh ⊙ o ⊙ (1 − tanh²c_t)
//   dz     = (dc·g·i(1−i), dc·c_{t−1}·f(1−f), dc·i·(1−g²), dh·tanh(c_t)·o(1−o))
// and dc ⊙ f is carried to step t − 1. One invocation owns unit j's four gates.
//
// Dimension legend: B batch, T window, H hidden.
// Buffers:
//   params  arena as vec4; Wh (H, 4H) starts at vec4 index whOffset4
//   gates   (T, B, H) vec4: activated gates at t in, dz at t out (in place);
//           dz at t + 1 (written by the previous dispatch) in
//   cAll    (T + 1, B, H) cell states, slot 0 = carried-in c; slot t + 1 gets dc_t
//   dH      (T, B, H) loss gradient w.r.t. this layer's outputs (from the head or the
//           layer above) in; the whole dh_t (recurrent path included) out, in place
//   dc      (B, H) carried cell gradient

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

const ROWS = 4u;
const UNITS = 64u;

@group(0) @binding(1) var<storage, read> params: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> gates: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> cAll: array<f32>;
@group(0) @binding(4) var<storage, read_write> dH: array<f32>;
@group(0) @binding(5) var<storage, read_write> dc: array<f32>;

// Tiles of dz_{t+1} for the workgroup's four streams, one array per stream.
var<workgroup> dz0: array<vec4<f32>, 64>;
var<workgroup> dz1: array<vec4<f32>, 64>;
var<workgroup> dz2: array<vec4<f32>, 64>;
var<workgroup> dz3: array<vec4<f32>, 64>;

fn loadNext(b: u32, q: u32) -> vec4<f32> {
  if (b < p.B && q < p.H) {
    return gates[p.nextRow * p.B * p.H + b * p.H + q];
  }
  return vec4<f32>(0.0);
}

fn finish(b: u32, j: u32, recurrent: f32) {
  if (b >= p.B) {
    return;
  }
  let BH = p.B * p.H;
  let bj = b * p.H + j;
  let at = p.row * BH + bj;
  let dAt = hAt(p.row, b, j);
  let act = gates[at];
  let f = act.y;
  let o = act.w;
  let tc = tanhSafe(cAll[p.slot * BH + bj]);
  let cPrev = cAll[p.prevSlot * BH + bj];
  let dh = dH[dAt] + recurrent;
  var dcNext = 0.0;
  if (p.last == 0u) {
    dcNext = dc[bj];
  }
  let dcv = dcNext + dh * o * (1.0 - tc * tc);
  gates[at] = gateGradients(act, dcv, dh, tc, cPrev);
  dc[bj] = dcv * f;
  // The whole dh_t and dc_t stay behind for gradientFlow: dH[t] and cAll slot t + 1 are
  // read by no later step (the train program stores the carried state before BPTT).
  dH[dAt] = dh;
  cAll[p.slot * BH + bj] = dcv;
}

// Written out for four streams (no private arrays indexed in loops).
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let j = wg.x * UNITS + lid.x;
  let b0 = wg.y * ROWS;
  var r0 = 0.0; // (dz_{t+1} · Whᵀ)[b0 + r, j]
  var r1 = 0.0;
  var r2 = 0.0;
  var r3 = 0.0;
  if (p.last == 0u) {
    for (var q0 = 0u; q0 < p.H; q0 += UNITS) {
      let q = q0 + lid.x;
      dz0[lid.x] = loadNext(b0, q);
      dz1[lid.x] = loadNext(b0 + 1u, q);
      dz2[lid.x] = loadNext(b0 + 2u, q);
      dz3[lid.x] = loadNext(b0 + 3u, q);
      workgroupBarrier();
      if (j < p.H) {
        // Row j of Wh holds unit j's weights into every gate of every unit q.
        let qEnd = min(UNITS, p.H - q0);
        let rowBase = p.whOffset4 + j * p.H + q0;
        for (var qq = 0u; qq < qEnd; qq++) {
          let w = params[rowBase + qq];
          r0 += dot(dz0[qq], w);
          r1 += dot(dz1[qq], w);
          r2 += dot(dz2[qq], w);
          r3 += dot(dz3[qq], w);
        }
      }
      workgroupBarrier();
    }
  }
  if (j >= p.H) {
    return;
  }
  finish(b0, j, r0);
  finish(b0 + 1u, j, r1);
  finish(b0 + 2u, j, r2);
  finish(b0 + 3u, j, r3);
}
