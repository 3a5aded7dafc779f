/** Small helpers shared by the benchmark scripts (argument parsing, medians). */

/** Value of `--name` on the command line, or `fallback`. */
export function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1]! : fallback;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A logger that prints each line and keeps it (for the result file written at the end). */
export function transcript(): { readonly lines: string[]; log(line: string): void } {
  const lines: string[] = [];
  return {
    lines,
    log(line: string) {
      console.log(line);
      lines.push(line);
    },
  };
}
