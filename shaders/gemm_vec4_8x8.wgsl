// Register-tiled GEMM with vec4 operands and 8 × 8 outputs per invocation,
// for shapes whose contiguous axes are multiples of 4:
//   C (M, N) = op(A) (M, K) · op(B) (K, N)  [+ bias (N)]  [+ C when ACCUMULATE]
// gemm_vec4.wgsl's plan with twice the rows: each invocation owns an 8-row ×
// 8-column block of C in sixteen vec4 registers and walks K four at a time,
// so per step of four it loads 8 vec4s of A and 8 of B for 256
// multiply-adds (gemm_vec4: 12 for 128). More reuse per load, twice the
// registers: which wins depends on the adapter, so both are autotune
// candidates. A workgroup of 8 × 8 invocations covers 64 × 64 of C.
//
// Dimension legend and the products it serves: see gemm_tiled.wgsl.
// Buffers (row-major; offsets and leading dimensions in FLOATS, each a multiple of 4):
//   a     A (M, K), or with TRANS_A stored (K, M)    requires K % 4 == 0 (plain) or M % 4 == 0 (TRANS_A)
//   b     B (K, N), or with TRANS_B stored (N, K)    requires N % 4 == 0 (plain) or K % 4 == 0 (TRANS_B)
//   c     C (M, N), any shape (scalar, masked stores)
//   bias  (N), added when ADD_BIAS
// COLUMN_SUMS also writes c[colSumOffset + n] (+)= Σ_k B[k, n].

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

const ROWS = 8u; // rows of C per invocation (two 4-row blocks)
const COLS = 8u; // columns of C per invocation (two 4-wide blocks)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

// Loads index the vec4 arrays from bases computed once per invocation; rows
// and columns past the edge of M or N are clamped there. Rows past K (when
// K % 4 ≠ 0 on a K-strided operand) read zero.

// Rows k .. k+3 of op(B) over four columns: plain B reads them directly from
// `base` + k·ldb4; transposed B reads four columns (bases n0..n0+3) along k.
struct BRows {
  r0: vec4<f32>,
  r1: vec4<f32>,
  r2: vec4<f32>,
  r3: vec4<f32>,
}

fn bRowAt(base: u32, k: u32) -> vec4<f32> {
  let value = b[base + min(k, p.K - 1u) * (p.ldb / 4u)];
  return select(vec4<f32>(0.0), value, k < p.K);
}

fn bRowsPlain(base: u32, k: u32) -> BRows {
  return BRows(bRowAt(base, k), bRowAt(base, k + 1u), bRowAt(base, k + 2u), bRowAt(base, k + 3u));
}

fn bRowsTransposed(columns: vec4<u32>, k4: u32) -> BRows {
  let s0 = b[columns.x + k4];
  let s1 = b[columns.y + k4];
  let s2 = b[columns.z + k4];
  let s3 = b[columns.w + k4];
  return BRows(
    vec4<f32>(s0.x, s1.x, s2.x, s3.x),
    vec4<f32>(s0.y, s1.y, s2.y, s3.y),
    vec4<f32>(s0.z, s1.z, s2.z, s3.z),
    vec4<f32>(s0.w, s1.w, s2.w, s3.w),
  );
}

// A[m0 .. m0+3, k] from A stored (K, M), at `base` + k·lda4.
fn aColumnAt(base: u32, k: u32) -> vec4<f32> {
  let value = a[base + min(k, p.K - 1u) * (p.lda / 4u)];
  return select(vec4<f32>(0.0), value, k < p.K);
}

// Base (vec4 index) of column n of B stored (N, K); columns past N clamp.
fn bColumnBase(n: u32) -> u32 {
  return (p.bOffset + min(n, p.N - 1u) * p.ldb) / 4u;
}

