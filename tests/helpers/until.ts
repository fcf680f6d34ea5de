/**
 * Waits for a condition the test cannot be told about (a file a child process writes, a process
 * ending), or fails naming it. The limit is a backstop for a real hang, far past what a slow,
 * busy machine takes: the test waits on the condition, not on a deadline.
 */
export async function until(condition: () => boolean, what: string, backstopMs = 5 * 60_000): Promise<void> {
  const deadline = Date.now() + backstopMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`${what} never happened (waited ${Math.round(backstopMs / 1000)} s for it)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
