/** How wide the text of `explain` and `quiz` is laid out: the terminal's width, or 100 columns into a pipe or file. */
import type { Io } from "./context.js";

export const PIPE_WIDTH = 100;

export function outputWidth(io: Io): number {
  const cols = io.isTty ? process.stdout.columns : undefined;
  return cols !== undefined && cols >= 40 ? Math.min(cols, 200) : PIPE_WIDTH;
}
