/**
 * `await using` needs `Symbol.asyncDispose`. Node 20.19+ defines it, as `Symbol.for('nodejs.asyncDispose')`,
 * but only in its main realm: code run in a `vm` context (jest's test environment, some sandboxes) sees
 * a `Symbol` without it, where a class's `[Symbol.asyncDispose]` would be named "undefined". Setting
 * the same registered symbols there keeps one key across realms. Imported for its effect by every
 * module that defines a dispose method, before its classes are built.
 */
const symbols = Symbol as unknown as { asyncDispose?: symbol; dispose?: symbol };
symbols.asyncDispose ??= Symbol.for('nodejs.asyncDispose');
symbols.dispose ??= Symbol.for('nodejs.dispose');

export {};
