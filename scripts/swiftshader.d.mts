export declare const SWIFTSHADER_ICD: string;
export declare function swiftshaderEnv(env?: NodeJS.ProcessEnv): {
  VK_ICD_FILENAMES: string;
  XDG_RUNTIME_DIR: string;
};
