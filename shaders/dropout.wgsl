// Dropout masks, drawn exactly as src/engine/dropout.ts draws them (the CPU
// reference): a counter-based hash of (site key, element index), no random
// state, so any invocation computes any element's mask on its own and the two
// engines drop the same units. WGSL's u32 `*` wraps like Math.imul, its `>>`
// on u32 is logical like `>>>`.
//
//   key   = siteKey(seed, step, site)            host-computed, per step (dropout.key0..key8)
//   index = (t·B + b)·X + u  standard, b·X + u  variational
//   mask  = hash32(key ^ hash32(index)) >> 8 ≥ threshold ? scale : 0
//
// Prepended to every kernel that drops (shaderSources.ts); those kernels
// declare `B` and `variational` in their Params and bind the per-step block
// `dropout: DropoutStep` (dropoutStep.ts), both generated in front at load.
//
// Dimension legend: T window, B batch, X units of the site (E at site 0, H
// above), L layers (sites 0..L, L ≤ 8); n = t·B + b the position, time-major.

// Wellons' "lowbias32", as dropout.ts hash32.
fn hash32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

// This step's key of a site. Uniform fields cannot be indexed, hence the switch.
fn keyOfSite(site: u32) -> u32 {
  switch site {
    case 0u: { return dropout.key0; }
    case 1u: { return dropout.key1; }
    case 2u: { return dropout.key2; }
    case 3u: { return dropout.key3; }
    case 4u: { return dropout.key4; }
    case 5u: { return dropout.key5; }
    case 6u: { return dropout.key6; }
    case 7u: { return dropout.key7; }
    default: { return dropout.key8; }
  }
}

// The mask (0 or the scale) of unit u at position n of a site with X units.
fn dropMask(site: u32, n: u32, u: u32, X: u32) -> f32 {
  var row = n;
  if (p.variational != 0u) {
    row = n % p.B; // one draw per stream and unit for the whole window
  }
  let draw = hash32(keyOfSite(site) ^ hash32(row * X + u)) >> 8u;
  return select(0.0, dropout.scale, draw >= dropout.threshold);
}
