// A benchmark's options: `--name value` on the command line, else BENCH_NAME in the
// environment (npm run passes arguments after `--`), else the fallback.
export function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : (process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback);
}
