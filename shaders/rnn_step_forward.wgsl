// One plain RNN timestep forward for every stream and unit of one layer,
// h_t = tanh(ax_t + h_{t−1}·Wh); dispatched T times per layer (the sampler
// once per position). One invocation owns unit j of four streams.
//
// Dimension legend: B batch, H hidden. The state ring has S slots (T + 1 in
// training, 2 in the sampler); prevSlot and nextSlot pick them.
// Buffers:
//   params  arena as f32; Wh (H, H) at whOffset
//   gates   (T, B, H) ax in, h_t out (in place, row `row`)
//   hAll    (S, B, H) hidden states

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

const ROWS = 4u;

@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> gates: array<f32>;
@group(0) @binding(3) var<storage, read_write> hAll: array<f32>;

fn loadPrev(b: u32, k: u32) -> f32 {
  if (b < p.B) {
    return hAll[hAt(p.prevSlot, b, k)];
  }
  return 0.0;
}

fn finish(b: u32, j: u32, ah: f32) {
  if (b >= p.B) {
    return;
  }
  let bj = b * p.H + j;
  let at = p.row * p.B * p.H + bj;
  let h = tanhSafe(gates[at] + ah);
  gates[at] = h;
  hAll[hAt(p.nextSlot, b, j)] = h;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let b0 = gid.y * ROWS;
  if (j >= p.H) {
    return;
  }
  var a = vec4<f32>(0.0);
  var w = p.whOffset + j;
  for (var k = 0u; k < p.H; k++) {
    a += vec4<f32>(loadPrev(b0, k), loadPrev(b0 + 1u, k), loadPrev(b0 + 2u, k), loadPrev(b0 + 3u, k)) * params[w];
    w += p.H;
  }
  finish(b0, j, a.x);
  finish(b0 + 1u, j, a.y);
  finish(b0 + 2u, j, a.z);
  finish(b0 + 3u, j, a.w);
}
