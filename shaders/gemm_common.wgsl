// What every GEMM kernel shares, prepended to each at load (shaderSources.ts):
// the uniform block gemm.ts fills and the override constants that select
// the variant of one product:
//   C (M, N) = op(A) (M, K) · op(B) (K, N)  [+ bias (N) on every row]  [+ C when ACCUMULATE]
// with op(A) = Aᵀ when TRANS_A, op(B) = Bᵀ when TRANS_B, and with COLUMN_SUMS
// also c[colSumOffset + n] (+)= Σ_k op(B)[k, n] (the bias gradient).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, X layer input (E or H); M, N, K among T·B, X, H, 4H and V (see
// gemm_tiled.wgsl). Offsets and leading dimensions are in floats.

struct Params {
  M: u32,
  N: u32,
  K: u32,
  lda: u32,
  ldb: u32,
  ldc: u32,
  aOffset: u32,
  bOffset: u32,
  cOffset: u32,
  biasOffset: u32,
  colSumOffset: u32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override ACCUMULATE: bool = false;
override ADD_BIAS: bool = false;
override COLUMN_SUMS: bool = false;

// Bindings 1 and 2 (A and B) are declared by each kernel: scalar or vec4.
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

// Writes columns n0..n0+3 of one row of C (those inside M × N), adding the
// bias and the old C as the variant asks.
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
      if (ACCUMULATE) {
        x += c[at];
      }
      c[at] = x;
    }
  }
}

fn storeColumnSums(n0: u32, sums: vec4<f32>) {
  for (var s = 0u; s < 4u; s++) {
    let col = n0 + s;
    if (col < p.N) {
      var x = sums[s];
      if (ACCUMULATE) {
        x += c[p.colSumOffset + col];
      }
      c[p.colSumOffset + col] = x;
    }
  }
}
