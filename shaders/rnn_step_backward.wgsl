// One plain RNN timestep backward (BPTT) for every stream and unit of one
// layer, dispatched for t = T−1 down to 0, as rnn_seq_backward.wgsl (whose
// comment has the equations) with da_{t+1} read from `gates`, written by the
// previous dispatch. One invocation owns unit j of four streams.
//
// Dimension legend: B batch, T window, H hidden.
// Buffers:
//   params  arena as f32; Wh (H, H) at whOffset
//   gates   (T, B, H) h_t at t in, da_t out (in place); da_{t+1} in
//   dH      (T, B, H) loss gradient w.r.t. this layer's outputs in; the whole dh_t
//           (recurrent path included) out, in place, for gradientFlow

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

const ROWS = 4u;

@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> gates: array<f32>;
@group(0) @binding(3) var<storage, read_write> dH: array<f32>;

fn next(b: u32, q: u32) -> f32 {
  if (b < p.B) {
    return gates[p.nextRow * p.B * p.H + b * p.H + q];
  }
  return 0.0;
}

fn finish(b: u32, j: u32, recurrent: f32) {
  if (b >= p.B) {
    return;
  }
  let at = p.row * p.B * p.H + b * p.H + j;
  let dAt = hAt(p.row, b, j);
  var dh = dH[dAt];
  if (p.last == 0u) {
    dh += recurrent;
  }
  let h = gates[at];
  gates[at] = dh * (1.0 - h * h);
  dH[dAt] = dh;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let b0 = gid.y * ROWS;
  if (j >= p.H) {
    return;
  }
  var a = vec4<f32>(0.0);
  if (p.last == 0u) {
    let row = p.whOffset + j * p.H;
    for (var q = 0u; q < p.H; q++) {
      a += vec4<f32>(next(b0, q), next(b0 + 1u, q), next(b0 + 2u, q), next(b0 + 3u, q)) * params[row + q];
    }
  }
  finish(b0, j, a.x);
  finish(b0 + 1u, j, a.y);
  finish(b0 + 2u, j, a.z);
  finish(b0 + 3u, j, a.w);
}
