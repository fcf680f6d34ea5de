// A Windows PowerShell that fails as a process, for the faults no script can report itself.
// Plain JavaScript so it runs as is on Linux and Windows. Started as the runner starts
// powershell.exe, after one argument naming the fault:
//   node powershell-fault.mjs <hang|crash|garbage|script-blocked> -NoProfile ... -File <script> ...
const [fault, ...argv] = process.argv.slice(2);
const script = argv[argv.indexOf('-File') + 1] ?? '';

switch (fault) {
  case 'hang':
    // Holds stdout open and never answers, like a PowerShell stuck on a hung WMI provider.
    setInterval(() => undefined, 60_000);
    break;
  case 'crash':
    process.kill(process.pid, 'SIGSEGV');
    break;
  case 'garbage':
    // UTF-16 bytes and a torn document: what a host that ignores -File's contract might print.
    process.stdout.write(
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from('Garbage\r\n', 'utf16le'),
        Buffer.from('{"os":{"caption":'),
      ]),
    );
    break;
  case 'script-blocked':
    // Group Policy's AllSigned refuses our unsigned script before it runs: Windows PowerShell
    // 5.1 prints this record (execution-policy.md EP-07, EP-08) and exits 1; stdout stays empty.
    process.stderr.write(
      `File ${script} cannot be loaded. The file ${script} is not digitally signed. You cannot run this script on the current system. For more information about running scripts and setting execution policy, see about_Execution_Policies at https:/go.microsoft.com/fwlink/?LinkID=135170.\r\n` +
        '    + CategoryInfo          : SecurityError: (:) [], ParentContainsErrorRecordException\r\n' +
        '    + FullyQualifiedErrorId : UnauthorizedAccess\r\n',
    );
    process.exitCode = 1;
    break;
  default:
    process.stderr.write(`powershell-fault.mjs: unknown fault ${fault}\n`);
    process.exitCode = 64;
}
