// Command-line options of the benchmark scripts: `--name=value` and `--flag`.
//
// Dimension legend: none.

/** The value of `--name=value`, if given. */
export function option(name: string): string | undefined {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}

/** Whether `--name` was given. */
export const flag = (name: string): boolean => process.argv.includes(`--${name}`);
