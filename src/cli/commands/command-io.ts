/** What a command may touch of its process: its directory, its environment and its two output streams. */
export interface CommandIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  out: (...lines: string[]) => void;
  err: (...lines: string[]) => void;
}
