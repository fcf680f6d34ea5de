// FakeWindowsHost --serve --module <FakeWindows.psm1>: one warm PowerShell for the test cases that
// check what a script decides and prints, not how a process starts. A PowerShell start pays for
// the engine and the fake module each time; here each run still gets a session of its own (a
// new runspace with the fake module imported and its own world), but the engine is loaded once.
//
// What only a process shows stays with processes: standard input, the command line's own
// argument binding, ConstrainedLanguage, and the process's exit code as the OS reports it. A run
// here binds each parameter from its string as -File does, and reports the exit code by the
// rule about_Pwsh documents for -File: the number given to `exit`, 1 when the script ends on a
// terminating error, 0 otherwise. tests/integration/warm-powershell.test.ts holds both ways to
// the same outputs, script by script.
//
// Requests on stdin, one field per line, base64 values:  state <b64> | script <b64> |
// param <b64 name> <b64 value> | switch <b64 name> | run.
// Answers on stdout: exit <n> | stdout <b64> | stderr <b64> | end.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Security;
using System.Text;

namespace FakeWindows;

internal static class WarmHost
{
    private sealed class Request
    {
        public string? State;
        public string? Script;
        public readonly List<KeyValuePair<string, string>> Parameters = new List<KeyValuePair<string, string>>();
        public readonly List<string> Switches = new List<string>();
    }

    public static int Serve(string module, string locks)
    {
        var answers = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        var requests = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
        IDictionary environment = Environment.GetEnvironmentVariables();
        string directory = Environment.CurrentDirectory;
        var request = new Request();
        string? line;
        while ((line = requests.ReadLine()) is not null)
        {
            string[] parts = line.Split('\t');
            switch (parts[0])
            {
                case "state": request.State = Decode(parts[1]); break;
                case "script": request.Script = Decode(parts[1]); break;
                case "param": request.Parameters.Add(new KeyValuePair<string, string>(Decode(parts[1]), Decode(parts[2]))); break;
                case "switch": request.Switches.Add(Decode(parts[1])); break;
                case "run":
                    var (exit, stdout, stderr) = RunOne(module, locks, request);
                    RestoreProcess(environment, directory);
                    answers.WriteLine("exit\t" + exit.ToString(CultureInfo.InvariantCulture));
                    answers.WriteLine("stdout\t" + Encode(stdout));
                    answers.WriteLine("stderr\t" + Encode(stderr));
                    answers.WriteLine("end");
                    request = new Request();
                    break;
                default:
                    Console.Error.WriteLine($"FakeWindowsHost --serve: unknown request line '{parts[0]}'");
                    return 64;
            }
        }
        return 0;
    }

