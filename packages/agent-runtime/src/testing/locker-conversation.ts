/**
 * A long chat that tests recall over: turn 1 states the user's name, then `lockers` turns each state a
 * locker code (padded with `filler` to fill the context window), then the `questions` (by default the
 * name again).
 */
export function lockerConversation(
  lockers: number,
  filler: string,
  questions: readonly string[] = ['What is my name?'],
): string[] {
  return [
    'My name is Ada Lovelace.',
    ...Array.from(
      { length: lockers },
      (_, index) => `The code for locker ${index + 1} is ${4701 + index}. ${filler}`,
    ),
    ...questions,
  ];
}
