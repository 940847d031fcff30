// What importing a .wat file gives (scripts/vitePluginWat.ts assembles it).
declare module '*.wat' {
  type Binaries = { shared: Uint8Array<ArrayBuffer>; private: Uint8Array<ArrayBuffer> };
  /** fma: relaxed-SIMD multiply-adds as written; plain: each as a multiply then an add. */
  export const variants: { fma: Binaries; plain: Binaries };
  /** Validates only where the runtime has relaxed SIMD. */
  export const relaxedProbe: Uint8Array<ArrayBuffer>;
}
