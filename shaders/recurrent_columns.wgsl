// Where a direction's h lives, prepended at load (shaderSources.ts) to every
// recurrent kernel: hAll (S, B, D·H) and dH (T, B, D·H) hold both directions
// of a bidirectional layer side by side, the forward's h in columns 0..H−1 and
// the reverse's in H..2H−1 (PyTorch's output order), so the layer above and
// the head read one (T·B, D·H) matrix. A left-to-right model has hLd = H and
// hCol = 0.
//
// Dimension legend: B batch, H hidden, D directions; hLd = D·H floats per
// stream, hCol = this direction's first column.

// Element (slot or row s, stream b, unit j) of hAll or dH for this direction.
fn hAt(s: u32, b: u32, j: u32) -> u32 {
  return (s * p.B + b) * p.hLd + p.hCol + j;
}
