import type { Task } from '../api/Task';

/**
 * Finds the body of a reserved task name (`$service:...`), or throws a typed error before anything
 * runs (unknown service, call for another partition). @internal
 */
export type TaskResolver = (name: string, args: unknown, partition: number) => ResolvedTask;

/** A resolved reserved task: its body, and the name its errors give (e.g. `OrderService.status`). @internal */
export interface ResolvedTask {
  readonly label: string;
  readonly run: Task;
}
