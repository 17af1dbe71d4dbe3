/**
 * One promise chain that runs tasks one after another, in call order. The engine's ORT
 * sessions and IndexedDB writes are not re-entrant; a chain (not a busy flag) keeps them so,
 * and a failed task does not break the chain for the tasks after it.
 */
export type Serial = <T>(task: () => Promise<T>) => Promise<T>;

export function createSerial(): Serial {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}
