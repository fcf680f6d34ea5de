using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Principal;
using System.Text;
using System.Threading;

namespace NdesCompanion.Cli
{
    /// <summary>
    /// Starts the installed companion beside this file with "--cli" alone, hands it the arguments
    /// typed as the first line of its standard input (a JSON array), relays the rest of standard
    /// input, its output and error byte for byte (UTF-8), and exits with its exit code. The
    /// arguments never reach the companion's command line, where Chromium would act on any
    /// "--switch" among them (a command prefix, a log file, a debugging port) in the elevated
    /// process, and where Electron refuses a URL followed by another argument.
    /// </summary>
    public static class Program
    {
        public const string AppExecutable = "NDES Proxy Companion.exe";

        public static int Main(string[] args)
        {
            string folder = AppDomain.CurrentDomain.BaseDirectory;
            string app = Path.Combine(folder, AppExecutable);
            if (!File.Exists(app))
            {
                Console.Error.WriteLine("ndes-companion: " + app + " is missing. Repair or reinstall NDES Proxy Companion.");
                return 1;
            }
            // Asked here rather than by a requireAdministrator manifest: that would open a new
            // elevated console window, and the output and exit code would be lost.
            if (IsWindows && !IsAdministrator())
            {
                Console.Error.WriteLine("ndes-companion: run it from an elevated prompt (Run as administrator): the companion reads and changes this server.");
                return 1;
            }
            var info = new ProcessStartInfo(app, "--cli")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Environment.CurrentDirectory,
            };
            Process? child;
            try
            {
                child = Process.Start(info);
            }
            catch (Win32Exception error)
            {
                Console.Error.WriteLine("ndes-companion: " + app + " could not be started: " + error.Message);
                return 1;
            }
            if (child == null)
            {
                Console.Error.WriteLine("ndes-companion: " + app + " did not start.");
                return 1;
            }
            // The companion (a windowed program) hears no console signal: a first Ctrl+C reaches it
            // as this file appearing (it then cancels the step as the window's Cancel would, or says
            // why not while the step is changing the server). A second one stops the companion
            // itself; what it started (PowerShell, an installer) is left to finish, and the next
            // start verifies it. In this account's own temporary folder, under a name nobody guesses.
            string interrupt = Path.Combine(Path.GetTempPath(), "ndes-companion-interrupt-" + Guid.NewGuid().ToString("N"));
            using (child)
            {
                Console.CancelKeyPress += (sender, e) =>
                {
                    e.Cancel = true;
                    int count = Interlocked.Increment(ref presses);
                    pressed.Set();
                    if (count == 1)
                    {
                        try { File.WriteAllText(interrupt, "Ctrl+C"); } catch (Exception) { /* the second press still stops it */ }
                        Console.Error.WriteLine("ndes-companion: asking the companion to cancel the step (it refuses, and says why, while the step is changing the server); press Ctrl+C again to stop the companion now.");
                        return;
                    }
                    Volatile.Write(ref killed, true);
                    try { child.Kill(); } catch (Exception) { /* already gone */ }
                };
                int[] codePages = UseUtf8Console();
                try
                {
                    var output = new Thread(() => Copy(child.StandardOutput.BaseStream, Console.OpenStandardOutput())) { IsBackground = true };
                    var errors = new Thread(() => Copy(child.StandardError.BaseStream, Console.OpenStandardError())) { IsBackground = true };
                    var forward = new Thread(() => Forward(child.StandardInput.BaseStream, Arguments.ToLine(args, interrupt))) { IsBackground = true };
                    output.Start();
                    errors.Start();
                    forward.Start();
                    child.WaitForExit();
                    // A grandchild that inherited the pipes must not keep this console waiting.
                    output.Join(5000);
                    errors.Join(5000);
                    // Stopped by the second Ctrl+C: said as the companion's own CLI says it (130).
                    if (Volatile.Read(ref killed))
                    {
                        Console.Error.WriteLine("ndes-companion: stopped at the second Ctrl+C. What the step started may still be finishing: run verify for this step to see where it stands.");
                        return 130;
                    }
                    return child.ExitCode;
                }
                finally
                {
                    RestoreConsole(codePages);
                    try { File.Delete(interrupt); } catch (Exception) { /* left in TEMP; harmless */ }
                }
            }
        }

        /// <summary>Ctrl+C presses so far; a console read that a press cut short is read again.</summary>
        private static int presses;

        /// <summary>Whether the second Ctrl+C stopped the companion.</summary>
        private static bool killed;

        /// <summary>Set by the Ctrl+C handler, which runs on a thread of its own, after it has counted a press.</summary>
        private static readonly ManualResetEventSlim pressed = new ManualResetEventSlim(false);

        private static bool IsWindows => Environment.OSVersion.Platform == PlatformID.Win32NT;

        private static bool IsAdministrator()
        {
            using (var identity = WindowsIdentity.GetCurrent())
            {
                return new WindowsPrincipal(identity).IsInRole(WindowsBuiltInRole.Administrator);
            }
        }

