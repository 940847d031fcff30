// Register-tiled GEMM with vec4 operands, for shapes whose contiguous axes
// are multiples of 4 (the engine's 4H-wide gate matrices, E and H of 4k):
//   C (M, N) = op(A) (M, K) · op(B) (K, N)  [+ bias (N)]
// No workgroup memory: each invocation owns a 4-row × 8-column block of C in
// eight vec4 registers and walks K four at a time, loading 4×4 blocks of A and
// B as vec4s along whichever axis is contiguous in memory. Whatever the
// transposes, the blocks are rearranged (swizzles, free on SIMD-across-lanes
// hardware) into the same outer-product body: for each k, four scalars of A
// times two vec4 rows of B. Loads past the edge of M or N are clamped rather
// than branched: they only reach outputs that are never stored. Written out
// in full, since software adapters spill private arrays indexed in loops.
// Software adapters run this far ahead of gemm_tiled; real GPUs may not.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, X layer input (E or H); the products it serves (M, N, K among
// T·B, X, H, 4H, V): see gemm_tiled.wgsl.
// Buffers (row-major; offsets and leading dimensions in FLOATS, each a multiple of 4):
//   a     A (M, K), or with TRANS_A stored (K, M)    requires K % 4 == 0 (plain) or M % 4 == 0 (TRANS_A)
//   b     B (K, N), or with TRANS_B stored (N, K)    requires N % 4 == 0 (plain) or K % 4 == 0 (TRANS_B)
//   c     C (M, N), any shape (scalar, masked stores)
//   bias  (N), added when ADD_BIAS
// COLUMN_SUMS also writes c[colSumOffset + n] = Σ_k B[k, n].

// The variant overrides (TRANS_A, TRANS_B, ADD_BIAS, COLUMN_SUMS), the c and
// bias bindings and the masked stores: gemm_common.wgsl, prepended at load;
// the uniforms p (M, N, K, strides, offsets) are generated in front of it.

const ROWS = 4u; // rows of C per invocation
const COLS = 8u; // columns of C per invocation (two 4-wide blocks)

// A/B bindings and loads: gemm_vec4_common.wgsl, prepended at load.

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * ROWS;
  let n0 = gid.x * COLS;
  if (m0 >= p.M || n0 >= p.N) {
    return;
  }
  let sumsColumns = COLUMN_SUMS && gid.y == 0u;
  // c{r}{h}: row m0 + r, columns n0 + 4h .. n0 + 4h + 3.
  var c00 = vec4<f32>(0.0);
  var c01 = vec4<f32>(0.0);
  var c10 = vec4<f32>(0.0);
  var c11 = vec4<f32>(0.0);
  var c20 = vec4<f32>(0.0);
  var c21 = vec4<f32>(0.0);
  var c30 = vec4<f32>(0.0);
  var c31 = vec4<f32>(0.0);
  var sum0 = vec4<f32>(0.0);
  var sum1 = vec4<f32>(0.0);
  // Bases of the loads, clamped once (see above).
  let aRows = vec4<u32>(aRowBase(m0), aRowBase(m0 + 1u), aRowBase(m0 + 2u), aRowBase(m0 + 3u));
  let aColumns = (p.aOffset + min(m0, p.M - 4u)) / 4u;
  let bLo = (p.bOffset + min(n0, p.N - 4u)) / 4u;
  let bHi = (p.bOffset + min(n0 + 4u, p.N - 4u)) / 4u;
  let bColumnsLo = vec4<u32>(bColumnBase(n0), bColumnBase(n0 + 1u), bColumnBase(n0 + 2u), bColumnBase(n0 + 3u));
  let bColumnsHi = vec4<u32>(bColumnBase(n0 + 4u), bColumnBase(n0 + 5u), bColumnBase(n0 + 6u), bColumnBase(n0 + 7u));
  for (var k = 0u; k < p.K; k += 4u) {
    let k4 = k / 4u;
    // x{kk}: A[m0 .. m0+3, k + kk], one scalar per row of C.
    let xs = aColumns4(aRows, aColumns, k);
    let x0 = xs.kk0;
    let x1 = xs.kk1;
    let x2 = xs.kk2;
    let x3 = xs.kk3;
    var lo: BRows;
    var hi: BRows;
    if (TRANS_B) {
      lo = bRowsTransposed(bColumnsLo, k4);
      hi = bRowsTransposed(bColumnsHi, k4);
    } else {
      lo = bRowsPlain(bLo, k);
      hi = bRowsPlain(bHi, k);
    }
    c00 += x0.x * lo.r0 + x1.x * lo.r1 + x2.x * lo.r2 + x3.x * lo.r3;
    c10 += x0.y * lo.r0 + x1.y * lo.r1 + x2.y * lo.r2 + x3.y * lo.r3;
    c20 += x0.z * lo.r0 + x1.z * lo.r1 + x2.z * lo.r2 + x3.z * lo.r3;
    c30 += x0.w * lo.r0 + x1.w * lo.r1 + x2.w * lo.r2 + x3.w * lo.r3;
    c01 += x0.x * hi.r0 + x1.x * hi.r1 + x2.x * hi.r2 + x3.x * hi.r3;
    c11 += x0.y * hi.r0 + x1.y * hi.r1 + x2.y * hi.r2 + x3.y * hi.r3;
    c21 += x0.z * hi.r0 + x1.z * hi.r1 + x2.z * hi.r2 + x3.z * hi.r3;
    c31 += x0.w * hi.r0 + x1.w * hi.r1 + x2.w * hi.r2 + x3.w * hi.r3;
    if (sumsColumns) {
      sum0 += lo.r0 + lo.r1 + lo.r2 + lo.r3;
      sum1 += hi.r0 + hi.r1 + hi.r2 + hi.r3;
    }
  }
  store(m0, n0, c00);
  store(m0, n0 + 4u, c01);
  store(m0 + 1u, n0, c10);
  store(m0 + 1u, n0 + 4u, c11);
  store(m0 + 2u, n0, c20);
  store(m0 + 2u, n0 + 4u, c21);
  store(m0 + 3u, n0, c30);
  store(m0 + 3u, n0 + 4u, c31);
  if (sumsColumns) {
    storeColumnSums(n0, sum0);
    storeColumnSums(n0 + 4u, sum1);
  }
}
