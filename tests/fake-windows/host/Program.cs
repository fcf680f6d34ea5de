// The fake Windows' PowerShell host. One source for both builds: FakeWindowsHost.csproj
// (PowerShell 7.6.9 from Microsoft.PowerShell.SDK, .NET 10) and, in the Windows workflow,
// desktop/FakeWindowsHost.Desktop.csproj (Windows PowerShell 5.1's own engine, .NET Framework). It is started exactly as the companion starts
// powershell.exe, after a few options of its own:
//
//   FakeWindowsHost --module <FakeWindows.psd1> --state <world.json> [--record <calls.jsonl>]
//                   [--language-mode ConstrainedLanguage] [--child]
//                   -- -NoProfile -NonInteractive ... -File <script> -Name value
//   FakeWindowsHost --serve --module <FakeWindows.psd1>     (WarmHost.cs: many runs, one engine)
//
// Everything after "--" goes, untouched, to PowerShell's own console host (ConsoleShell.Start),
// so -File, parameter binding, exit codes and stdout are PowerShell's, not ours. The only
// difference from a plain pwsh is the session: the fake Windows module is imported first, so the
// Windows commands the script calls (registry, CIM, services, certificates, appcmd, w32tm, ...)
// answer from the world file. With --language-mode ConstrainedLanguage the script runs as
// AppLocker or WDAC script rules run an untrusted script, while the fake module, like a module
// from System32, keeps FullLanguage.
//
// However many tests start it at once (one suite or several on one machine), at most one
// PowerShell per core runs: each start first takes one of ProcessorCount slots (a lock file in
// this user's data folder, released by the OS when the process ends, however it ends) and
// waits for one to free. A PowerShell the fake Windows itself starts (an installer, --child) runs
// inside its parent's slot; waiting for a slot of its own while the parent holds one could
// deadlock. The same folder holds the machine's install turn (FakeWindows.Changes.ps1), handed to
// the session as $FakeWindowsLockFolder before the fake module changes TEMP to the world's.
using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Text;

namespace FakeWindows;

