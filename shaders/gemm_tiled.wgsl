// GEMM with workgroup-memory tiles, any shape:
//   C (M, N) = op(A) (M, K) · op(B) (K, N)  [+ bias (N) on every row]  [+ C when ACCUMULATE]
// 64×64 output tile per workgroup, 16 K per stage, 4×4 outputs per invocation.
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
// COLUMN_SUMS also writes c[colSumOffset + n] (+)= Σ_k op(B)[k, n]: the bias
// gradient that rides along with a weight-gradient product (dW = Xᵀ·dG, db = Σ dG).

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

const TILE = 64u;
const TILE_K = 16u;
const THREADS = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

var<workgroup> aTile: array<array<f32, 64>, 16>; // [k][m]
var<workgroup> bTile: array<array<f32, 64>, 16>; // [k][n]

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

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  let tid = lid.y * 16u + lid.x;
  var acc: array<vec4<f32>, 4>; // acc[r][s]: row lid.y·4 + r, column lid.x·4 + s
  var colSum = vec4<f32>(0.0);
  let sumsColumns = COLUMN_SUMS && wg.y == 0u && lid.y == 0u;

  for (var k0 = 0u; k0 < p.K; k0 += TILE_K) {
    // 64·16 elements per tile, 4 per invocation. The index order follows the
    // operand's contiguous axis so neighbouring invocations read neighbouring floats.
    for (var q = 0u; q < 4u; q++) {
      let e = tid + q * THREADS;
      if (TRANS_A) {
        aTile[e / TILE][e % TILE] = loadA(row0 + e % TILE, k0 + e / TILE);
      } else {
        aTile[e % TILE_K][e / TILE_K] = loadA(row0 + e / TILE_K, k0 + e % TILE_K);
      }
      if (TRANS_B) {
        bTile[e % TILE_K][e / TILE_K] = loadB(k0 + e % TILE_K, col0 + e / TILE_K);
      } else {
        bTile[e / TILE][e % TILE] = loadB(k0 + e / TILE, col0 + e % TILE);
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let bv = vec4<f32>(
        bTile[kk][lid.x * 4u],
        bTile[kk][lid.x * 4u + 1u],
        bTile[kk][lid.x * 4u + 2u],
        bTile[kk][lid.x * 4u + 3u],
      );
      for (var r = 0u; r < 4u; r++) {
        acc[r] += aTile[kk][lid.y * 4u + r] * bv;
      }
      if (sumsColumns) {
        colSum += bv;
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < 4u; r++) {
    let row = row0 + lid.y * 4u + r;
    if (row >= p.M) {
      break;
    }
    for (var s = 0u; s < 4u; s++) {
      let col = col0 + lid.x * 4u + s;
      if (col < p.N) {
        let at = p.cOffset + row * p.ldc + col;
        var value = acc[r][s];
        if (ADD_BIAS) {
          value += bias[p.biasOffset + col];
        }
        if (ACCUMULATE) {
          value += c[at];
        }
        c[at] = value;
      }
    }
  }
  if (sumsColumns) {
    for (var s = 0u; s < 4u; s++) {
      let col = col0 + lid.x * 4u + s;
      if (col < p.N) {
        var value = colSum[s];
        if (ACCUMULATE) {
          value += c[p.colSumOffset + col];
        }
        c[p.colSumOffset + col] = value;
      }
    }
  }
}
