export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** "cat ×2, dog": the objects found in a photo, most frequent first. */
export function objectSummary(
  detections: readonly { classIndex: number }[],
  labels: readonly string[],
): string {
  const counts = new Map<string, number>();
  for (const { classIndex } of detections) {
    const label = labels[classIndex] ?? `class ${classIndex}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => (n > 1 ? `${label} ×${n}` : label))
    .join(', ');
}

/** The file name at the end of a folder-relative path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
