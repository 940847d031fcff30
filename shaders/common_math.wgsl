// Scalar math the kernels share, prepended at load (shaderSources.ts) to the
// shaders that use it: WGSL has no includes.
//
// Dimension legend: none (scalars).

fn sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

// tanh that stays finite for large |x| on every implementation.
fn tanhSafe(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}