public static class Program
{
    public static int Main(string[] args)
    {
        string? module = null, state = null, record = null, languageMode = null;
        bool child = false, serve = false;
        var rest = new List<string>();
        int i = 0;
        for (; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--") { i++; break; }
            if (!arg.StartsWith("--", StringComparison.Ordinal)) break;
            if (arg == "--child") { child = true; continue; }
            if (arg == "--serve") { serve = true; continue; }
            if (i + 1 >= args.Length) return Usage($"{arg} needs a value");
            string value = args[++i];
            switch (arg)
            {
                case "--module": module = value; break;
                case "--state": state = value; break;
                case "--record": record = value; break;
                case "--language-mode": languageMode = value; break;
                default: return Usage($"unknown option {arg}");
            }
        }
        for (; i < args.Length; i++) rest.Add(args[i]);
        if (serve && module is not null) return WarmHost.Serve(module, LockFolder());
        if (module is null || state is null) return Usage("--module and --state are required");
        string locks = LockFolder();
        using FileStream? slot = child ? null : TakeSlot(locks);

        // powershell.exe records -ExecutionPolicy as the Process scope in this variable
        // (about_PowerShell_exe); pwsh on Linux does not, so the host does it the Windows way.
        int policy = rest.FindIndex(a => a.Equals("-ExecutionPolicy", StringComparison.OrdinalIgnoreCase) || a.Equals("-ep", StringComparison.OrdinalIgnoreCase));
        if (policy >= 0 && policy + 1 < rest.Count) Environment.SetEnvironmentVariable("PSExecutionPolicyPreference", rest[policy + 1]);

        if (record is not null)
        {
            var argv = string.Join(",", rest.ConvertAll(Json));
            var line = $"{{\"at\":{Json(DateTime.UtcNow.ToString("o"))},\"pid\":{System.Diagnostics.Process.GetCurrentProcess().Id},\"argv\":[{argv}],\"languageMode\":{Json(languageMode ?? "FullLanguage")}}}";
            File.AppendAllText(record, line + "\n");
        }

        var iss = InitialSessionState.CreateDefault2();
        iss.Variables.Add(new SessionStateVariableEntry("FakeWindowsStateFile", Path.GetFullPath(state), "The fake Windows world this session answers from."));
        iss.Variables.Add(new SessionStateVariableEntry("FakeWindowsLockFolder", locks, "Where the PowerShell slots and the machine's install turn are taken."));
        iss.ImportPSModule(new[] { Path.GetFullPath(module) });
        if (languageMode is not null)
        {
            if (languageMode != "ConstrainedLanguage") return Usage("--language-mode takes ConstrainedLanguage");
            // A startup script runs after the module is imported: the module's functions keep the
            // FullLanguage they were defined in, and the script itself runs constrained.
            string constrain = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(module))!, "Enter-ConstrainedLanguage.ps1");
            if (!File.Exists(constrain)) return Usage($"{constrain} is missing, so ConstrainedLanguage cannot be entered");
            iss.StartupScripts.Add(constrain);
        }
        return StartConsole(iss, rest.ToArray());
    }

    private static int StartConsole(InitialSessionState iss, string[] args)
    {
#if NETFRAMEWORK
        // Windows PowerShell 5.1 starts its console host the way powershell.exe's managed entry
        // does: ConsoleHost.DefaultInitialSessionState, an internal static *field*, set to the
        // session, then the only public ConsoleShell.Start there is, Start(RunspaceConfiguration,
        // string, string, string[]), with a null configuration; ConsoleHost.DoCreateRunspace then
        // builds the runspace from that field ("if (DefaultInitialSessionState == null) ...
        // configuration ... else CreateRunspace(this, DefaultInitialSessionState)"). The
        // Start(InitialSessionState, ...) overload and Start(string, string, string[]) are
        // PowerShell 6+ only. Both looked up by reflection: the names are 5.1's, no 7 API is assumed.
        Type shell = typeof(Microsoft.PowerShell.ConsoleShell);
        const BindingFlags anyStatic = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
        FieldInfo? session = shell.Assembly.GetType("Microsoft.PowerShell.ConsoleHost")?.GetField("DefaultInitialSessionState", anyStatic);
        Type? configuration = typeof(InitialSessionState).Assembly.GetType("System.Management.Automation.Runspaces.RunspaceConfiguration");
        MethodInfo? start = configuration is null ? null : shell.GetMethod("Start", BindingFlags.Static | BindingFlags.Public, null, new[] { configuration, typeof(string), typeof(string), typeof(string[]) }, null);
        if (session is null || start is null) return Usage("this Windows PowerShell has no ConsoleHost.DefaultInitialSessionState field or no ConsoleShell.Start(RunspaceConfiguration, string, string, string[]): it is not Windows PowerShell 5.1");
        session.SetValue(null, iss);
        return (int)start.Invoke(null, new object?[] { null, null, null, args })!;
#else
        return Microsoft.PowerShell.ConsoleShell.Start(iss, null, null, args);
#endif
    }

    // In this user's own data folder (under the home folder, or %LOCALAPPDATA%), which no other
    // account can create first, unlike a fixed name in the shared temporary folder.
    private static string LockFolder()
    {
        string data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        if (string.IsNullOrEmpty(data)) throw new InvalidOperationException("FakeWindowsHost: this user has no data folder (HOME is not set), where the PowerShell slots are taken");
        string folder = Path.Combine(data, "ndes-fake-windows");
        Directory.CreateDirectory(folder);
        return folder;
    }

    internal static FileStream TakeSlot(string folder)
    {
        int slots = Math.Max(1, Environment.ProcessorCount);
        while (true)
        {
            for (int slot = 0; slot < slots; slot++)
            {
                try { return new FileStream(Path.Combine(folder, $"slot-{slot}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
                catch (IOException) { }
            }
            System.Threading.Thread.Sleep(25);
        }
    }

    // Built by hand so the same file compiles for Windows PowerShell 5.1's .NET Framework host.
    private static string Json(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (char c in text)
        {
            if (c == '"' || c == '\\') builder.Append('\\').Append(c);
            else if (c < 0x20 || c > 0x7e) builder.Append("\\u").Append(((int)c).ToString("x4"));
            else builder.Append(c);
        }
        return builder.Append('"').ToString();
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"FakeWindowsHost: {problem}");
        Console.Error.WriteLine("usage: FakeWindowsHost --module <psd1> --state <world.json> [--record <jsonl>] [--language-mode ConstrainedLanguage] [--child] -- <powershell argv>");
        Console.Error.WriteLine("       FakeWindowsHost --serve --module <psd1>");
        return 64;
    }
}
