import { describe, expect, it } from 'vitest';

import { answerFromTranscript, builtinSummaryInstruction } from './answer-from-transcript.js';
import type { TranscriptMessage } from './answer-from-transcript.js';

const system = (content: string): TranscriptMessage => ({ role: 'system', content });
const user = (content: string): TranscriptMessage => ({ role: 'user', content });
const assistant = (content: string): TranscriptMessage => ({ role: 'assistant', content });

/** Plays a conversation the way a runner does: each user turn sees every earlier turn and reply. */
function converse(...turns: string[]): string[] {
  const messages: TranscriptMessage[] = [system('You are a helpful assistant.')];
  return turns.map((turn) => {
    messages.push(user(turn));
    const answer = answerFromTranscript(messages);
    messages.push(assistant(answer));
    return answer;
  });
}

describe('answerFromTranscript', () => {
  it('acknowledges a stated fact and recalls it in a later turn', () => {
    expect(converse('My favorite color is blue', 'What is my favorite color?')).toEqual([
      'Got it: your favorite color is blue.',
      'Your favorite color is blue.',
    ]);
  });

  it('says honestly that it does not know a fact that is not in the prompt', () => {
    expect(converse('What is my favorite color?')).toEqual([
      "I don't know your favorite color yet.",
    ]);
  });

  it('changes its answer when the fact is removed from the prompt', () => {
    const withFact = [
      user('My favorite color is blue'),
      assistant('Got it.'),
      user('What is my favorite color?'),
    ];
    expect(answerFromTranscript(withFact)).toBe('Your favorite color is blue.');
    expect(answerFromTranscript(withFact.slice(1))).toBe("I don't know your favorite color yet.");
  });

  it('lets a later statement override an earlier one', () => {
    const answers = converse(
      'My favorite color is blue.',
      'Actually, my favourite colour is green now.',
      "What's my favorite color?",
    );
    expect(answers.at(-1)).toBe('Your favourite colour is green.');
  });

  it('understands the usual phrasings of facts and questions', () => {
    const answers = converse(
      'Remember: my project ID is ALPHA-789',
      'My name is Ada.',
      'I live in Paris',
      'I work at Acme Corp.',
      "What's my project ID?",
      'Do you remember my name?',
      'Where do I live?',
      'Where do I work?',
      'Who am I?',
      'Tell me my project id again',
    );
    expect(answers).toEqual([
      'Got it: your project ID is ALPHA-789.',
      'Got it: your name is Ada.',
      'Got it: you live in Paris.',
      'Got it: you work at Acme Corp.',
      'Your project ID is ALPHA-789.',
      'Your name is Ada.',
      'You live in Paris.',
      'You work at Acme Corp.',
      'Your name is Ada.',
      'Your project ID is ALPHA-789.',
    ]);
  });

  it('knows names given with "call me", places of work and ages', () => {
    expect(
      converse(
        'Call me Ada.',
        'I am 36 years old',
        'I work for Initech',
        'Who am I?',
        'How old am I?',
        'Where do I work?',
      ),
    ).toEqual([
      'Got it: your name is Ada.',
      'Got it: you are 36 years old.',
      'Got it: you work at Initech.',
      'Your name is Ada.',
      'You are 36 years old.',
      'You work at Initech.',
    ]);
    expect(converse('I am called Grace', 'What is my name?').at(-1)).toBe('Your name is Grace.');
    expect(converse('How old am I?')).toEqual(["I don't know your age yet."]);
  });

  it('reads several facts from one message and answers a question in the same message', () => {
    expect(
      converse(
        'My name is Ada and my favorite color is blue. What is my name?',
        'What is my favorite color?',
      ),
    ).toEqual([
      'Got it: your name is Ada, and your favorite color is blue. Your name is Ada.',
      'Your favorite color is blue.',
    ]);
  });

  it('keeps plural facts and general "the X is Y" facts in their own words', () => {
    expect(
      converse(
        'My favorite foods are pizza and sushi.',
        'The deadline is Friday.',
        'What are my favorite foods?',
        'What is the deadline?',
      ),
    ).toEqual([
      'Got it: your favorite foods are pizza and sushi.',
      'Got it: the deadline is Friday.',
      'Your favorite foods are pizza and sushi.',
      'The deadline is Friday.',
    ]);
  });

  it('lists everything it knows when asked', () => {
    expect(converse('What do you know about me?')).toEqual([
      "I don't know anything about you yet.",
    ]);
    expect(converse('My name is Ada', 'I live in Paris', 'What do you know about me?').at(-1)).toBe(
      'Here is what I know: your name is Ada; you live in Paris.',
    );
  });

  it('answers from a summary in the system prompt as well as from the original sentences', () => {
    const summary =
      'Summary of earlier conversation:\n- favorite color: blue\n- project ID: ALPHA-789\n- home: Paris';
    const messages = [
      system(`You are a helpful assistant.\n\n${summary}`),
      user('What is my project ID?'),
    ];
    expect(answerFromTranscript(messages)).toBe('Your project ID is ALPHA-789.');
    expect(answerFromTranscript([system(summary), user('Where do I live?')])).toBe(
      'You live in Paris.',
    );
    expect(answerFromTranscript([assistant(summary), user('What is my favorite color?')])).toBe(
      'Your favorite color is blue.',
    );
  });

  it('never takes its own earlier answers as facts', () => {
    const messages = [assistant('Your favorite color is red.'), user('What is my favorite color?')];
    expect(answerFromTranscript(messages)).toBe("I don't know your favorite color yet.");
  });

  it('gives a deterministic reply to anything else', () => {
    expect(converse('Hello there')).toEqual([
      'Hello! Tell me something to remember, or ask me what I know.',
    ]);
    expect(converse('The weather seems nice today')).toEqual([
      'You said: The weather seems nice today',
    ]);
    expect(converse('How are you?')).toEqual([
      "I don't know the answer to that yet; I only know what you have told me in this conversation.",
    ]);
    expect(answerFromTranscript([system('You are a helpful assistant.')])).toBe(
      'I have no message to answer yet.',
    );
    expect(converse('x'.repeat(500))[0]).toHaveLength('You said: '.length + 201);
  });

  describe('summaries', () => {
    it('keeps every stated fact, newest value, when asked with the summary instruction', () => {
      const messages = [
        system('You are a helpful assistant.'),
        user('My favorite color is blue'),
        assistant('Got it: your favorite color is blue.'),
        user('Remember: my project ID is ALPHA-789'),
        assistant('Got it: your project ID is ALPHA-789.'),
        user('My favorite color is green'),
        assistant('Got it.'),
        user('What is my name?'),
        assistant("I don't know your name yet."),
        user(builtinSummaryInstruction),
      ];
      expect(answerFromTranscript(messages)).toBe(
        'Summary of earlier conversation:\n- favorite color: green\n- project ID: ALPHA-789',
      );
    });

    it('also recognises the instruction in the system prompt and a transcript pasted as text', () => {
      const transcript = [
        'user: My name is Ada',
        'assistant: Got it: your name is Ada.',
        'assistant: My name is Bot',
        'user: I live in Paris',
      ].join('\n');
      expect(answerFromTranscript([system(builtinSummaryInstruction), user(transcript)])).toBe(
        'Summary of earlier conversation:\n- name: Ada\n- home: Paris',
      );
    });

    it('reads the request compaction sends: earlier summary plus a "User:"/"Assistant:" transcript', () => {
      const request = [
        'Summary of the earlier conversation:',
        'Summary of earlier conversation:',
        '- favorite color: blue',
        '',
        'Conversation to summarize:',
        'User: Remember: my project ID is ALPHA-789',
        'Assistant: Got it: your project ID is ALPHA-789.',
        'User: What is my favorite color?',
        'Assistant: Your favorite color is red.',
        'User: My favorite color is green',
      ].join('\n');
      expect(answerFromTranscript([system(builtinSummaryInstruction), user(request)])).toBe(
        'Summary of earlier conversation:\n- favorite color: green\n- project ID: ALPHA-789',
      );
    });

    it('rolls an earlier summary into the new one', () => {
      const messages = [
        system(
          'You are a helpful assistant.\n\nSummary of earlier conversation:\n- favorite color: blue',
        ),
        user('My project ID is ALPHA-789'),
        assistant('Got it.'),
        user(builtinSummaryInstruction),
      ];
      expect(answerFromTranscript(messages)).toBe(
        'Summary of earlier conversation:\n- favorite color: blue\n- project ID: ALPHA-789',
      );
    });

    it('says so when no facts were stated, and takes no facts from the instruction itself', () => {
      expect(
        answerFromTranscript([user('Hello'), assistant('Hello!'), user(builtinSummaryInstruction)]),
      ).toBe('Summary of earlier conversation:\nNo facts were stated.');
    });

    it('produces a summary from which the facts are recalled after compaction', () => {
      const summary = answerFromTranscript([
        user('My favorite color is blue. Remember: my project ID is ALPHA-789'),
        user(builtinSummaryInstruction),
      ]);
      const compacted = [
        system(`You are a helpful assistant.\n\n${summary}`),
        user("What's my project ID?"),
      ];
      expect(answerFromTranscript(compacted)).toBe('Your project ID is ALPHA-789.');
    });

    it('does not treat an instruction that merely mentions summarising as a summary request', () => {
      const messages = [
        system('You may summarize the conversation when asked.'),
        user('My name is Ada'),
      ];
      expect(answerFromTranscript(messages)).toBe('Got it: your name is Ada.');
    });
  });
});
