/** Test-only helpers shared by unit tests that read the fixture captures. */

const FIXTURES = new URL("./fixtures/", import.meta.url);

/** Absolute path of a capture in tests/fixtures/. */
export function fixture(name: string): string {
  return new URL(name, FIXTURES).pathname;
}
