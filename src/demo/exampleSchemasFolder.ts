import path from 'node:path';
import { packageRoot } from '../packageRoot';

/** The example entry types shipped with the package (Customer, Product, Order, Payment). */
export function exampleSchemasFolder(): string {
  return path.join(packageRoot(), 'schemas', 'examples');
}
