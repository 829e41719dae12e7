/**
 * A path as messages show it: as given, unless it holds a control character (a newline or a tab in a file name),
 * which would break the message's one line or hide part of the name. Then it is shown as a JSON string, with each
 * such character escaped ("bad\nname.yaml").
 */
export function shownPath(path: string): string {
  return /[\u0000-\u001f\u007f-\u009f]/.test(path) ? JSON.stringify(path) : path;
}

/** A scenario's file as messages show it: `-` (read from the standard input) is `<stdin>`; any other, shownPath. An
 *  output named `-` is a file of that name, and is shown as such (shownPath). */
export function shownScenarioFile(path: string): string {
  return path === "-" ? "<stdin>" : shownPath(path);
}
