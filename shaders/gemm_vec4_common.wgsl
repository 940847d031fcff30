// What the vec4-operand GEMMs share (gemm_vec4, gemm_vec4_8x8,
// gemm_tiled_vec4), prepended after gemm_common.wgsl at load: the A and B
// bindings, read as vec4s along whichever axis is contiguous, and the clamped
// loads that feed a register tile (the masked stores are in gemm_common).
//
// Dimension legend: see gemm_common.wgsl.
// Buffers (row-major; offsets and leading dimensions in FLOATS, each a multiple of 4):
//   a     A (M, K), or with TRANS_A stored (K, M)    requires K % 4 == 0 (plain) or M % 4 == 0 (TRANS_A)
//   b     B (K, N), or with TRANS_B stored (N, K)    requires N % 4 == 0 (plain) or K % 4 == 0 (TRANS_B)
//   c     C (M, N), any shape (scalar, masked stores)
//   bias  (N), added when ADD_BIAS

@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;

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

// Columns k .. k+3 of op(A) over four rows m0 .. m0+3: kk{i}[r] = A[m0 + r, k + i].
// A stored (K, M) reads them directly from `columns` (aColumnAt); plain A
// reads the four rows (bases `rows`) along k and transposes the 4×4 block.
struct AColumns {
  kk0: vec4<f32>,
  kk1: vec4<f32>,
  kk2: vec4<f32>,
  kk3: vec4<f32>,
}

fn aColumns4(rows: vec4<u32>, columns: u32, k: u32) -> AColumns {
  if (TRANS_A) {
    return AColumns(
      aColumnAt(columns, k),
      aColumnAt(columns, k + 1u),
      aColumnAt(columns, k + 2u),
      aColumnAt(columns, k + 3u),
    );
  }
  let k4 = k / 4u;
  let a0 = a[rows.x + k4];
  let a1 = a[rows.y + k4];
  let a2 = a[rows.z + k4];
  let a3 = a[rows.w + k4];
  return AColumns(
    vec4<f32>(a0.x, a1.x, a2.x, a3.x),
    vec4<f32>(a0.y, a1.y, a2.y, a3.y),
    vec4<f32>(a0.z, a1.z, a2.z, a3.z),
    vec4<f32>(a0.w, a1.w, a2.w, a3.w),
  );
}

// Base (vec4 index) of column n of B stored (N, K); columns past N clamp.
fn bColumnBase(n: u32) -> u32 {
  return (p.bOffset + min(n, p.N - 1u) * p.ldb) / 4u;
}

// Base (vec4 index) of row m of plain A; rows past M clamp.
fn aRowBase(m: u32) -> u32 {
  return (p.aOffset + min(m, p.M - 1u) * p.lda) / 4u;
}
