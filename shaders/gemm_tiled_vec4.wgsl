// GEMM with workgroup-memory tiles AND vec4 loads, for shapes whose
// contiguous axes are multiples of 4 (the engine's 4H-wide gate matrices, E
// and H of 4k); the classic shape of a fast GEMM on a real GPU:
//   C (M, N) = op(A) (M, K) · op(B) (K, N)  [+ bias (N) on every row]
// A workgroup of 16 × 16 invocations computes a 64 × 64 tile of C, 4 × 4
// outputs per invocation, staging 16 K at a time of both operands in
// workgroup memory. Every global load is one vec4 along the operand's
// contiguous axis (one per invocation per operand per K step: the tile is
// 256 vec4s), and every workgroup-memory read is one vec4, so the inner loop
// per k is two vec4 reads for 16 multiply-adds. gemm_tiled.wgsl is the same
// plan with scalar loads, for any shape.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, X layer input (E or H); the products it serves (M, N, K among
// T·B, X, H, 4H, V): see gemm_tiled.wgsl.
// Buffers (row-major; offsets and leading dimensions in FLOATS, each a multiple of 4):
//   a     A (M, K), or with TRANS_A stored (K, M)    requires K % 4 == 0 (plain) or M % 4 == 0 (TRANS_A)
//   b     B (K, N), or with TRANS_B stored (N, K)    requires N % 4 == 0 (plain) or K % 4 == 0 (TRANS_B)
//   c     C (M, N), any shape (scalar, masked stores)
//   bias  (N), added when ADD_BIAS
// COLUMN_SUMS also writes c[colSumOffset + n] = Σ_k op(B)[k, n].
// Workgroup memory: 2 · TILE_K · 64 floats = 8 KiB.

// The variant overrides (TRANS_A, TRANS_B, ADD_BIAS, COLUMN_SUMS), the c and
// bias bindings and the masked stores: gemm_common.wgsl, prepended at load;
// the uniforms p (M, N, K, strides, offsets) are generated in front of it.

const WG = 16u; // invocations along each of M and N
const TILE = 64u; // rows and columns of C per workgroup
const TILE4 = 16u; // TILE / 4: vec4s across a tile
const TILE_K = 16u;

// Bindings and the masked stores: gemm_vec4_common.wgsl, prepended at load.

// aTile[k·TILE4 + m4] = op(A)[row0 + 4·m4 + (0..3), k0 + k]: four rows at one k.
// bTile[k·TILE4 + n4] = op(B)[k0 + k, col0 + 4·n4 + (0..3)]: four columns at one k.
var<workgroup> aTile: array<vec4<f32>, TILE_K * TILE4>;
var<workgroup> bTile: array<vec4<f32>, TILE_K * TILE4>;

// Stages the K step at k0. Invocation `tid` loads one vec4 of each operand,
// along its contiguous axis; a vec4 along k is spread over four tile rows.
fn stage(tid: u32, row0: u32, col0: u32, k0: u32) {
  if (TRANS_A) {
    // A stored (K, M): the vec4 holds rows m .. m+3 at one k.
    let k = tid / TILE4;
    let m4 = tid % TILE4;
    let m = row0 + 4u * m4;
    var v = vec4<f32>(0.0);
    if (k0 + k < p.K && m < p.M) {
      v = a[(p.aOffset + (k0 + k) * p.lda + m) / 4u];
    }
    aTile[k * TILE4 + m4] = v;
  } else {
    // A (M, K): the vec4 holds k .. k+3 of one row.
    let m = tid / 4u;
    let kq = 4u * (tid % 4u);
    var v = vec4<f32>(0.0);
    if (row0 + m < p.M && k0 + kq < p.K) {
      v = a[(p.aOffset + (row0 + m) * p.lda + k0 + kq) / 4u];
    }
    let at = m / 4u;
    let lane = m % 4u;
    aTile[kq * TILE4 + at][lane] = v.x;
    aTile[(kq + 1u) * TILE4 + at][lane] = v.y;
    aTile[(kq + 2u) * TILE4 + at][lane] = v.z;
    aTile[(kq + 3u) * TILE4 + at][lane] = v.w;
  }
  if (TRANS_B) {
    // B stored (N, K): the vec4 holds k .. k+3 of one column.
    let n = tid / 4u;
    let kq = 4u * (tid % 4u);
    var v = vec4<f32>(0.0);
    if (col0 + n < p.N && k0 + kq < p.K) {
      v = b[(p.bOffset + (col0 + n) * p.ldb + k0 + kq) / 4u];
    }
    let at = n / 4u;
    let lane = n % 4u;
    bTile[kq * TILE4 + at][lane] = v.x;
    bTile[(kq + 1u) * TILE4 + at][lane] = v.y;
    bTile[(kq + 2u) * TILE4 + at][lane] = v.z;
    bTile[(kq + 3u) * TILE4 + at][lane] = v.w;
  } else {
    // B (K, N): the vec4 holds columns n .. n+3 at one k.
    let k = tid / TILE4;
    let n4 = tid % TILE4;
    let n = col0 + 4u * n4;
    var v = vec4<f32>(0.0);
    if (k0 + k < p.K && n < p.N) {
      v = b[(p.bOffset + (k0 + k) * p.ldb + n) / 4u];
    }
    bTile[k * TILE4 + n4] = v;
  }
}

@compute @workgroup_size(WG, WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  let tid = lid.y * WG + lid.x;
  // acc{r}: row lid.y·4 + r, columns lid.x·4 .. +3 (written out: no indexed private arrays).
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var colSum = vec4<f32>(0.0);
  let sumsColumns = COLUMN_SUMS && wg.y == 0u && lid.y == 0u;

  for (var k0 = 0u; k0 < p.K; k0 += TILE_K) {
    stage(tid, row0, col0, k0);
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let av = aTile[kk * TILE4 + lid.y];
      let bv = bTile[kk * TILE4 + lid.x];
      acc0 += av.x * bv;
      acc1 += av.y * bv;
      acc2 += av.z * bv;
      acc3 += av.w * bv;
      if (sumsColumns) {
        colSum += bv;
      }
    }
    workgroupBarrier();
  }

  store(row0 + lid.y * 4u, col0 + lid.x * 4u, acc0);
  store(row0 + lid.y * 4u + 1u, col0 + lid.x * 4u, acc1);
  store(row0 + lid.y * 4u + 2u, col0 + lid.x * 4u, acc2);
  store(row0 + lid.y * 4u + 3u, col0 + lid.x * 4u, acc3);
  if (sumsColumns) {
    storeColumnSums(col0 + lid.x * 4u, colSum);
  }
}
