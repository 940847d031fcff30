export interface WatBinaries {
  variants: Record<'fma' | 'plain', Record<'shared' | 'private', Uint8Array>>;
  relaxedProbe: Uint8Array;
}
export declare function assembleWat(name: string, source: string): Promise<WatBinaries>;
export declare function watModuleSource(path: string): Promise<string>;
