// The GRU cell's pointwise math for one unit of one stream, shared by the
// step and persistent kernels of both directions (prepended at load after
// common_math.wgsl), as in src/engine/cpu/gruLayer.ts (PyTorch's equations,
// cells.ts). A unit's three gates are one vec3 (r, z, n):
//   r = σ(ax_r + ah_r)   z = σ(ax_z + ah_z)   hn = ah_n + bhn
//   n = tanh(ax_n + r ⊙ hn)                   h' = (1 − z) ⊙ n + z ⊙ h
// with ax = x·Wx + b (the input GEMM) and ah = h·Wh (the recurrent product).
//
// Dimension legend: none (one unit of one stream).

struct GruForward {
  act: vec3<f32>, // activated (r, z, n)
  hn: f32, // h_{t−1}·Whn + bhn, which backward needs for dr
  h: f32, // h_t
}

fn gruForward(ax: vec3<f32>, ah: vec3<f32>, bhn: f32, hPrev: f32) -> GruForward {
  let r = sigmoid(ax.x + ah.x);
  let z = sigmoid(ax.y + ah.y);
  let hn = ah.z + bhn;
  let n = tanhSafe(ax.z + r * hn);
  return GruForward(vec3<f32>(r, z, n), hn, (1.0 - z) * n + z * hPrev);
}

struct GruBackward {
  dx: vec3<f32>, // gradient w.r.t. ax: (dr, dz, dn)
  dh: vec3<f32>, // gradient w.r.t. ah: (dr, dz, dn·r) (ah_n sits behind r)
  direct: f32, // dh·z, the direct path h' = … + z ⊙ h into dh_{t−1}
}

// From the activated gates `act`, hn, h_{t−1} and dh = ∂ℓ/∂h_t.
fn gruBackward(act: vec3<f32>, hn: f32, hPrev: f32, dh: f32) -> GruBackward {
  let r = act.x;
  let z = act.y;
  let n = act.z;
  let dn = dh * (1.0 - z) * (1.0 - n * n);
  let dz = dh * (hPrev - n) * z * (1.0 - z);
  let dr = dn * hn * r * (1.0 - r);
  return GruBackward(vec3<f32>(dr, dz, dn), vec3<f32>(dr, dz, dn * r), dh * z);
}
