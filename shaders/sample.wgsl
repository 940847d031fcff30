// Draws the next token from one row of logits with temperature and top-k, by
// the rule of src/engine/cpu/sampling.ts, with the uniform u supplied by the
// host's seeded Rng so the CPU and GPU samplers draw the same stream:
//   1. keep the k largest logits (ties: lower token id first); k = 0 keeps all;
//   2. p ∝ exp((logit − max) / temperature) over the kept tokens;
//   3. walk the kept tokens in ascending id and pick the first whose running
//      sum exceeds u · total.
// The k-th largest logit is found by a 32-step bisection over order-preserving
// integer keys (each step a parallel count), so any V works without sorting.
//
// Dimension legend: V vocabulary; C positions sampled in one dispatch chain.
// Buffers:
//   logits    (V) at logitsOffset
//   uniforms  (C) host random numbers in [0, 1); entry `position` is used
//   tokens    (C + 1) token ids; writes tokens[position + 1]

// p: Params (binding 0), the uniform block declared in
// src/engine/gpu/kernels.ts, is generated in front at load.

const THREADS = 64u;

@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> uniforms: array<f32>;
@group(0) @binding(3) var<storage, read_write> tokens: array<i32>;

var<workgroup> counter: atomic<u32>;

// Monotone map from f32 to u32: a < b as floats ⇔ key(a) < key(b).
fn key(x: f32) -> u32 {
  let bits = bitcast<u32>(x);
  if ((bits & 0x80000000u) != 0u) {
    return ~bits;
  }
  return bits | 0x80000000u;
}

fn countAtLeast(candidate: u32, lane: u32) -> u32 {
  // Everyone has read the previous count before lane 0 resets it.
  workgroupBarrier();
  if (lane == 0u) {
    atomicStore(&counter, 0u);
  }
  workgroupBarrier();
  var mine = 0u;
  for (var v = lane; v < p.V; v += THREADS) {
    if (key(logits[p.logitsOffset + v]) >= candidate) {
      mine++;
    }
  }
  atomicAdd(&counter, mine);
  return workgroupUniformLoad(&counter);
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let keepAll = p.topK == 0u || p.topK >= p.V;
  // kth: the key of the k-th largest logit (0 keeps everything).
  var kth = 0u;
  if (!keepAll) {
    for (var bit = 31i; bit >= 0i; bit--) {
      let candidate = kth | (1u << u32(bit));
      if (countAtLeast(candidate, lid.x) >= p.topK) {
        kth = candidate;
      }
    }
  }
  if (lid.x != 0u) {
    return;
  }
  // How many tokens tied at the k-th key may still be kept (lowest ids first).
  var greater = 0u;
  var maxLogit = -3.0e38;
  for (var v = 0u; v < p.V; v++) {
    let x = logits[p.logitsOffset + v];
    if (key(x) > kth) {
      greater++;
    }
    if (key(x) >= kth) {
      maxLogit = max(maxLogit, x);
    }
  }
  var ties = 0u;
  if (!keepAll) {
    ties = p.topK - greater;
  }
  var total = 0.0;
  var tiesLeft = ties;
  for (var v = 0u; v < p.V; v++) {
    let x = logits[p.logitsOffset + v];
    let k = key(x);
    var kept = keepAll || k > kth;
    if (!kept && k == kth && tiesLeft > 0u) {
      tiesLeft--;
      kept = true;
    }
    if (kept) {
      total += exp((x - maxLogit) / p.temperature);
    }
  }
  let goal = uniforms[p.position] * total;
  var running = 0.0;
  var chosen = 0u;
  tiesLeft = ties;
  for (var v = 0u; v < p.V; v++) {
    let x = logits[p.logitsOffset + v];
    let k = key(x);
    var kept = keepAll || k > kth;
    if (!kept && k == kth && tiesLeft > 0u) {
      tiesLeft--;
      kept = true;
    }
    if (kept) {
      running += exp((x - maxLogit) / p.temperature);
      chosen = v;
      if (running > goal) {
        break;
      }
    }
  }
  tokens[p.position + 1u] = i32(chosen);
}
