// Time of the persistent recurrent kernels, prepended at load after
// recurrent_columns.wgsl: the reverse direction of a bidirectional layer runs
// the same kernel over reversed time by index mapping alone (no reversed
// copies). Processing step s (0 first; backward walks s = T−1 … 0 as ever)
// is original time t = s forward and t = T − 1 − s in reverse. Either way the
// state after reading x_t sits in slot t + 1 of the state buffers, so the
// window's outputs are slots 1..T in text order; the state a step reads is
// slot t forward (slot 0 = the state in) and slot t + 2 in reverse (slot
// T + 1 = the reverse direction's zero state in).
//
// Dimension legend: T window; reverse = 1 for the reverse direction.

fn timeOf(s: u32) -> u32 {
  return select(s, p.T - 1u - s, p.reverse == 1u);
}

fn inSlot(s: u32) -> u32 {
  return select(s, p.T + 1u - s, p.reverse == 1u);
}

fn outSlot(s: u32) -> u32 {
  return timeOf(s) + 1u;
}
