const monthNames = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
];
const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Formats `date` relative to `now` the way a chat list reads: "just now", "5 min ago", "3 h ago",
 * "Yesterday", a weekday within the week, then "12 Mar" (this year) or "12 Mar 2024"; calendar days
 * follow the local time zone. A date slightly in the future (clock skew) counts as "just now".
 */
export function formatRelativeTime(date: Date | string, now: Date): string {
  const then = typeof date === 'string' ? new Date(date) : date;
  if (Number.isNaN(then.getTime())) return '';
  const seconds = Math.round((now.getTime() - then.getTime()) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const days = calendarDaysBetween(then, now);
  if (days === 0) return `${Math.floor(minutes / 60)} h ago`;
  if (days === 1) return 'Yesterday';
  if (days < 7) return dayNames[then.getDay()] ?? '';
  const day = `${then.getDate()} ${monthNames[then.getMonth()] ?? ''}`;
  return then.getFullYear() === now.getFullYear() ? day : `${day} ${then.getFullYear()}`;
}

/** The full local date and time, for tooltips, e.g. "12 Mar 2025, 14:05". */
export function formatFullTime(date: Date | string): string {
  const then = typeof date === 'string' ? new Date(date) : date;
  if (Number.isNaN(then.getTime())) return '';
  const hours = String(then.getHours()).padStart(2, '0');
  const minutes = String(then.getMinutes()).padStart(2, '0');
  return `${then.getDate()} ${monthNames[then.getMonth()] ?? ''} ${then.getFullYear()}, ${hours}:${minutes}`;
}

function calendarDaysBetween(earlier: Date, later: Date): number {
  const start = Date.UTC(earlier.getFullYear(), earlier.getMonth(), earlier.getDate());
  const end = Date.UTC(later.getFullYear(), later.getMonth(), later.getDate());
  return Math.round((end - start) / 86_400_000);
}