    private static (int, string, string) RunOne(string module, string locks, Request request)
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture) { NewLine = Environment.NewLine };
        var stderr = new StringWriter(CultureInfo.InvariantCulture) { NewLine = Environment.NewLine };
        if (request.State is null || request.Script is null)
        {
            return (64, "", "FakeWindowsHost --serve: a run needs a state and a script\n");
        }
        TextWriter outBefore = Console.Out, errorBefore = Console.Error;
        TextReader inBefore = Console.In;
        using FileStream slot = Program.TakeSlot(locks);
        var host = new CapturingHost(stdout, stderr);
        // Where powershell.exe records -ExecutionPolicy Bypass (the Process scope), as the host
        // does for a process (Program.Main); put back with the rest of the environment.
        Environment.SetEnvironmentVariable("PSExecutionPolicyPreference", "Bypass");
        var iss = InitialSessionState.CreateDefault2();
        // -ExecutionPolicy Bypass, as the companion starts every script (only Windows has policies).
        if (Environment.OSVersion.Platform == PlatformID.Win32NT) iss.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        iss.Variables.Add(new SessionStateVariableEntry("FakeWindowsStateFile", Path.GetFullPath(request.State), "The fake Windows world this session answers from."));
        iss.Variables.Add(new SessionStateVariableEntry("FakeWindowsLockFolder", locks, "Where the PowerShell slots and the machine's install turn are taken."));
        iss.ImportPSModule(new[] { Path.GetFullPath(module) });
        int exit = 0;
        // What the script writes through .NET's Console goes where it would in a process.
        Console.SetOut(stdout);
        Console.SetError(stderr);
        // Standard input ends at once, as the companion's runner ends it (and this process's own
        // input is the next request, which no script may read).
        Console.SetIn(new StringReader(""));
        try
        {
            using Runspace runspace = RunspaceFactory.CreateRunspace(host, iss);
            runspace.Open();
            RethrowExit(runspace);
            using (PowerShell shell = PowerShell.Create())
            {
                shell.Runspace = runspace;
                // As the console host runs -File: the script in the session's own scope, so that
                // its `exit` ends the run rather than only the script.
                shell.AddCommand(Path.GetFullPath(request.Script), false);
                foreach (var parameter in request.Parameters) shell.AddParameter(parameter.Key, parameter.Value);
                foreach (string name in request.Switches) shell.AddParameter(name);
                shell.AddCommand("Out-Default");
                try
                {
                    shell.Invoke();
                    exit = host.ExitCode ?? 0;
                }
                catch (ExitException ended)
                {
                    exit = host.ExitCode ?? (ended.Argument is int code ? code : LanguagePrimitives.ConvertTo<int>(ended.Argument));
                }
                catch (RuntimeException error)
                {
                    host.WriteError(error.ErrorRecord);
                    exit = host.ExitCode ?? 1;
                }
                foreach (ErrorRecord record in shell.Streams.Error) host.WriteError(record);
            }
            // What the end of a process would release (the machine's install turn, the installers
            // waiting for the script to look) is released at the end of the run.
            using (PowerShell release = PowerShell.Create())
            {
                release.Runspace = runspace;
                release.AddScript("$m = Get-Module -Name FakeWindows; if ($m) { & $m { Close-FakeRun } }");
                release.Invoke();
            }
        }
        finally
        {
            Console.SetOut(outBefore);
            Console.SetError(errorBefore);
            Console.SetIn(inBefore);
        }
        return (exit, stdout.ToString(), stderr.ToString());
    }

    // What the console host sets before it runs -File (ConsoleHost.DoRunspaceInitialization):
    // a script's `exit` then leaves the pipeline and reaches the host's SetShouldExit, instead of
    // only ending the script. An internal switch of the engine, so it is found by reflection.
    private static void RethrowExit(Runspace runspace)
    {
        const BindingFlags any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        object? context = null;
        for (Type? type = runspace.GetType(); type is not null && context is null; type = type.BaseType) context = type.GetProperty("ExecutionContext", any)?.GetValue(runspace);
        PropertyInfo? rethrow = null;
        for (Type? type = context?.GetType(); type is not null && rethrow is null; type = type.BaseType) rethrow = type.GetProperty("ScriptCommandProcessorShouldRethrowExit", any);
        if (context is null || rethrow is null) throw new InvalidOperationException("this PowerShell has no ScriptCommandProcessorShouldRethrowExit: a warm run could not report exit as -File does");
        rethrow.SetValue(context, true);
    }

    // The fake module sets the world's environment (TEMP) for the process; a warm process puts
    // back what it started with before the next run.
    private static void RestoreProcess(IDictionary environment, string directory)
    {
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            string name = (string)entry.Key;
            if (!environment.Contains(name)) Environment.SetEnvironmentVariable(name, null);
        }
        foreach (DictionaryEntry entry in environment) Environment.SetEnvironmentVariable((string)entry.Key, (string?)entry.Value);
        Environment.CurrentDirectory = directory;
    }

    private static string Decode(string text) => Encoding.UTF8.GetString(Convert.FromBase64String(text));
    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>The console host's part for a run: what it would print to stdout and stderr.</summary>
    private sealed class CapturingHost : PSHost
    {
        private readonly CapturingUI _ui;
        public CapturingHost(TextWriter stdout, TextWriter stderr) { _ui = new CapturingUI(stdout, stderr); }
        public int? ExitCode { get; private set; }
        public override string Name => "FakeWindowsWarmHost";
        public override Version Version => new Version(1, 0);
        public override Guid InstanceId { get; } = Guid.NewGuid();
        public override PSHostUserInterface UI => _ui;
        public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;
        public override void SetShouldExit(int exitCode) { ExitCode ??= exitCode; }
        public override void EnterNestedPrompt() => throw new NotSupportedException("no nested prompt in a test run");
        public override void ExitNestedPrompt() => throw new NotSupportedException("no nested prompt in a test run");
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
        public void WriteError(ErrorRecord record) => _ui.WriteErrorLine(record.ToString());
    }

    private sealed class CapturingUI : PSHostUserInterface
    {
        private readonly TextWriter _stdout;
        private readonly TextWriter _stderr;
        private readonly RawUI _raw = new RawUI();
        public CapturingUI(TextWriter stdout, TextWriter stderr) { _stdout = stdout; _stderr = stderr; }
        public override PSHostRawUserInterface RawUI => _raw;
        // Every write ends its line the one way the console host does on this system (CRLF on
        // Windows): the base class would end a coloured line (Write-Host) with "\n" alone.
        public override void Write(string value) => _stdout.Write(value);
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => _stdout.Write(value);
        public override void WriteLine() => _stdout.WriteLine();
        public override void WriteLine(string value) => _stdout.WriteLine(value);
        public override void WriteLine(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => _stdout.WriteLine(value);
        public override void WriteErrorLine(string value) => _stderr.WriteLine(value);
        public override void WriteDebugLine(string message) => _stdout.WriteLine("DEBUG: " + message);
        public override void WriteVerboseLine(string message) => _stdout.WriteLine("VERBOSE: " + message);
        public override void WriteWarningLine(string message) => _stdout.WriteLine("WARNING: " + message);
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override string ReadLine() => throw new NotSupportedException("a test run reads no console input");
        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("a test run reads no console input");
        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) => throw new NotSupportedException("-NonInteractive");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException("-NonInteractive");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException("-NonInteractive");
        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) => throw new NotSupportedException("-NonInteractive");
    }

    private sealed class RawUI : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
        public override Size BufferSize { get; set; } = new Size(120, 9001);
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; } = 25;
        public override bool KeyAvailable => false;
        public override Size MaxPhysicalWindowSize => new Size(120, 9001);
        public override Size MaxWindowSize => new Size(120, 9001);
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get; set; } = new Size(120, 50);
        public override string WindowTitle { get; set; } = "";
        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => new BufferCell[0, 0];
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("a test run reads no console input");
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
    }
}
