/** Positional query parameters: one value per `?`, in order. */
export type QueryParams = readonly unknown[];

/** Selects one entry by id (a long id may be given as a number). */
export interface IdSelector {
  readonly id: string | number;
}

/**
 * Selects by example: every field set in the template must equal the entry's; fields left out,
 * undefined or null are wildcards; a nested partial object matches a nested record field by field.
 */
export interface TemplateSelector {
  readonly template: Readonly<Record<string, unknown>>;
}

/** Selects with a query (the SQL-like WHERE subset, with ORDER BY / LIMIT) and its parameters. */
export interface QuerySelector {
  readonly query: string;
  readonly params?: QueryParams;
}

/** What read, take, count, clear, change and subscriptions select entries with. */
export type Selector = IdSelector | TemplateSelector | QuerySelector;

/** Matches every entry of the type. */
export const ALL: TemplateSelector = Object.freeze({ template: Object.freeze({}) });

/** True for an `{ id }` selector (also guards against a selector that is not an object at all). */
export function isIdSelector(selector: Selector): selector is IdSelector {
  return selector !== null && typeof selector === 'object' && 'id' in selector;
}

/** True for a `{ template }` selector. */
export function isTemplateSelector(selector: Selector): selector is TemplateSelector {
  return selector !== null && typeof selector === 'object' && 'template' in selector;
}
