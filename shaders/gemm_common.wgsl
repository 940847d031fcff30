// What every GEMM kernel shares, prepended to each at load (shaderSources.ts):
// the override constants that select the variant of one product:
//   C (M, N) = op(A) (M, K) · op(B) (K, N)  [+ bias (N) on every row]
// with op(A) = Aᵀ when TRANS_A, op(B) = Bᵀ when TRANS_B, and with COLUMN_SUMS
// also c[colSumOffset + n] = Σ_k op(B)[k, n] (the bias gradient).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, X layer input (E or H); M, N, K among T·B, X, H, 4H and V (see
// gemm_tiled.wgsl). Offsets and leading dimensions are in floats.

// p: Params (binding 0), the uniform block gemm.ts fills, is declared in
// src/engine/gpu/kernels.ts and generated in front at load.

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override ADD_BIAS: bool = false;
override COLUMN_SUMS: bool = false;

// Bindings 1 and 2 (A and B) are declared by each kernel: scalar or vec4.
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

// Writes columns n0..n0+3 of one row of C (those inside M × N), adding the
// bias when the variant asks. C is overwritten: every product of the engine
// writes its output once.
fn store(row: u32, n0: u32, value: vec4<f32>) {
  if (row >= p.M) {
    return;
  }
  for (var s = 0u; s < 4u; s++) {
    let col = n0 + s;
    if (col < p.N) {
      let at = p.cOffset + row * p.ldc + col;
      var x = value[s];
      if (ADD_BIAS) {
        x += bias[p.biasOffset + col];
      }
      c[at] = x;
    }
  }
}

fn storeColumnSums(n0: u32, sums: vec4<f32>) {
  for (var s = 0u; s < 4u; s++) {
    let col = n0 + s;
    if (col < p.N) {
      c[p.colSumOffset + col] = sums[s];
    }
  }
}
