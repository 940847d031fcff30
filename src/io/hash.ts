// SHA-256 of a corpus, so a checkpoint knows which text its stream positions
// point into. WebCrypto (crypto.subtle) exists in browsers, workers and Node ≥ 20.
//
// Public API: sha256Hex(text | bytes) → Promise<lowercase hex string>

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  // Copy into a plain ArrayBuffer: digest() refuses views of SharedArrayBuffers.
  const digest = await crypto.subtle.digest('SHA-256', bytes.slice().buffer as ArrayBuffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
