// Register-tiled GEMM with scalar loads, any shape (the vocabulary-wide head
// products, V = 65 and the like, whose rows are not vec4-aligned):
//   C (M, N) = op(A) (M, K) · op(B) (K, N)  [+ bias (N)]
// Each invocation owns a 4×4 block of C in registers and walks K one step at a
// time; no workgroup memory and no barriers, which software adapters favour.
// gemm_tiled.wgsl is the workgroup-memory alternative real GPUs may prefer.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, X layer input (E or H); the products it serves (M, N, K among
// T·B, X, H, 4H, V): see gemm_tiled.wgsl.
// Buffers (row-major; offsets and leading dimensions in elements):
//   a     A (M, K), or with TRANS_A stored (K, M)
//   b     B (K, N), or with TRANS_B stored (N, K)
//   c     C (M, N)
//   bias  (N), added when ADD_BIAS
// COLUMN_SUMS also writes c[colSumOffset + n] = Σ_k op(B)[k, n].

// The variant overrides (TRANS_A, TRANS_B, ADD_BIAS, COLUMN_SUMS), the c and
// bias bindings and the masked stores: gemm_common.wgsl, prepended at load;
// the uniforms p (M, N, K, strides, offsets) are generated in front of it.

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

fn loadA(m: u32, k: u32) -> f32 {
  if (m >= p.M) {
    return 0.0;
  }
  if (TRANS_A) {
    return a[p.aOffset + k * p.lda + m];
  }
  return a[p.aOffset + m * p.lda + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (n >= p.N) {
    return 0.0;
  }
  if (TRANS_B) {
    return b[p.bOffset + n * p.ldb + k];
  }
  return b[p.bOffset + k * p.ldb + n];
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * 4u;
  let n0 = gid.x * 4u;
  if (m0 >= p.M || n0 >= p.N) {
    return;
  }
  let sumsColumns = COLUMN_SUMS && gid.y == 0u;
  var acc: array<vec4<f32>, 4>; // acc[r][s] = C[m0 + r, n0 + s]
  var colSum = vec4<f32>(0.0);
  for (var k = 0u; k < p.K; k++) {
    let bv = vec4<f32>(loadB(k, n0), loadB(k, n0 + 1u), loadB(k, n0 + 2u), loadB(k, n0 + 3u));
    acc[0] += loadA(m0, k) * bv;
    acc[1] += loadA(m0 + 1u, k) * bv;
    acc[2] += loadA(m0 + 2u, k) * bv;
    acc[3] += loadA(m0 + 3u, k) * bv;
    if (sumsColumns) {
      colSum += bv;
    }
  }
  for (var r = 0u; r < 4u; r++) {
    store(m0 + r, n0, acc[r]);
  }
  if (sumsColumns) {
    storeColumnSums(n0, colSum);
  }
}
