/**
 * A path as messages show it: as given, unless it holds a control character (a newline or a tab in a file name),
 * which would break the message's one line or hide part of the name. Then it is shown as a JSON string, with each
 * such character escaped ("bad\nname.yaml"). `-`, a scenario read from the standard input, is `<stdin>`.
 */
export function shownPath(path: string): string {
  if (path === "-") return "<stdin>";
  return /[\u0000-\u001f\u007f-\u009f]/.test(path) ? JSON.stringify(path) : path;
}
