#!/bin/sh
# A Windows PowerShell that fails as a process, for the faults no script can report itself.
# Started as the runner starts powershell.exe, after one argument naming the fault:
#   powershell-fault.sh <hang|crash|garbage|script-blocked> -NoProfile ... -File <script> ...
fault="$1"
shift
script=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-File" ]; then script="$2"; break; fi
  shift
done
case "$fault" in
  hang)
    # Holds stdout open and never answers, like a PowerShell stuck on a hung WMI provider.
    exec sleep 3600 ;;
  crash)
    kill -SEGV $$ ;;
  garbage)
    # UTF-16 bytes and a torn document: what a host that ignores -File's contract might print.
    printf '\377\376G\000a\000r\000b\000a\000g\000e\000\r\n{"os":{"caption":' ; exit 0 ;;
  script-blocked)
    # Group Policy's AllSigned refuses our unsigned script before it runs: Windows PowerShell
    # 5.1 prints this record (execution-policy.md EP-07/EP-08) and exits 1; stdout stays empty.
    printf 'File %s cannot be loaded. The file %s is not digitally signed. You cannot run this script on the current system. For more information about running scripts and setting execution policy, see about_Execution_Policies at https:/go.microsoft.com/fwlink/?LinkID=135170.\r\n    + CategoryInfo          : SecurityError: (:) [], ParentContainsErrorRecordException\r\n    + FullyQualifiedErrorId : UnauthorizedAccess\r\n' "$script" "$script" >&2
    exit 1 ;;
  *)
    echo "powershell-fault.sh: unknown fault $fault" >&2; exit 64 ;;
esac
