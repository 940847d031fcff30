// The uniform blocks of the GPU kernels are declared once, in kernels.ts, and
// their WGSL structs are generated from that declaration. These checks read
// the shader text: a shader that declares a uniform struct or binding of its
// own, or reads a field its kernel does not declare, fails here before any
// GPU compiles it.

import { describe, expect, test } from 'vitest';
import {
  KERNELS,
  kernelSource,
  type KernelName,
  type KernelSpec,
} from '../../../src/engine/gpu/kernels';
import { SHADER_SOURCES } from '../../../src/engine/gpu/shaderSources';
import {
  packUniforms,
  uniformDeclaration,
  type UniformBlock,
} from '../../../src/engine/gpu/uniforms';

/** The shader text without comments (a field named in a comment is not a read). */
function code(wgsl: string): string {
  return wgsl.replace(/\/\/.*$/gm, '');
}

/** The uniform blocks a kernel binds: `p` at binding 0, then any uniform binding. */
function blocks(spec: KernelSpec): UniformBlock[] {
  return [spec.uniforms, ...spec.bindings.filter((b): b is UniformBlock => typeof b === 'object')];
}

const kernels = Object.keys(KERNELS) as KernelName[];

describe('GPU uniform blocks: one declaration each', () => {
  for (const kernel of kernels) {
    const spec: KernelSpec = KERNELS[kernel];
    const shader = code(SHADER_SOURCES[spec.shader]);

    test(`${kernel}: the shader declares no uniform struct or binding of its own`, () => {
      expect(shader).not.toMatch(/var\s*<\s*uniform\s*>/);
      for (const block of blocks(spec)) {
        expect(shader).not.toMatch(new RegExp(`\\bstruct\\s+${block.struct}\\b`));
      }
    });

    test(`${kernel}: every uniform field the shader reads is declared, and every declared one is read`, () => {
      for (const block of blocks(spec)) {
        const declared = block.fields.map(([name]) => name);
        const read = new Set(
          [...shader.matchAll(new RegExp(`\\b${block.variable}\\.(\\w+)`, 'g'))].map((m) => m[1]),
        );
        expect([...read].filter((name) => !declared.includes(name))).toEqual([]);
        expect(declared.filter((name) => !read.has(name))).toEqual([]);
      }
    });

    test(`${kernel}: the compiled source opens with the generated declarations`, () => {
      const source = kernelSource(kernel);
      expect(source.startsWith(uniformDeclaration(spec.uniforms, 0))).toBe(true);
      expect(source.endsWith(SHADER_SOURCES[spec.shader])).toBe(true);
    });
  }

  test('the struct lists the fields in the declared order, and the writer packs them there', () => {
    const block: UniformBlock = {
      struct: 'Params',
      variable: 'p',
      fields: [
        ['M', 'u32'],
        ['scale', 'f32'],
        ['K', 'u32'],
      ],
    };
    expect(uniformDeclaration(block, 0)).toBe(
      'struct Params {\n  M: u32,\n  scale: f32,\n  K: u32,\n}\n' +
        '@group(0) @binding(0) var<uniform> p: Params;\n',
    );
    const view = new DataView(new ArrayBuffer(64));
    packUniforms(view, 16, block, { K: 7, M: 3, scale: 0.5 }, 'test');
    expect([view.getUint32(16, true), view.getFloat32(20, true), view.getUint32(24, true)]).toEqual(
      [3, 0.5, 7],
    );
    expect(() => packUniforms(view, 0, block, { M: 1, scale: 1 }, 'test')).toThrow(/K missing/);
    expect(() => packUniforms(view, 0, block, { M: -1, scale: 1, K: 1 }, 'test')).toThrow(
      /not a u32/,
    );
  });
});