// Base (vec4 index) of row m of plain A; rows past M clamp.
fn aRowBase(m: u32) -> u32 {
  return (p.aOffset + min(m, p.M - 1u) * p.lda) / 4u;
}

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
  var c40 = vec4<f32>(0.0);
  var c41 = vec4<f32>(0.0);
  var c50 = vec4<f32>(0.0);
  var c51 = vec4<f32>(0.0);
  var c60 = vec4<f32>(0.0);
  var c61 = vec4<f32>(0.0);
  var c70 = vec4<f32>(0.0);
  var c71 = vec4<f32>(0.0);
  var sum0 = vec4<f32>(0.0);
  var sum1 = vec4<f32>(0.0);
  // Bases of the loads, clamped once (see above).
  let aRowsLo = vec4<u32>(aRowBase(m0), aRowBase(m0 + 1u), aRowBase(m0 + 2u), aRowBase(m0 + 3u));
  let aRowsHi = vec4<u32>(aRowBase(m0 + 4u), aRowBase(m0 + 5u), aRowBase(m0 + 6u), aRowBase(m0 + 7u));
  let aColumnsLo = (p.aOffset + min(m0, p.M - 4u)) / 4u;
  let aColumnsHi = (p.aOffset + min(m0 + 4u, p.M - 4u)) / 4u;
  let bLo = (p.bOffset + min(n0, p.N - 4u)) / 4u;
  let bHi = (p.bOffset + min(n0 + 4u, p.N - 4u)) / 4u;
  let bColumnsLo = vec4<u32>(bColumnBase(n0), bColumnBase(n0 + 1u), bColumnBase(n0 + 2u), bColumnBase(n0 + 3u));
  let bColumnsHi = vec4<u32>(bColumnBase(n0 + 4u), bColumnBase(n0 + 5u), bColumnBase(n0 + 6u), bColumnBase(n0 + 7u));
  for (var k = 0u; k < p.K; k += 4u) {
    let k4 = k / 4u;
    // x{kk} / y{kk}: A[m0 .. m0+3, k + kk] / A[m0+4 .. m0+7, k + kk].
    var x0: vec4<f32>;
    var x1: vec4<f32>;
    var x2: vec4<f32>;
    var x3: vec4<f32>;
    var y0: vec4<f32>;
    var y1: vec4<f32>;
    var y2: vec4<f32>;
    var y3: vec4<f32>;
    if (TRANS_A) {
      x0 = aColumnAt(aColumnsLo, k);
      x1 = aColumnAt(aColumnsLo, k + 1u);
      x2 = aColumnAt(aColumnsLo, k + 2u);
      x3 = aColumnAt(aColumnsLo, k + 3u);
      y0 = aColumnAt(aColumnsHi, k);
      y1 = aColumnAt(aColumnsHi, k + 1u);
      y2 = aColumnAt(aColumnsHi, k + 2u);
      y3 = aColumnAt(aColumnsHi, k + 3u);
    } else {
      let a0 = a[aRowsLo.x + k4];
      let a1 = a[aRowsLo.y + k4];
      let a2 = a[aRowsLo.z + k4];
      let a3 = a[aRowsLo.w + k4];
      let a4 = a[aRowsHi.x + k4];
      let a5 = a[aRowsHi.y + k4];
      let a6 = a[aRowsHi.z + k4];
      let a7 = a[aRowsHi.w + k4];
      x0 = vec4<f32>(a0.x, a1.x, a2.x, a3.x);
      x1 = vec4<f32>(a0.y, a1.y, a2.y, a3.y);
      x2 = vec4<f32>(a0.z, a1.z, a2.z, a3.z);
      x3 = vec4<f32>(a0.w, a1.w, a2.w, a3.w);
      y0 = vec4<f32>(a4.x, a5.x, a6.x, a7.x);
      y1 = vec4<f32>(a4.y, a5.y, a6.y, a7.y);
      y2 = vec4<f32>(a4.z, a5.z, a6.z, a7.z);
      y3 = vec4<f32>(a4.w, a5.w, a6.w, a7.w);
    }
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
    c40 += y0.x * lo.r0 + y1.x * lo.r1 + y2.x * lo.r2 + y3.x * lo.r3;
    c50 += y0.y * lo.r0 + y1.y * lo.r1 + y2.y * lo.r2 + y3.y * lo.r3;
    c60 += y0.z * lo.r0 + y1.z * lo.r1 + y2.z * lo.r2 + y3.z * lo.r3;
    c70 += y0.w * lo.r0 + y1.w * lo.r1 + y2.w * lo.r2 + y3.w * lo.r3;
    c01 += x0.x * hi.r0 + x1.x * hi.r1 + x2.x * hi.r2 + x3.x * hi.r3;
    c11 += x0.y * hi.r0 + x1.y * hi.r1 + x2.y * hi.r2 + x3.y * hi.r3;
    c21 += x0.z * hi.r0 + x1.z * hi.r1 + x2.z * hi.r2 + x3.z * hi.r3;
    c31 += x0.w * hi.r0 + x1.w * hi.r1 + x2.w * hi.r2 + x3.w * hi.r3;
    c41 += y0.x * hi.r0 + y1.x * hi.r1 + y2.x * hi.r2 + y3.x * hi.r3;
    c51 += y0.y * hi.r0 + y1.y * hi.r1 + y2.y * hi.r2 + y3.y * hi.r3;
    c61 += y0.z * hi.r0 + y1.z * hi.r1 + y2.z * hi.r2 + y3.z * hi.r3;
    c71 += y0.w * hi.r0 + y1.w * hi.r1 + y2.w * hi.r2 + y3.w * hi.r3;
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
  store(m0 + 4u, n0, c40);
  store(m0 + 4u, n0 + 4u, c41);
  store(m0 + 5u, n0, c50);
  store(m0 + 5u, n0 + 4u, c51);
  store(m0 + 6u, n0, c60);
  store(m0 + 6u, n0 + 4u, c61);
  store(m0 + 7u, n0, c70);
  store(m0 + 7u, n0 + 4u, c71);
  if (sumsColumns) {
    storeColumnSums(n0, sum0);
    storeColumnSums(n0 + 4u, sum1);
  }
}
