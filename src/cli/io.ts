/** What a CLI command may touch: output streams, cwd, cancellation, progress on a terminal. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (line: string) => void;
  /** Overwrites one status line on stderr (terminals only); '' clears it. */
  readonly progress: (line: string) => void;
  readonly cwd: string;
  readonly isTTY: boolean;
  readonly version: string;
  readonly signal?: AbortSignal;
}