        /// <summary>
        /// The companion reads and writes UTF-8: while it runs, a console types and shows UTF-8
        /// (input and output code pages), then gets both back. Returns [input, output], 0 for untouched.
        /// </summary>
        private static int[] UseUtf8Console()
        {
            var previous = new int[2];
            if (!IsWindows) return previous;
            if (!Console.IsInputRedirected)
            {
                previous[0] = NativeMethods.GetConsoleCP();
                NativeMethods.SetConsoleCP(65001);
            }
            if (!Console.IsOutputRedirected)
            {
                previous[1] = NativeMethods.GetConsoleOutputCP();
                NativeMethods.SetConsoleOutputCP(65001);
            }
            return previous;
        }

        private static void RestoreConsole(int[] codePages)
        {
            if (codePages[0] != 0) NativeMethods.SetConsoleCP(codePages[0]);
            if (codePages[1] != 0) NativeMethods.SetConsoleOutputCP(codePages[1]);
        }

        /// <summary>
        /// Standard input to the companion. On a console, Ctrl+C cuts a read short as if input had
        /// ended (ReadFile returns no bytes, or fails as aborted): after a press that is read
        /// again, so a command waiting for a pasted address still gets it.
        /// </summary>
        private static void CopyInput(Stream from, Stream to)
        {
            var buffer = new byte[8192];
            int seen = 0;
            while (true)
            {
                int read;
                try
                {
                    read = from.Read(buffer, 0, buffer.Length);
                }
                catch (Exception error) when (error is IOException || error is OperationCanceledException)
                {
                    if (Console.IsInputRedirected || Volatile.Read(ref presses) == seen) return;
                    read = 0;
                }
                if (read == 0)
                {
                    if (Console.IsInputRedirected) return;
                    // The read a Ctrl+C cut short can come back before the handler (another
                    // thread) has counted the press: give it a moment before calling it the end.
                    if (Volatile.Read(ref presses) == seen) pressed.Wait(250);
                    pressed.Reset();
                    int now = Volatile.Read(ref presses);
                    if (now != seen)
                    {
                        seen = now;
                        continue;
                    }
                    return;
                }
                to.Write(buffer, 0, read);
                to.Flush();
            }
        }

        private static void Copy(Stream from, Stream to)
        {
            var buffer = new byte[8192];
            int read;
            try
            {
                while ((read = from.Read(buffer, 0, buffer.Length)) > 0)
                {
                    to.Write(buffer, 0, read);
                    to.Flush();
                }
            }
            catch (IOException)
            {
                // The console or pipe went away; the exit code still says how it ended.
            }
        }

        /// <summary>
        /// The arguments line first, then what the admin pipes in (a PFX password, a token) byte
        /// for byte, and its end too. Written from this thread, so a companion that ends early
        /// cannot stop the launcher with a broken pipe.
        /// </summary>
        private static void Forward(Stream input, string argumentsJson)
        {
            try
            {
                using (input)
                {
                    byte[] line = new UTF8Encoding(false).GetBytes(argumentsJson + "\n");
                    input.Write(line, 0, line.Length);
                    input.Flush();
                    CopyInput(Console.OpenStandardInput(), input);
                }
            }
            catch (IOException)
            {
                // The companion ended before all of standard input was read.
            }
        }
    }

    internal static class NativeMethods
    {
        [DllImport("kernel32.dll")]
        public static extern int GetConsoleOutputCP();

        [DllImport("kernel32.dll")]
        public static extern int GetConsoleCP();

        [DllImport("kernel32.dll")]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool SetConsoleCP(int codePage);

        [DllImport("kernel32.dll")]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool SetConsoleOutputCP(int codePage);
    }

    /// <summary>The arguments as one line of JSON: an array of strings, every control character escaped.</summary>
    public static class Arguments
    {
        /// <summary>The first line the companion reads: {"args":[…],"interrupt":"…"} (the file a first Ctrl+C creates).</summary>
        public static string ToLine(string[] args, string interrupt)
        {
            return "{\"args\":" + ToJson(args) + ",\"interrupt\":" + ToJson(new[] { interrupt }).TrimStart('[').TrimEnd(']') + "}";
        }

        public static string ToJson(string[] args)
        {
            var json = new StringBuilder("[");
            for (int i = 0; i < args.Length; i++)
            {
                if (i > 0) json.Append(',');
                json.Append('"');
                foreach (char c in args[i])
                {
                    switch (c)
                    {
                        case '"': json.Append("\\\""); break;
                        case '\\': json.Append("\\\\"); break;
                        default:
                            // Control characters, and surrogates (a lone one has no UTF-8 form), as escapes.
                            if (c < 0x20 || c == 0x2028 || c == 0x2029 || char.IsSurrogate(c)) json.Append("\\u").Append(((int)c).ToString("x4"));
                            else json.Append(c);
                            break;
                    }
                }
                json.Append('"');
            }
            return json.Append(']').ToString();
        }
    }
}
