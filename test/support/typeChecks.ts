import * as path from 'node:path';
import ts from 'typescript';

/** Exact type equality (not mere assignability), for checks that a type is what it should be. */
export type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/** `is<Expected>()(value)` compiles only when the value's type is exactly `Expected`. */
export const is =
  <Expected>() =>
  <Actual>(value: Actual, ..._exact: Equal<Actual, Expected> extends true ? [] : [never]): Actual =>
    value;

/** A diagnostic's message, its chain flattened. */
export const diagnosticText = (d: ts.Diagnostic): string =>
  ts.flattenDiagnosticMessageText(d.messageText, '\n');

/**
 * Compiles `files` with the repository's tsconfig (no output), plus `virtual` files that exist only
 * in memory (a consumer's mistakes, compiled beside a test); the diagnostics by file name.
 */
export function compileWithRepoConfig(
  files: readonly string[],
  virtual: ReadonlyMap<string, string> = new Map(),
): Map<string, ts.Diagnostic[]> {
  const root = path.resolve(__dirname, '../..');
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(diagnosticText(d));
      },
    },
  );
  const options = { ...config!.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, ...rest) => {
    const text = virtual.get(name);
    return text === undefined
      ? getSourceFile.call(host, name, ...rest)
      : ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true);
  };
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name);
  const program = ts.createProgram([...files, ...virtual.keys()], options, host);
  const byFile = new Map<string, ts.Diagnostic[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file?.fileName ?? '';
    byFile.set(file, [...(byFile.get(file) ?? []), d]);
  }
  return byFile;
}
