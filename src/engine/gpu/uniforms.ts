// Uniform blocks, declared once. A kernel's uniforms are a list of (name, WGSL
// scalar type) in order; from that one list the WGSL struct and its binding
// are generated and prepended to the shader (kernels.ts kernelSource), and
// the host packs its values (program.ts, adamStep.ts adamHyperparameters), so
// writer and reader cannot disagree on names, order or types. Shaders hold no
// uniform struct of their own (tests/unit/engine/gpu-uniforms.test.ts).
//
// Dimension legend: none here (the fields carry the shapes: B, T, H, M, N, K, ...).

/** A uniform field: name and WGSL scalar type (4 bytes each, so offset = 4 · index). */
export type UniformField = readonly [name: string, type: 'u32' | 'f32'];

/** A uniform struct: its WGSL type name, the variable shaders read it as, and its fields. */
export interface UniformBlock {
  struct: string;
  variable: string;
  fields: readonly UniformField[];
}

/** Bytes every uniform binding of the engine exposes; each block fits (checked below). */
export const UNIFORM_BINDING_SIZE = 64;

/** The WGSL declaration of a block at `binding` of group 0: struct, then the variable. */
export function uniformDeclaration(block: UniformBlock, binding: number): string {
  checkSize(block);
  const fields = block.fields.map(([name, type]) => `  ${name}: ${type},`).join('\n');
  return (
    `struct ${block.struct} {\n${fields}\n}\n` +
    `@group(0) @binding(${binding}) var<uniform> ${block.variable}: ${block.struct};\n`
  );
}

/** Writes a block's values at byte `at` of `view`, in the declared order and types. */
export function packUniforms(
  view: DataView,
  at: number,
  block: UniformBlock,
  values: Readonly<Record<string, number>>,
  label: string,
): void {
  checkSize(block);
  block.fields.forEach(([name, type], index) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${label}: uniform ${name} missing`);
    if (type === 'f32') {
      view.setFloat32(at + 4 * index, value, true);
      return;
    }
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new Error(`${label}: uniform ${name} = ${value} is not a u32`);
    }
    view.setUint32(at + 4 * index, value, true);
  });
}

function checkSize(block: UniformBlock): void {
  if (4 * block.fields.length > UNIFORM_BINDING_SIZE) {
    throw new Error(`uniform struct ${block.struct} is larger than ${UNIFORM_BINDING_SIZE} bytes`);
  }
}
