/** An entry as stored and handed out: a deeply frozen plain object matching its type's schema. */
export type Entry = Readonly<Record<string, unknown>>;
