/** A greeting for the time of day, in the browser's local time. */
export function greeting(now: Date): string {
  const hour = now.getHours();
  if (hour < 5) return 'Good night';
  if (hour < 12) return 'Good morning';
  if (hour < 18) return 'Good afternoon';
  return 'Good evening';
}

/** The counter's label: "Clicked 0 times", "Clicked 1 time", ... */
export function clickLabel(count: number): string {
  return `Clicked ${count} ${count === 1 ? 'time' : 'times'}`;
}
