// Site 0 of dropout, fused into the embedding kernels: the gathered x0 is
// scaled as it is written, and its gradient as it is summed per row. Nothing
// else reads the undropped x0 (its gradient goes to the embedding through the
// tokens), so the dropped one is the only one kept. dropout.wgsl is in front.
//
// Dimension legend: E embedding; n = t·B + b the position.

fn embeddingMask(n: u32, e: u32) -> f32 {
  return dropMask(0u, n, e, p.E);
}
