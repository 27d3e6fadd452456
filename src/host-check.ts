// TEMPORARY STUB (replaced by the quick Host check of branch i13-hostcheck).
export function quickHostCheck(_data: unknown, _maxDepth: number): number | undefined {
  return undefined;
}
