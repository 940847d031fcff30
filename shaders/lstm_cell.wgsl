// The LSTM cell's pointwise math for one unit of one stream, shared by the
// step and persistent kernels of both directions (prepended at load after
// common_math.wgsl), as in src/engine/cpu/lstmLayer.ts. A unit's four gates
// are one vec4 (i, f, g, o).
//
// Dimension legend: none (one unit of one stream).

// Activated gates from the pre-activations z: σ for i, f, o and tanh for g.
fn activateGates(z: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(sigmoid(z.x), sigmoid(z.y), tanhSafe(z.z), sigmoid(z.w));
}

// dz, the gradient w.r.t. the pre-activations, from the activated gates `act`,
// the cell gradient dc, dh, tc = tanh(c_t) and cPrev = c_{t−1}:
//   (dc·g·i(1−i), dc·c_{t−1}·f(1−f), dc·i·(1−g²), dh·tanh(c_t)·o(1−o))
fn gateGradients(act: vec4<f32>, dc: f32, dh: f32, tc: f32, cPrev: f32) -> vec4<f32> {
  let i = act.x;
  let f = act.y;
  let g = act.z;
  let o = act.w;
  return vec4<f32>(
    dc * g * i * (1.0 - i),
    dc * cPrev * f * (1.0 - f),
    dc * i * (1.0 - g * g),
    dh * tc * o * (1.0 - o),
  );
}
