/** Per package: index.ts exports that no other package, script or example imports. */
export function unusedExports(): Record<string, string[]>;
/** The names `text` (the contents of `file`) imports from the public surface of workspace package `pkg`. */
export function importedNames(file: string, text: string, pkg: string): Set<string>;
