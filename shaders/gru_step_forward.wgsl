// One GRU timestep forward for every stream and unit of one layer; the engine
// dispatches it T times per layer (the sampler once per position). As
// gru_cell.wgsl: ah = h_{t−1}·Wh, then r, z, hn, n, h_t from ax = gates[row].
// One invocation owns unit j of four streams (each Wh load feeds four).
//
// Dimension legend: B batch, H hidden. The state ring has S slots: S = T + 1
// in training (slot 0 = carried-in state, slot t + 1 = step t), S = 2 in the
// sampler; prevSlot and nextSlot pick them.
// Buffers:
//   params  arena as f32; Wh (H, 3H) at whOffset, bhn (H) at bhnOffset
//   gates   (T, B, 3H) ax in, activated (r, z, n) out (in place, row `row`)
//   hAll    (S, B, H) hidden states
//   hnAll   (S, B, H) hn = h_{t−1}·Whn + bhn of the step that wrote the slot

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

const ROWS = 4u;

@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> gates: array<f32>;
@group(0) @binding(3) var<storage, read_write> hAll: array<f32>;
@group(0) @binding(4) var<storage, read_write> hnAll: array<f32>;

fn loadPrev(b: u32, k: u32) -> f32 {
  if (b < p.B) {
    return hAll[hAt(p.prevSlot, b, k)];
  }
  return 0.0;
}

fn finish(b: u32, j: u32, ah: vec3<f32>, hPrev: f32) {
  if (b >= p.B) {
    return;
  }
  let bj = b * p.H + j;
  let g = 3u * (p.row * p.B * p.H + bj);
  let out = gruForward(vec3<f32>(gates[g], gates[g + 1u], gates[g + 2u]), ah, params[p.bhnOffset + j], hPrev);
  gates[g] = out.act.x;
  gates[g + 1u] = out.act.y;
  gates[g + 2u] = out.act.z;
  hnAll[p.nextSlot * p.B * p.H + bj] = out.hn;
  hAll[hAt(p.nextSlot, b, j)] = out.h;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let b0 = gid.y * ROWS;
  if (j >= p.H) {
    return;
  }
  let G = 3u * p.H;
  var ar = vec4<f32>(0.0);
  var az = vec4<f32>(0.0);
  var an = vec4<f32>(0.0);
  var w = p.whOffset + 3u * j;
  for (var k = 0u; k < p.H; k++) {
    let h = vec4<f32>(loadPrev(b0, k), loadPrev(b0 + 1u, k), loadPrev(b0 + 2u, k), loadPrev(b0 + 3u, k));
    ar += h * params[w];
    az += h * params[w + 1u];
    an += h * params[w + 2u];
    w += G;
  }
  finish(b0, j, vec3<f32>(ar.x, az.x, an.x), loadPrev(b0, j));
  finish(b0 + 1u, j, vec3<f32>(ar.y, az.y, an.y), loadPrev(b0 + 1u, j));
  finish(b0 + 2u, j, vec3<f32>(ar.z, az.z, an.z), loadPrev(b0 + 2u, j));
  finish(b0 + 3u, j, vec3<f32>(ar.w, az.w, an.w), loadPrev(b0 + 3u, j));
}
