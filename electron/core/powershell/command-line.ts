/** The command line as it runs, for the plan and the journal (no secret ever travels here). */
export function commandLine(script: string, params: Record<string, string | boolean | number>): string {
  const parts = Object.entries(params).map(([name, value]) =>
    value === true ? `-${name}` : `-${name} ${/\s/.test(String(value)) ? `"${String(value)}"` : String(value)}`,
  );
  return `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File ${script} ${parts.join(' ')}`.trim();
}
