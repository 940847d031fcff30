// GEMM with workgroup-memory tiles, any shape:
//   C (M, N) = op(A) (M, K) · op(B) (K, N)  [+ bias (N) on every row]
// A workgroup of WG_X × WG_Y invocations computes a (4·WG_Y) × (4·WG_X)
// output tile, 4×4 outputs per invocation, staging 16 K at a time of both
// operands in workgroup memory. The tile size is an override so the autotune
// (autotune.ts) can pick per shape: 64×64 (16×16 invocations) reuses every
// loaded element most, 32×32 and 32×64 give small products enough workgroups.
// Edges that do not fill a tile are zero-padded on load and masked on store,
// so odd shapes (H = 37, V = 53, ...) need no special case.
//
// Dimension legend (engine uses): B batch, T window, E embedding, H hidden,
// V vocabulary, L layers, X layer input (E or H). N·T·B products:
//   Gx      = X (T·B, X) · Wx (X, 4H) + b        M = T·B, N = 4H, K = X
//   logits  = h (T·B, H) · Wout (H, V) + bout    M = T·B, N = V,  K = H
//   dW      = Aᵀ · dY over all T·B (TRANS_A)     M = X|H, N = 4H|V, K = T·B
//   dX      = dY · Wᵀ (TRANS_B)                  M = T·B, N = X|H, K = 4H|V
//
// Buffers (row-major; offsets and leading dimensions in elements, from the uniforms):
//   a     A (M, K) at aOffset, row stride lda; with TRANS_A A is stored (K, M)
//   b     B (K, N) at bOffset, row stride ldb; with TRANS_B B is stored (N, K)
//   c     C (M, N) at cOffset, row stride ldc
//   bias  (N) at biasOffset, added when ADD_BIAS
// COLUMN_SUMS also writes c[colSumOffset + n] = Σ_k op(B)[k, n]: the bias
// gradient that rides along with a weight-gradient product (dW = Xᵀ·dG, db = Σ dG).
// Workgroup memory: (TILE_M + TILE_N) · TILE_K floats, 8 KiB at 64×64.

// The variant overrides (TRANS_A, TRANS_B, ADD_BIAS, COLUMN_SUMS), the c and
// bias bindings and the masked stores: gemm_common.wgsl, prepended at load;
// the uniforms p (M, N, K, strides, offsets) are generated in front of it.

override WG_X: u32 = 16u; // invocations along N
override WG_Y: u32 = 16u; // invocations along M
const TILE_K = 16u;
override TILE_M = 4u * WG_Y;
override TILE_N = 4u * WG_X;
override THREADS = WG_X * WG_Y;

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

var<workgroup> aTile: array<f32, TILE_K * TILE_M>; // [k·TILE_M + m]
var<workgroup> bTile: array<f32, TILE_K * TILE_N>; // [k·TILE_N + n]

fn loadA(m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) {
    return 0.0;
  }
  if (TRANS_A) {
    return a[p.aOffset + k * p.lda + m];
  }
  return a[p.aOffset + m * p.lda + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (k >= p.K || n >= p.N) {
    return 0.0;
  }
  if (TRANS_B) {
    return b[p.bOffset + n * p.ldb + k];
  }
  return b[p.bOffset + k * p.ldb + n];
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * TILE_M;
  let col0 = wg.x * TILE_N;
  let tid = lid.y * WG_X + lid.x;
  var acc: array<vec4<f32>, 4>; // acc[r][s]: row lid.y·4 + r, column lid.x·4 + s
  var colSum = vec4<f32>(0.0);
  let sumsColumns = COLUMN_SUMS && wg.y == 0u && lid.y == 0u;

  for (var k0 = 0u; k0 < p.K; k0 += TILE_K) {
    // TILE·16 elements per operand tile, an equal share per invocation (the
    // tile sizes are multiples of THREADS / 16). The index order follows the
    // operand's contiguous axis so neighbouring invocations read neighbouring floats.
    for (var e = tid; e < TILE_K * TILE_M; e += THREADS) {
      if (TRANS_A) {
        aTile[e] = loadA(row0 + e % TILE_M, k0 + e / TILE_M);
      } else {
        aTile[(e % TILE_K) * TILE_M + e / TILE_K] = loadA(row0 + e / TILE_K, k0 + e % TILE_K);
      }
    }
    for (var e = tid; e < TILE_K * TILE_N; e += THREADS) {
      if (TRANS_B) {
        bTile[(e % TILE_K) * TILE_N + e / TILE_K] = loadB(k0 + e % TILE_K, col0 + e / TILE_K);
      } else {
        bTile[e] = loadB(k0 + e / TILE_N, col0 + e % TILE_N);
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let bAt = kk * TILE_N + lid.x * 4u;
      let bv = vec4<f32>(bTile[bAt], bTile[bAt + 1u], bTile[bAt + 2u], bTile[bAt + 3u]);
      let aAt = kk * TILE_M + lid.y * 4u;
      acc[0] += aTile[aAt] * bv;
      acc[1] += aTile[aAt + 1u] * bv;
      acc[2] += aTile[aAt + 2u] * bv;
      acc[3] += aTile[aAt + 3u] * bv;
      if (sumsColumns) {
        colSum += bv;
      }
    }
    workgroupBarrier();
  }

  let n0 = col0 + lid.x * 4u;
  for (var r = 0u; r < 4u; r++) {
    store(row0 + lid.y * 4u + r, n0, acc[r]);
  }
  if (sumsColumns) {
    storeColumnSums(n0, colSum);
  }
}
