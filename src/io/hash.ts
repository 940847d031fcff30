// SHA-256 of a corpus, so a checkpoint knows which text its stream positions
// point into. WebCrypto (crypto.subtle) exists in browsers, workers and Node ≥ 20.
//
// Public API: sha256Hex(text | bytes) → Promise<lowercase hex string>
//
// A text is hashed as UTF-8, which names every well-formed string uniquely;
// a lone surrogate would be encoded as U+FFFD (so 'a\ud800' and 'a\udfff'
// would collide), so such a string is refused rather than hashed. Corpora
// never hold one (buildCorpus refuses them).

import { loneSurrogateAt } from '../engine/tokenizer';

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  if (typeof data === 'string' && loneSurrogateAt(data) >= 0) {
    throw new Error('cannot hash a text with a lone UTF-16 surrogate: it is not valid Unicode');
  }
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  // Copy into a plain ArrayBuffer: digest() refuses views of SharedArrayBuffers.
  const digest = await crypto.subtle.digest('SHA-256', bytes.slice().buffer as ArrayBuffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
