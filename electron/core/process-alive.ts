/** Whether a process with this id still runs (on this machine, for any user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it only belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
