// BPTT through the whole window of one LSTM layer in ONE dispatch
// ("persistent" recurrent kernel, run wherever its workgroup memory fits,
// plan.ts): one workgroup owns a slice of ROWS = 4 streams and walks
// t = T−1 down to 0 itself, keeping dz_{t+1} of its streams in workgroup
// memory. Streams are independent, so no barrier
// has to span workgroups. Per timestep, exactly as lstm_step_backward.wgsl:
//   dh     = dH[t] + dz_{t+1} · Whᵀ          (absent at t = T−1: the carried-out
//                                            state is detached)
//   dc     = dc_{t+1}·f_{t+1} (carried) + dh ⊙ o ⊙ (1 − tanh²c_t)
//   dz     = (dc·g·i(1−i), dc·c_{t−1}·f(1−f), dc·i·(1−g²), dh·tanh(c_t)·o(1−o))
// An invocation owns FOUR units (j, j + WG, j + 2·WG, j + 3·WG) of the four
// streams, so each dz_{t+1} vec4 it reads from workgroup memory feeds four
// rows of Wh: eight loads for 64 FMAs per unit q of the product (two units
// per invocation took six for 32). It carries dc·f in the dc buffer (its own
// elements only) and re-reads the dz it wrote to `gates` to publish it in
// workgroup memory after a barrier.
//
// Dimension legend: B batch, T window, H hidden; WG invocations per
// workgroup (32..256, covering ⌈H/4⌉ units), HMAX = H (sizes the workgroup
// array). Workgroup memory: 4·H vec4 = 64·H bytes.
// Buffers:
//   params  arena as vec4; Wh (H, 4H) starts at vec4 index whOffset4
//   gates   (T, B, H) vec4: activated gates in, dz out (in place)
//   cAll    (T + 1, B, H) cell states, slot 0 = carried-in c; slot t + 1 gets dc_t
//   dH      (T, B, H) loss gradient w.r.t. this layer's outputs (from the head or the
//           layer above) in; the whole dh_t (recurrent path included) out, in place
//   dc      (B, H) carried cell gradient (scratch owned per invocation)

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

override WG: u32 = 64u;
override HMAX: u32 = 64u;
const ROWS = 4u;

@group(0) @binding(1) var<storage, read> params: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> gates: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> cAll: array<f32>;
@group(0) @binding(4) var<storage, read_write> dH: array<f32>;
@group(0) @binding(5) var<storage, read_write> dc: array<f32>;

// dzs[r·H + q] = dz_{t+1}[b0 + r, q] (zero for streams past B).
var<workgroup> dzs: array<vec4<f32>, 4u * HMAX>;

fn finish(t: u32, last: bool, b: u32, j: u32, recurrent: f32) {
  if (b >= p.B) {
    return;
  }
  let BH = p.B * p.H;
  let bj = b * p.H + j;
  let at = timeOf(t) * BH + bj;
  let dAt = hAt(timeOf(t), b, j);
  let act = gates[at];
  let f = act.y;
  let o = act.w;
  let tc = tanhSafe(cAll[outSlot(t) * BH + bj]);
  let cPrev = cAll[inSlot(t) * BH + bj];
  let dh = dH[dAt] + recurrent;
  var dcNext = 0.0;
  if (!last) {
    dcNext = dc[bj];
  }
  let dcv = dcNext + dh * o * (1.0 - tc * tc);
  gates[at] = gateGradients(act, dcv, dh, tc, cPrev);
  dc[bj] = dcv * f;
  // The whole dh_t and dc_t stay behind for gradientFlow: dH[t] and cAll slot t + 1 are
  // read by no later step (the train program stores the carried state before BPTT).
  dH[dAt] = dh;
  cAll[outSlot(t) * BH + bj] = dcv;
}

fn ownDz(t: u32, b: u32, j: u32) -> vec4<f32> {
  if (b < p.B) {
    return gates[timeOf(t) * p.B * p.H + b * p.H + j];
  }
  return vec4<f32>(0.0);
}

// Written out for four streams and four units (no private arrays indexed in loops).
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b0 = wg.x * ROWS;
  let H = p.H;
  for (var step = 0u; step < p.T; step++) {
    let t = p.T - 1u - step;
    let last = step == 0u;
    for (var j = lid.x; j < H; j += 4u * WG) {
      // Units j + WG, j + 2·WG, j + 3·WG may be ≥ H: computed on clamped loads, never stored.
      let ju = array<u32, 4>(j, j + WG, j + 2u * WG, j + 3u * WG);
      // (dz_{t+1} · Whᵀ)[b0 + r, unit u] in a{u}.{r}: one vec4 per unit over the four streams.
      var a0 = vec4<f32>(0.0);
      var a1 = vec4<f32>(0.0);
      var a2 = vec4<f32>(0.0);
      var a3 = vec4<f32>(0.0);
      if (!last) {
        let w0 = p.whOffset4 + min(ju[0], H - 1u) * H;
        let w1 = p.whOffset4 + min(ju[1], H - 1u) * H;
        let w2 = p.whOffset4 + min(ju[2], H - 1u) * H;
        let w3 = p.whOffset4 + min(ju[3], H - 1u) * H;
        // Row j of Wh holds unit j's weights into every gate of every unit q.
        for (var q = 0u; q < H; q++) {
          let d0 = dzs[q];
          let d1 = dzs[H + q];
          let d2 = dzs[2u * H + q];
          let d3 = dzs[3u * H + q];
          let u0 = params[w0 + q];
          let u1 = params[w1 + q];
          let u2 = params[w2 + q];
          let u3 = params[w3 + q];
          a0 += vec4<f32>(dot(d0, u0), dot(d1, u0), dot(d2, u0), dot(d3, u0));
          a1 += vec4<f32>(dot(d0, u1), dot(d1, u1), dot(d2, u1), dot(d3, u1));
          a2 += vec4<f32>(dot(d0, u2), dot(d1, u2), dot(d2, u2), dot(d3, u2));
          a3 += vec4<f32>(dot(d0, u3), dot(d1, u3), dot(d2, u3), dot(d3, u3));
        }
      }
      finishUnit(t, last, b0, ju[0], a0);
      finishUnit(t, last, b0, ju[1], a1);
      finishUnit(t, last, b0, ju[2], a2);
      finishUnit(t, last, b0, ju[3], a3);
    }
    // Everyone has read dz_{t+1}; publish dz_t (each invocation its own units).
    workgroupBarrier();
    for (var j = lid.x; j < H; j += WG) {
      dzs[j] = ownDz(t, b0, j);
      dzs[H + j] = ownDz(t, b0 + 1u, j);
      dzs[2u * H + j] = ownDz(t, b0 + 2u, j);
      dzs[3u * H + j] = ownDz(t, b0 + 3u, j);
    }
    workgroupBarrier();
  }
}

// The four streams of unit j (skipped past H), with their recurrent terms.
fn finishUnit(t: u32, last: bool, b0: u32, j: u32, recurrent: vec4<f32>) {
  if (j >= p.H) {
    return;
  }
  finish(t, last, b0, j, recurrent.x);
  finish(t, last, b0 + 1u, j, recurrent.y);
  finish(t, last, b0 + 2u, j, recurrent.z);
  finish(t, last, b0 + 3u, j, recurrent.w);
}
