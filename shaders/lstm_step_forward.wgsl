// One LSTM timestep forward for every stream and unit of one layer; the
// engine dispatches it T times per layer (no barrier spans workgroups).
//   z      = Gx[t] + h_{t-1} · Wh            (Gx already holds X·Wx + b)
//   i,f,o  = σ(z_i, z_f, z_o)   g = tanh(z_g)
//   c_t    = f ⊙ c_{t-1} + i ⊙ g            h_t = o ⊙ tanh(c_t)
// Gates are interleaved per unit (column 4j + k, k = i,f,g,o), so one
// invocation owns unit j's four gates as one vec4 and reads Wh as vec4.
//
// Dimension legend: B batch, T window, H hidden. The state ring has S slots:
// S = T + 1 in training (slot 0 = carried-in state, slot t + 1 = step t) and
// S = 2 in the sampler (ping-pong); prevSlot and nextSlot pick them.
// Buffers:
//   params  arena as vec4; Wh (H, 4H) starts at vec4 index whOffset4
//   gates   (T, B, H) vec4 = (T, B, 4H): Gx in, activated gates out (in place, row `row`)
//   hAll    (S, B, H) hidden states
//   cAll    (S, B, H) cell states

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

const ROWS = 4u; // streams per workgroup: each Wh load feeds four of them
const UNITS = 64u; // units per workgroup = invocations

@group(0) @binding(1) var<storage, read> params: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> gates: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> hAll: array<f32>;
@group(0) @binding(4) var<storage, read_write> cAll: array<f32>;

// hPrev[k] = h_{t-1}[b0 .. b0+3, k0 + k]: one load gives the four streams.
var<workgroup> hPrev: array<vec4<f32>, 64>;

fn loadPrev(b: u32, k: u32) -> f32 {
  if (b < p.B && k < p.H) {
    return hAll[hAt(p.prevSlot, b, k)];
  }
  return 0.0;
}

fn finish(b: u32, j: u32, z: vec4<f32>) {
  if (b >= p.B) {
    return;
  }
  let bj = b * p.H + j;
  let at = p.row * p.B * p.H + bj;
  let zt = z + gates[at];
  let act = activateGates(zt);
  let i = act.x;
  let f = act.y;
  let g = act.z;
  let o = act.w;
  let c = f * cAll[p.prevSlot * p.B * p.H + bj] + i * g;
  gates[at] = act;
  cAll[p.nextSlot * p.B * p.H + bj] = c;
  hAll[hAt(p.nextSlot, b, j)] = o * tanhSafe(c);
}

// Written out for four streams (no private arrays indexed in loops: software
// adapters spill those to memory).
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let j = wg.x * UNITS + lid.x;
  let b0 = wg.y * ROWS;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < p.H; k0 += UNITS) {
    let k = k0 + lid.x;
    hPrev[lid.x] = vec4<f32>(loadPrev(b0, k), loadPrev(b0 + 1u, k), loadPrev(b0 + 2u, k), loadPrev(b0 + 3u, k));
    workgroupBarrier();
    if (j < p.H) {
      let kEnd = min(UNITS, p.H - k0);
      var w = p.whOffset4 + k0 * p.H + j;
      for (var kk = 0u; kk < kEnd; kk++) {
        let weights = params[w];
        let h = hPrev[kk];
        acc0 += h.x * weights;
        acc1 += h.y * weights;
        acc2 += h.z * weights;
        acc3 += h.w * weights;
        w += p.H;
      }
    }
    workgroupBarrier();
  }
  if (j >= p.H) {
    return;
  }
  finish(b0, j, acc0);
  finish(b0 + 1u, j, acc1);
  finish(b0 + 2u, j, acc2);
  finish(b0 + 3u, j, acc3);
}
