// Visible progress for set-up steps: one line when a step starts, one when it ends.
export async function step<T>(title: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stdout.write(`• ${title}…\n`);
  try {
    const result = await work();
    process.stdout.write(`  ✓ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return result;
  } catch (error) {
    process.stdout.write(`  ✗ ${title}: ${(error as Error).message}\n`);
    throw error;
  }
}

export function note(message: string): void {
  process.stdout.write(`  ${message}\n`);
}
