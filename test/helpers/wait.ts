// Moved to @chat/testkit; this re-export keeps suites that still import the old path working.
export { eventually, Collector } from '@chat/testkit';
